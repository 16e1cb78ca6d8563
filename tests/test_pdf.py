"""The PDF is a book: structure, navigation, fonts and metadata, read from the real file."""

from __future__ import annotations

import re

import pikepdf
import pytest

CHAPTERS = ["The alliance", "The 1941 defences", "The 1942 failures", "The legacy"]


@pytest.fixture(scope="module")
def pdf(book):
    with pikepdf.open(book.pdf) as document:
        yield document


def outline_titles(reader) -> list[tuple[int, str]]:
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title))

    walk(reader.outline, 0)
    return found


def test_outline_lists_every_chapter_and_its_sections(pdf_reader):
    titles = outline_titles(pdf_reader)
    top = [t for depth, t in titles if depth == 0]
    for number, chapter in enumerate(CHAPTERS, 1):
        assert f"{number}. {chapter}" in top
    assert any(depth == 1 and t.startswith("1.1.") for depth, t in titles)
    for back in ("Contents", "Glossary", "Answer key", "Index", "Timeline, 1939-1957"):
        assert any(back in t for _, t in titles), back


def _page_of(reader, text: str, start: int = 0) -> int:
    for index in range(start, len(reader.pages)):
        if text in (reader.pages[index].extract_text() or ""):
            return index
    raise AssertionError(f"{text!r} not found")


MM = 72 / 25.4
BACK_MATTER = ["Timeline, 1939-1957", "Who’s who", "Glossary", "Further reading", "Answer key", "Index"]


@pytest.fixture(scope="module")
def plumber(book):
    import pdfplumber

    with pdfplumber.open(book.pdf) as document:
        yield document


def _bands(page) -> tuple[list, list, list]:
    """A page's words in its top margin (running head), text area and bottom margin (folio),
    by the @page margins of print.css (20 mm top, 22 mm bottom)."""
    words = page.extract_words()
    head = [w for w in words if w["top"] < 20 * MM]
    foot = [w for w in words if w["top"] > page.height - 22 * MM]
    body = [w for w in words if w not in head and w not in foot]
    return head, body, foot


def _words(words) -> str:
    return " ".join(w["text"] for w in _lines(words))


def _lines(words) -> list:
    """Words in reading order: by line (tops within 3 pt), then left to right."""
    ordered, top = [], None
    for word in sorted(words, key=lambda w: w["top"]):
        if top is None or word["top"] - top > 3:
            top = word["top"]
        ordered.append((top, word["x0"], word))
    return [w for _, _, w in sorted(ordered, key=lambda t: (t[0], t[1]))]


def _contents_entries(pdf, plumber) -> list[tuple[list[str], str]]:
    """Each entry of the printed contents: its words (leader dots left out) and the named
    destination its link goes to. An entry may take two lines (large print)."""
    texts = [page.extract_text() or "" for page in plumber.pages]
    pages = [next(i for i, t in enumerate(texts) if t.lstrip().startswith("Contents"))]
    while re.search(r"( \.){5}", texts[pages[-1] + 1]):  # leaders: the contents goes on
        pages.append(pages[-1] + 1)
    entries = {}
    for number in pages:
        page = plumber.pages[number]
        _, body, _ = _bands(page)
        for annot in pdf.pages[number].get("/Annots", []):
            if "/Dest" not in annot:
                continue
            low, high = sorted(float(v) for v in (annot.Rect[1], annot.Rect[3]))
            line = [w for w in body if low <= page.height - (w["top"] + w["bottom"]) / 2 <= high]
            words = [w["text"] for w in _lines(line) if w["text"] != "."]
            entries[(number, -round(high))] = (words, str(annot.Dest))
    joined: list[tuple[list[str], str]] = []
    for _, (words, dest) in sorted(entries.items()):  # top to bottom
        if joined and joined[-1][1] == dest:  # the same link's next line
            joined[-1] = (joined[-1][0] + words, dest)
        else:
            joined.append((words, dest))
    return joined


def contents_problems(pdf, plumber, labels) -> tuple[set[str], int, list[str]]:
    """The contents' titles, its number of entries, and every entry whose printed number
    is not the folio (and viewer label) of the page its link lands on, or whose title is
    not on that page."""
    dests = pikepdf.NameTree(pdf.Root.Names.Dests)
    index_of = {page.objgen: i for i, page in enumerate(pdf.pages)}
    entries = _contents_entries(pdf, plumber)
    titles = {" ".join(words[:-1]) for words, _ in entries}
    wrong = []
    for words, dest in entries:
        *title, printed = words
        target = index_of[dests[dest][0].objgen]
        _, body, foot = _bands(plumber.pages[target])
        folio = _words(foot)
        heading = " ".join(title[1:] if re.fullmatch(r"[\d.]+", title[0]) else title)
        if folio not in ("", printed) or labels[target] != printed:  # "": a blind folio
            wrong.append(
                f"{' '.join(title)}: contents {printed}, page {folio or '(no folio)'} "
                f"(viewer {labels[target]})"
            )
        elif heading not in " ".join(_words(body).split()):
            wrong.append(f"{' '.join(title)}: not on the page its link lands on ({printed})")
    return titles, len(entries), wrong


def test_every_contents_entry_gives_the_folio_of_its_first_page(pdf, plumber, pdf_reader):
    """Front matter, chapters, sections, back matter and the index: the number the contents
    prints is the folio printed on the page where its link lands, which shows its title."""
    titles, count, wrong = contents_problems(pdf, plumber, pdf_reader.page_labels)
    for expected in [
        "Copyright and licence",
        "How to use this guide",
        *BACK_MATTER,
        *(f"{n} {c}" for n, c in enumerate(CHAPTERS, 1)),
    ]:
        assert expected in titles, (expected, sorted(titles))
    assert count > 40
    assert wrong == [], "\n".join(wrong)


def test_blank_pages_carry_no_folio(plumber, pdf_pages_text):
    """A page with no text carries no folio and no running head; every other page after the
    title page and its verso carries its folio."""
    contents = next(i for i, t in enumerate(pdf_pages_text) if t.lstrip().startswith("Contents"))
    blank, unnumbered = [], []
    for number, page in enumerate(plumber.pages):
        head, body, foot = _bands(page)
        if not body and (head or foot):
            blank.append(f"page {number + 1}: {_words(head + foot)!r}")
        elif body and number >= contents and not foot:
            unnumbered.append(f"page {number + 1}: {_words(body)[:40]!r}")
    assert sum(not _bands(p)[1] for p in plumber.pages) >= 3  # chapters open on a recto
    assert blank == [], "\n".join(blank)
    assert unnumbered == [], "\n".join(unnumbered)


def test_chapters_open_on_right_hand_pages(pdf_reader, pdf_pages_text):
    starts = [_page_of(pdf_reader, f"{n}. {c}", 5) for n, c in enumerate(CHAPTERS, 1)]
    first = starts[0]
    assert first % 2 == 0  # index 0 is page 1, a right-hand page; so even indexes are recto
    assert all((s - first) % 2 == 0 for s in starts)


def test_running_heads_carry_the_chapter_and_section_titles(pdf_pages_text):
    # Running heads are page artifacts: text extraction puts them after the body.
    tails = [t.rstrip()[-80:] for t in pdf_pages_text]
    assert sum("\n1. The alliance\n" in t for t in tails) >= 3  # left pages: chapter
    # right pages: a numbered section of chapter 1 and its title (which one depends on the text)
    assert sum(bool(re.search(r"\n1\.\d+\. [A-Z][^\n]+\n\d+$", t)) for t in tails) >= 1
    assert sum("\n3. The 1942 failures\n" in t for t in tails) >= 3


def test_front_matter_has_roman_folios(pdf_pages_text):
    contents = next(t for t in pdf_pages_text if t.lstrip().startswith("Contents"))
    assert re.search(r"\b(iii|iv|v|vi)\s*$", contents.strip())


def test_no_web_interface_in_the_print_book(pdf_pages_text):
    text = "\n".join(pdf_pages_text)
    for web in (
        "Skip to main content",
        "Search",
        "Edit this page",
        "Back to top",
        "¶",
        "Download this page",
        "Ctrl+K",
        "Toggle navigation",
        "Show source",
        "Previous\n",
    ):
        assert web not in text, web


def test_metadata_and_tagging(pdf):
    info = pdf.docinfo
    assert str(info["/Title"]) == "Stalin and Zhukov"
    assert "Study Guide Authors" in str(info["/Author"])
    assert str(info["/CreationDate"]).startswith("D:2025")
    assert str(pdf.Root.Lang) == "en"
    assert pdf.Root.MarkInfo.Marked is True
    assert "/StructTreeRoot" in pdf.Root
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True


def test_every_font_is_embedded_subset_and_ours(pdf):
    fonts = {}
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font.BaseFont)] = embedded
    assert fonts and all(fonts.values()), fonts
    for name in fonts:
        assert re.match(r"/[A-Z]{6}\+Noto-(Serif|Sans)", name), f"{name}: not a subset of the vendored fonts"


def test_internal_links_all_land_somewhere(pdf):
    names = pikepdf.NameTree(pdf.Root.Names.Dests)
    dests = set(names.keys())
    internal = 0
    for page in pdf.pages:
        for annot in page.get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annot:
                internal += 1
                target = str(annot.Dest)
                assert target in dests, f"link to missing destination {target}"
            else:
                assert str(annot.A.S) == "/URI"
                assert str(annot.A.URI).startswith("https://"), annot.A.URI
    assert internal > 500  # contents, index, cross-references, glossary terms, citations


def test_cyrillic_is_real_text_in_an_embedded_font(pdf_pages_text):
    text = "\n".join(pdf_pages_text)
    assert "Ставка" in text
    assert re.search(r"[А-Яа-я]{4,}", text)


def test_figures_stay_vector(pdf):
    images = 0
    for page in pdf.pages:
        for xobject in page.Resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Image":
                images += 1
    assert images == 0, "a figure was rasterised"


def test_index_gives_page_numbers(pdf_pages_text):
    start = max(i for i, t in enumerate(pdf_pages_text) if t.lstrip().startswith("Index"))
    index_text = "\n".join(pdf_pages_text[start:])
    assert re.search(r"Zhukov, Georgy[, \d]*\d", index_text)
    assert re.search(r"Vyazma[, \d]*\d", index_text)


def test_answer_key_at_the_back_links_both_ways(pdf, pdf_pages_text):
    text = "\n".join(pdf_pages_text)
    key_start = max(i for i, t in enumerate(pdf_pages_text) if t.lstrip().startswith("Answer key"))
    chapters = "\n".join(pdf_pages_text[:key_start])
    key = "\n".join(pdf_pages_text[key_start:])
    assert "Solution: answer key, Exercise 2.5" in chapters
    assert "Exercise 2.5" in key
    assert "Draws on:" in key and "Draws on:" not in chapters
    assert text.count("Exercise 1.1") >= 2
    # Each entry of the key links back to its exercise, on a page before the key.
    dests = pikepdf.NameTree(pdf.Root.Names.Dests)
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    back = [
        str(a.Dest)
        for page in list(pdf.pages)[key_start:]
        for a in page.obj.get("/Annots", [])
        if "/Dest" in a and "--ex-" in str(a.Dest)
    ]
    assert len(back) >= 4 * 14
    assert all(pages[dests[name][0].objgen] < key_start for name in back)


def test_letter_paper_by_setting(book, tmp_path):
    from conftest import published, run_build

    build = run_build(book.root, "pdf", paper="letter")
    assert build.returncode == 0, build.output
    with pikepdf.open(published(book.root, "pdf-letter")) as letter:
        width, height = [float(v) for v in letter.pages[0].MediaBox[2:]]
    assert (round(width), round(height)) == (612, 792)
    with pikepdf.open(book.pdf) as a4:
        width, height = [float(v) for v in a4.pages[0].MediaBox[2:]]
    assert (round(width), round(height)) == (595, 842)


def _structure(pdf) -> list[tuple[str, pikepdf.Dictionary]]:
    found = []

    def walk(element):
        if isinstance(element, pikepdf.Array):
            for item in element:
                walk(item)
        elif isinstance(element, pikepdf.Dictionary):
            if "/S" in element:
                found.append((str(element.S), element))
            if "/K" in element:
                walk(element.K)

    walk(pdf.Root.StructTreeRoot.K)
    return found


def test_tagged_structure_has_headings_in_order_and_figures_with_alt(pdf):
    structure = _structure(pdf)
    kinds = [kind for kind, _ in structure]
    assert kinds[0] == "/Document"
    assert kinds.count("/H1") >= 10 and kinds.count("/H2") >= 30
    figures = [e for kind, e in structure if kind == "/Figure"]
    assert len(figures) == 3
    assert all(len(str(f.get("/Alt", ""))) > 40 for f in figures)
    # reading order: the first chapter heading comes before the second's
    headings = [e for kind, e in structure if kind == "/H1"]
    assert len(headings) >= 4


def test_no_text_runs_off_the_page(pdf_reader):
    width, height = float(pdf_reader.pages[0].mediabox.width), float(pdf_reader.pages[0].mediabox.height)
    outside: list = []

    def visitor(text, cm, tm, font, size):
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        if text.strip() and not (-1 <= x <= width + 1 and -1 <= y <= height + 1):
            outside.append((round(x), round(y), text[:20]))

    for page in pdf_reader.pages:
        page.extract_text(visitor_text=visitor)
    assert outside == [], outside[:3]


def test_print_document_has_unique_ids_and_no_dangling_fragment(book):
    """Sphinx's single-page assembly repeats ids across chapters and writes cross-document
    links as '#document-x#target' (sphinx#14221); the print book, written as chunks, must
    have neither, and a link to another chunk must name an id that chunk has."""
    from lxml import html

    chunks = sorted((book.work() / "pdf").glob("chunk-*.html"))
    assert len(chunks) >= 6  # front matter, four chapters, back matter
    trees = {path.name: html.parse(str(path)) for path in chunks}
    ids = [e.get("id") for tree in trees.values() for e in tree.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})[:10]
    everywhere = set(ids)
    local, across = [], []
    for name, tree in trees.items():
        here = {e.get("id") for e in tree.iter() if e.get("id")}
        for a in tree.iter("a"):
            href = a.get("href") or ""
            if href.startswith("#"):
                local.append(href)
                assert href[1:] in here and href.count("#") == 1, (name, href)
            elif href.startswith("book.html#"):
                across.append(href)
                target = href.split("#", 1)[1]
                assert target in everywhere and target not in here, (name, href)
    assert len(local) > 50 and len(across) > 200


def test_every_page_prints_its_number_and_the_viewer_shows_the_same(pdf_reader, pdf_pages_text):
    """Chapters are laid out separately and numbered when joined: check every folio."""
    first = _page_of(pdf_reader, f"1. {CHAPTERS[0]}", 3)
    numbered = [(i, t) for i, t in enumerate(pdf_pages_text) if i >= first and t.strip()]
    assert len(numbered) > 60
    for index, text in numbered:
        assert text.rstrip().endswith(str(index - first + 1)), (index, text.rstrip()[-30:])
    labels = pdf_reader.page_labels
    assert (
        labels[0] == "i"
        and labels[first - 1] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"][first - 1]
    )
    assert labels[first : first + 3] == ["1", "2", "3"] and labels[-1] == str(len(labels) - first)
