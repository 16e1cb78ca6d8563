"""The EPUB gives the standard A4 PDF's page numbers: a page list with an entry for every
printed page, page-break markers where those pages begin, and the PDF named as their
source. Built by the driver, which packs the EPUB after the PDF from the same parse."""

from __future__ import annotations

import json
import re
import zipfile

import pypdf
import pytest
from lxml import etree

NS = {
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "opf": "http://www.idpf.org/2007/opf",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


@pytest.fixture(scope="module")
def epub(book):
    with zipfile.ZipFile(book.epub) as archive:
        yield archive


@pytest.fixture(scope="module")
def page_list(epub) -> list[tuple[str, str]]:
    nav = etree.fromstring(epub.read("nav.xhtml"))
    found = nav.find(".//x:nav[@epub:type='page-list']", NS)
    assert found is not None, "no page list in nav.xhtml"
    return [(a.text, a.get("href")) for a in found.iterfind(".//x:a", NS)]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_an_entry_for_every_page_of_the_pdf_in_order(page_list, book):
    labels = pypdf.PdfReader(book.pdf).page_labels
    assert [label for label, _ in page_list] == list(labels)


def test_every_entry_lands_on_its_marker(page_list, epub):
    for label, href in page_list:
        name, _, fragment = href.partition("#")
        page = etree.fromstring(epub.read(name))
        marker = page.find(f".//*[@id='{fragment}']")
        assert marker is not None, href
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == label and not (marker.text or "").strip()


def test_markers_land_on_the_text_the_pdf_prints_on_that_page(page_list, epub, book):
    """For a sample of pages across the book: the words right after the page's marker in
    the EPUB are printed on that page of the PDF."""
    reader = pypdf.PdfReader(book.pdf)
    labels = reader.page_labels
    texts = [" ".join(_words(page.extract_text() or "")) for page in reader.pages]
    starts = dict(json.loads((book.work() / "pdf" / "pagemap.json").read_text())["pages"])
    first_arabic = labels.index("1")
    sample = [(label, href) for label, href in page_list[first_arabic::7]]
    assert len(sample) >= 10
    checked, wrong = 0, []
    for label, href in sample:
        name, _, fragment = href.partition("#")
        xhtml = epub.read(name).decode()
        at = xhtml.index(f'id="{fragment}"')
        after = re.sub(r"<[^>]+>", " ", xhtml[at:].split(">", 1)[1])
        words = _words(after)[:6]
        assert len(words) == 6, href
        if starts[label] is None:  # a page that begins no block is marked with the one before
            continue
        page_text = texts[labels.index(label)]
        checked += 1
        # (Print hides a few labels, such as "Solution" in the answer key: 5 of 6 words.)
        on_page = set(page_text.split())
        if " ".join(words[:2]) not in page_text or sum(w in on_page for w in words) < 5:
            wrong.append(f"page {label}: {' '.join(words)!r} not on it")
    assert checked >= 8
    assert wrong == [], "\n".join(wrong)


def test_the_package_names_the_pdf_as_the_page_source(epub, book):
    opf = etree.fromstring(epub.read("content.opf"))
    meta = {m.get("property"): m.text for m in opf.iterfind(".//opf:meta", NS) if m.get("property")}
    features = [m.text for m in opf.iterfind(".//opf:meta[@property='schema:accessibilityFeature']", NS)]
    assert book.pdf.name in meta["pageBreakSource"] and "A4" in meta["pageBreakSource"]
    assert "pageBreakMarkers" in features and "pageNavigation" in features


def test_the_pdf_build_writes_its_page_map(book):
    found = json.loads((book.work() / "pdf" / "pagemap.json").read_text())
    assert found["pdf"] == book.pdf.name and found["paper"] == "a4"
    assert len(found["pages"]) == len(pypdf.PdfReader(book.pdf).pages)
    with_start = [key for _, key in found["pages"] if key]
    assert len(with_start) > 0.85 * len(found["pages"])
    assert len(set(with_start)) == len(with_start)
