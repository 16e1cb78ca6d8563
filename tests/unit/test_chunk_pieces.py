"""A back-matter document longer than a chapter (the answer key) is laid out in pieces,
cut before its sections, so that no worker lays out the whole of it: on the 20x book it
was 560 pages in one process. The assembled tree must come out of the cutting as it went
in, since the contents, the index and the page map read it after."""

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx import addnodes

from studyguide.pdf.chunks import BODY, PageNumbers, plan


def section(ident: str, title: str, words: int, *children: nodes.Node) -> nodes.section:
    node = nodes.section(ids=[ident])
    node += nodes.title(text=title)
    node += nodes.paragraph(text=" ".join([ident] * words))
    node.extend(children)
    return node


def included(docname: str, *children: nodes.Node) -> addnodes.start_of_file:
    node = addnodes.start_of_file(docname=docname)
    node.extend(children)
    return node


def book() -> nodes.document:
    tree = new_document("book", get_default_settings(Parser))
    for n in (1, 2, 3):
        tree += included(f"chapters/{n}", section(f"ch{n}", f"Chapter {n}", 400))
    key = section("key", "Answer key", 10, *(section(f"key-{n}", f"Key {n}", 300) for n in (1, 2, 3)))
    tree += included("back/key", nodes.target(ids=["key-target"]), key)
    tree += included("back/short", section("short", "Short", 50, section("short-1", "Short 1", 50)))
    return tree


KINDS = {"chapters/1": "chapters", "chapters/2": "chapters", "chapters/3": "chapters"}


def test_a_long_back_matter_document_is_cut_before_its_sections_into_pieces():
    tree = book()
    before = tree.deepcopy().pformat()
    chunks = plan(tree, KINDS, {"back/key": "Answer key"}, has_index=False)
    key = [c for c in chunks if c.docnames == ["back/key"]]
    assert [c.label for c in key] == ["Answer key (1/3)", "Answer key (2/3)", "Answer key (3/3)"]
    assert [c.continued for c in key] == [False, True, True]
    assert all(c.stage == BODY for c in key)
    # The first piece has the title, the introduction and the first section; the others
    # a section each, and every word of the document is in exactly one piece.
    assert [c.docs[0].astext().split()[:3] for c in key] == [
        ["Answer", "key", "key"],
        ["Key", "2", "key-2"],
        ["Key", "3", "key-3"],
    ]
    assert [w for c in key for w in c.docs[0].astext().split()] == tree.children[3].astext().split()
    # The document's anchor is the first piece's; a later piece starts with its section's.
    assert "document-back/key" in key[0].ids and "key-target" in key[0].ids
    assert all("document-back/key" not in c.ids for c in key[1:])
    assert [c.leading_ids for c in key] == [["document-back/key"], ["key-2"], ["key-3"]]
    assert key[0].lent == {id(key[0].docs[0].children[-1]): id(tree.children[3].children[-1])}
    # The assembled tree is unchanged, and its nodes are still its own.
    assert tree.pformat() == before
    assert all(s.parent is tree.children[3].children[-1] for s in tree.children[3].children[-1].children)
    # A short document is not cut.
    assert [c.label for c in chunks if "back/short" in c.docnames] == ["back/short"]


def test_a_later_piece_goes_on_on_the_next_page_not_the_next_right_hand_one():
    chunks = plan(book(), KINDS, {}, has_index=False)
    key = [c for c in chunks if c.docnames == ["back/key"]]
    numbers = PageNumbers()
    for chunk in chunks:
        if chunk.stage == BODY:
            numbers.place(chunk, 3, {})
    assert [numbers.blank_before[c.name] for c in key] == [True, False, False]
    assert [numbers.start[c.name] for c in key] == [13, 16, 19]
