"""Joining chunks into one book, on tiny tagged PDFs that WeasyPrint renders here: a front
matter of two pages that links to a later chunk, a one-page chapter, and a two-page one
that needs a blank page before it to open on a right-hand page."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdf
import pytest
from sphinx.errors import SphinxError

from studyguide.pdf.chunks import BASE_URL, BOOK_URL
from studyguide.pdf.merge import Book, merge

PAGE = "@page { size: 100mm 140mm; margin: 10mm; }"
FRONT = f"""
<h1 id="front-title">A tiny book</h1>
<p>The target is <a href="{BOOK_URL}#two-target">in chapter two</a>.</p>
<h1 id="contents" style="break-before: page">Contents</h1>
<p>Nothing much.</p>
"""
ONE = '<h1 id="one">One</h1><p id="one-text">The first chapter.</p>'
TWO = """
<h1 id="two">Two</h1><p id="two-target">The target of the front matter's link.</p>
<h2 id="two-b" style="break-before: page">Two, later</h2><p>More.</p>
"""
FOLIOS = ["1", "", "3", "4"]  # arabic pages: chapter one, a blank page, chapter two


def render(html: str, path: Path, name: str) -> Path:
    import weasyprint

    page = (
        f'<!DOCTYPE html><html lang="en"><head><title>Tiny</title><style>{PAGE}</style></head>'
        f"<body>{html}</body></html>"
    )
    weasyprint.HTML(string=page, base_url=BASE_URL + name).write_pdf(path, pdf_variant="pdf/ua-1")
    return path


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("chunks")

    def folios(piece: list[str]) -> str:
        return "".join(
            f'<p style="break-before: page">{f}</p>' if i else f"<p>{f}</p>" for i, f in enumerate(piece)
        )

    return {
        "front": render(FRONT, folder / "front.pdf", "chunk-00-front.html"),
        "one": render(ONE, folder / "one.pdf", "chunk-01.html"),
        "two": render(TWO, folder / "two.pdf", "chunk-02.html"),
        # in two pieces, as a long book's are (Schedule.folio_pieces)
        "folios": [
            render(folios(FOLIOS[:2]), folder / "folios-01.pdf", "folios-01.html"),
            render(folios(FOLIOS[2:]), folder / "folios-02.pdf", "folios-02.html"),
        ],
    }


@pytest.fixture(scope="module")
def joined(parts, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("book") / "book.pdf"
    pages = merge(
        parts["front"],
        [(parts["one"], False, False), (parts["two"], True, False)],
        parts["folios"],
        {2},
        target,
    )
    assert pages == 6
    return target


@pytest.fixture
def book(joined):
    with pikepdf.open(joined) as pdf:
        yield pdf


def page_index(pdf: pikepdf.Pdf) -> dict:
    return {page.objgen: i for i, page in enumerate(pdf.pages)}


def test_the_chunks_pages_follow_the_front_matter_with_a_blank_page_where_needed(parts, book):
    counts = [len(pikepdf.open(parts[p]).pages) for p in ("front", "one", "two")]
    assert counts == [2, 1, 2]
    assert len(book.pages) == 6
    texts = [page.extract_text() for page in pypdf.PdfReader(book.filename).pages]
    assert "A tiny book" in texts[0] and "Contents" in texts[1]
    assert "One" in texts[2] and "Two" in texts[4] and "Two, later" in texts[5]
    assert texts[3].strip() == ""  # the blank page: no folio either


def test_folios_are_laid_over_the_arabic_pages_as_artifacts(book):
    texts = [page.extract_text() or "" for page in pypdf.PdfReader(book.filename).pages]
    assert [t.split()[-1] if t.split() else "" for t in texts[2:]] == ["1", "", "3", "4"]
    for index in (2, 4, 5):
        content = (
            b"".join(c.read_bytes() for c in book.pages[index].obj.Contents)
            if isinstance(book.pages[index].obj.Contents, pikepdf.Array)
            else book.pages[index].obj.Contents.read_bytes()
        )
        assert b"/Artifact BMC" in content and f"/StudyguideFolio{index - 1} Do".encode() in content


def test_page_labels_are_roman_then_arabic(joined):
    assert pypdf.PdfReader(joined).page_labels == ["i", "ii", "1", "2", "3", "4"]


def test_outline_has_every_chunks_bookmarks_on_their_pages(book):
    pages = page_index(book)
    with book.open_outline() as outline:
        found = [
            (item.title, pages[item.destination[0].objgen], [c.title for c in item.children])
            for item in outline.root
        ]
        later = outline.root[-1].children[0]
        assert pages[later.destination[0].objgen] == 5
    assert found == [("A tiny book", 0, []), ("Contents", 1, []), ("One", 2, []), ("Two", 4, ["Two, later"])]


def test_named_destinations_of_every_chunk_point_at_their_pages(book):
    dests = pikepdf.NameTree(book.Root.Names.Dests)
    pages = page_index(book)
    where = {name: pages[dests[name][0].objgen] for name in dests.keys()}
    assert {
        k: where[k] for k in ("front-title", "contents", "one", "one-text", "two", "two-target", "two-b")
    } == {"front-title": 0, "contents": 1, "one": 2, "one-text": 2, "two": 4, "two-target": 4, "two-b": 5}
    assert list(dests.keys()) == sorted(dests.keys())


def test_a_link_to_another_chunk_becomes_an_internal_link_to_its_page(book):
    links = [a for a in book.pages[0].obj.get("/Annots", []) if a.get("/Subtype") == "/Link"]
    assert len(links) == 1
    link = links[0]
    assert "/A" not in link and str(link.Dest) == "two-target"
    dests = pikepdf.NameTree(book.Root.Names.Dests)
    assert page_index(book)[dests["two-target"][0].objgen] == 4


def _elements(node, found):
    if isinstance(node, pikepdf.Array):
        for item in node:
            _elements(item, found)
    elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
        found.append(node)
        if "/K" in node:
            _elements(node.K, found)
    return found


def test_one_structure_tree_with_unique_marked_content_keys(book):
    struct = book.Root.StructTreeRoot
    top = list(struct.K) if isinstance(struct.K, pikepdf.Array) else [struct.K]
    assert [str(t.S) for t in top] == ["/Document"]
    elements = _elements(top[0].K, [])
    headings = [e for e in elements if str(e.S) in ("/H1", "/H2")]
    assert [str(e.S) for e in headings] == ["/H1", "/H1", "/H1", "/H1", "/H2"]
    kids = list(top[0].K)
    assert [str(k.S) for k in kids] == ["/H1", "/P", "/H1", "/P", "/H1", "/P", "/H1", "/P", "/H2", "/P"]
    assert all(k.P.objgen == top[0].objgen for k in kids)  # each chunk's elements moved under it
    nums = list(struct.ParentTree.Nums)
    keys = [int(k) for k in nums[::2]]
    assert len(keys) == len(set(keys))
    tree = dict(zip(keys, nums[1::2]))
    pages = page_index(book)
    parents = [int(p.obj.StructParents) for p in book.pages if "/StructParents" in p.obj]
    annots = [
        int(a.StructParent) for p in book.pages for a in p.obj.get("/Annots", []) if "/StructParent" in a
    ]
    assert len(parents) == 5  # every page but the blank one
    assert len(parents + annots) == len(set(parents + annots)) and set(parents + annots) <= set(keys)
    for index, page in enumerate(book.pages):
        if "/StructParents" not in page.obj:
            continue
        for element in tree[int(page.obj.StructParents)]:  # one element per marked-content id
            if isinstance(element, pikepdf.Dictionary) and "/Pg" in element:
                assert pages[element.Pg.objgen] == index


def test_each_chunks_font_subsets_get_their_own_names(book):
    names = {}
    for index, page in enumerate(book.pages):
        for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
            names.setdefault(str(font.BaseFont), set()).add(index)
    chunk_of = {0: "front", 1: "front", 2: "one", 4: "two", 5: "two"}
    for name, used in names.items():
        assert len({chunk_of.get(i, "folio") for i in used}) == 1, (name, used)


def test_a_link_to_no_chunk_stops_the_join(parts, tmp_path):
    target = tmp_path / "book.pdf"
    with pytest.raises(SphinxError, match="two-target"):
        merge(parts["front"], [(parts["one"], False, False)], [], set(), target)
    assert not target.exists()


def test_the_join_is_a_step_per_chunk_and_a_finishing_step(parts, joined, tmp_path):
    book = Book(parts["front"])
    book.add(parts["one"])
    book.add(parts["two"], blank_before=True)
    assert len(book.pdf.pages) == 6 and book.chunks == 2
    assert book.finish(parts["folios"], {2}, tmp_path / "again.pdf") == 6
    assert (tmp_path / "again.pdf").read_bytes() == joined.read_bytes()  # same inputs, same bytes


def test_a_chunk_that_goes_on_with_a_document_puts_its_bookmarks_under_that_documents(parts, tmp_path):
    more = render('<h2 id="two-c">Two, last</h2><p>The end.</p>', tmp_path / "more.pdf", "chunk-03.html")
    target = tmp_path / "book.pdf"
    chunks = [(parts["one"], False, False), (parts["two"], True, False), (more, False, True)]
    assert merge(parts["front"], chunks, [], set(), target) == 7
    with pikepdf.open(target) as pdf:
        pages = page_index(pdf)
        with pdf.open_outline() as outline:
            top = [item.title for item in outline.root]
            two = outline.root[-1]
            under = [(c.title, pages[c.destination[0].objgen]) for c in two.children]
    assert top == ["A tiny book", "Contents", "One", "Two"]
    assert under == [("Two, later", 5), ("Two, last", 6)]
