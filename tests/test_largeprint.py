"""The large-print PDF (UKAAF G003): 18 pt text, one sans-serif face, left-aligned, its own
contents and folios, nothing off the page; built from the same parse as the standard PDF."""

from __future__ import annotations

from collections import Counter

import pikepdf
import pytest
from test_pdf import CHAPTERS, contents_problems

from conftest import ROOT, published, run_build


@pytest.fixture(scope="module")
def large_print(book):
    build = run_build(book.root, "largeprint")
    assert build.returncode == 0, build.output
    path = published(book.root, "largeprint")
    assert path.is_file(), sorted(p.name for p in (book.root / "largeprint").iterdir())
    return path


@pytest.fixture(scope="module")
def plumbed(large_print):
    import pdfplumber

    with pdfplumber.open(large_print) as document:
        yield document


def test_every_glyph_outside_the_figures_is_at_least_18_pt(plumbed, book):
    """Body, captions, tables, footnotes, index and folios alike: only the figures' own
    labels (scaled with the figure to the text block) may be smaller."""
    sizes, small = Counter(), Counter()
    for number, page in enumerate(plumbed.pages, 1):
        for char in page.chars:
            if not char["text"].strip():
                continue
            sizes[round(char["size"])] += 1
            if char["size"] < 17.95 and char.get("tag") != "Figure":
                small[(number, char.get("tag"), round(char["size"], 1))] += 1
    assert small == Counter(), sorted(small.items())[:10]
    assert sum(n for size, n in sizes.items() if size == 18) > 0.9 * sum(sizes.values())
    import pypdf

    standard = pypdf.PdfReader(book.pdf)
    assert len(plumbed.pages) > 2 * len(standard.pages)  # the same text, set larger


def test_one_sans_serif_face_and_no_italics(large_print):
    fonts = set()
    with pikepdf.open(large_print) as pdf:
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                fonts.add(str(font.BaseFont).split("+", 1)[1])
    assert fonts and all(f.startswith("Noto-Sans") for f in fonts), fonts
    assert not [f for f in fonts if "Italic" in f], fonts


def test_contents_numbers_are_the_folios(large_print, plumbed):
    import pypdf

    labels = pypdf.PdfReader(large_print).page_labels
    with pikepdf.open(large_print) as pdf:
        titles, count, wrong = contents_problems(pdf, plumbed, labels)
    assert count > 40
    for chapter in (f"{n} {c}" for n, c in enumerate(CHAPTERS, 1)):
        assert chapter in titles, (chapter, sorted(titles))
    assert "Index" in titles
    assert wrong == [], "\n".join(wrong)


def test_index_gives_large_print_page_numbers(plumbed):
    texts = [page.extract_text() or "" for page in plumbed.pages]
    start = max(i for i, t in enumerate(texts) if t.lstrip().startswith("Index"))
    numbers = [int(w) for t in texts[start:] for w in t.replace(",", " ").split() if w.isdigit()]
    assert numbers and max(numbers) > 150  # numbers of this edition, not the standard one


def test_no_text_outside_the_page(plumbed):
    outside = []
    for number, page in enumerate(plumbed.pages, 1):
        for char in page.chars:
            if char["text"].strip() and (
                char["x0"] < 0
                or char["x1"] > page.width + 0.5
                or char["top"] < 0
                or char["bottom"] > page.height + 0.5
            ):
                outside.append((number, char["text"]))
    assert outside == [], outside[:10]


def test_text_is_ragged_right_and_unhyphenated(plumbed):
    """Lines of a paragraph end where their last word ends, not at one justified edge, and
    a line ends in a hyphen only where the word has one in the book's sources."""
    sources = " ".join(
        p.read_text(encoding="utf-8")
        for folder in (ROOT / "book", ROOT / "exercises")
        for p in folder.rglob("*")
        if p.suffix in (".md", ".yaml", ".yml")
    )
    right_edges, lines = Counter(), []
    for page in plumbed.pages[10:60]:
        for line in page.extract_text_lines():
            if line["top"] > 20 * 72 / 25.4 and len(line["text"]) > 30:
                right_edges[round(line["x1"])] += 1
            chars = sorted(line["chars"], key=lambda c: c["x0"])
            if all(b["x0"] - a["x1"] < 18 for a, b in zip(chars, chars[1:])):  # not a table row
                lines.append(line["text"])
    most, count = right_edges.most_common(1)[0]
    assert count < 0.2 * sum(right_edges.values()), (most, count)
    added = [
        f"{a.split()[-1]}{b.split()[0]}"
        for a, b in zip(lines, lines[1:])
        if a.endswith("-") and b.split() and f"{a.split()[-1]}{b.split()[0]}" not in sources
    ]
    assert added == [], added


def test_tagged_like_the_standard_pdf(large_print):
    with pikepdf.open(large_print) as pdf:
        assert pdf.Root.MarkInfo.Marked is True and str(pdf.Root.Lang) == "en"
        kinds = Counter()

        def walk(element):
            if isinstance(element, pikepdf.Array):
                for item in element:
                    walk(item)
            elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
                kinds[str(element.S)] += 1
                if "/K" in element:
                    walk(element.K)

        walk(pdf.Root.StructTreeRoot.K)
    assert kinds["/H1"] >= 10 and kinds["/H2"] >= 30 and kinds["/Figure"] == 3
    assert kinds["/Table"] >= 1 and kinds["/TH"] >= 1
