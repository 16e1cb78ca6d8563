"""The link map of the print book, on a tiny assembled tree: two chapters that both have a
section ``summary`` and a footnote ``id1``, as Sphinx's single-page assembly leaves them."""

from __future__ import annotations

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx import addnodes

from studyguide.pdf.links import LinkMap, doc_anchor, internal_target, scoped, slug


def chapter(docname: str, *children: nodes.Node) -> addnodes.start_of_file:
    section = nodes.section("", nodes.title("", docname), *children, ids=["summary"])
    return addnodes.start_of_file("", section, docname=docname)


def ref(text: str, **attributes) -> nodes.reference:
    return nodes.reference("", text, **attributes)


def book() -> nodes.document:
    document = new_document("book", get_default_settings(Parser))
    one = chapter(
        "chapters/1-one",
        nodes.paragraph(
            "",
            "",
            ref("see two", refuri="#document-chapters/2-two#summary"),
            ref("this summary", refuri="#summary"),
            ref("note", refid="id1", ids=["ref-1"]),
            ref("chapter two", refuri="#document-chapters/2-two"),
            ref("the web", refuri="https://example.org/#summary"),
        ),
        nodes.footnote("", nodes.paragraph("", "A note."), ids=["id1"], backrefs=["ref-1"]),
    )
    two = chapter(
        "chapters/2-two",
        nodes.paragraph("", "", ref("note", refid="id1"), ref("nowhere", refuri="#no-such-id")),
        nodes.footnote("", nodes.paragraph("", "Another note."), ids=["id1"]),
    )
    document += [one, two]
    return document


def all_ids(tree: nodes.Node) -> list[str]:
    return [i for node in tree.findall(nodes.Element) for i in node["ids"]]


def refs(tree: nodes.Node) -> dict[str, nodes.reference]:
    return {r.astext(): r for r in tree.findall(nodes.reference)}


def test_names_are_scoped_by_document():
    assert slug("chapters/1-one") == "chapters-1-one"
    assert scoped("chapters/1-one", "summary") == "chapters-1-one--summary"
    assert doc_anchor("chapters/1-one") == "document-chapters/1-one"


def test_every_id_is_unique_after_renaming():
    tree = book()
    assert len(all_ids(tree)) != len(set(all_ids(tree)))  # the assembly repeats them
    links = LinkMap(tree, "index")
    ids = all_ids(tree)
    assert len(ids) == len(set(ids))
    assert set(ids) == {
        "chapters-1-one--summary",
        "chapters-1-one--id1",
        "chapters-1-one--ref-1",
        "chapters-2-two--summary",
        "chapters-2-two--id1",
    }
    assert links.ids == set(ids) | {
        doc_anchor("chapters/1-one"),
        doc_anchor("chapters/2-two"),
        doc_anchor("index"),
    }


def test_links_follow_their_targets():
    tree = book()
    LinkMap(tree, "index")
    found = refs(tree)
    assert found["see two"]["refuri"] == "#chapters-2-two--summary"  # sphinx#14221's form
    assert found["this summary"]["refuri"] == "#chapters-1-one--summary"
    assert found["chapter two"]["refuri"] == "#document-chapters/2-two"
    assert found["the web"]["refuri"] == "https://example.org/#summary"  # leaves the book
    notes = [r for r in tree.findall(nodes.reference) if r.astext() == "note"]
    assert [r["refid"] for r in notes] == ["chapters-1-one--id1", "chapters-2-two--id1"]
    footnote = next(tree.findall(nodes.footnote))
    assert footnote["backrefs"] == ["chapters-1-one--ref-1"] == notes[0]["ids"]


def test_uri_rewrites_links_made_outside_the_doctree():
    links = LinkMap(book(), "index")
    assert links.uri("#document-chapters/2-two#summary") == "#chapters-2-two--summary"
    assert links.uri("#document-chapters/2-two") == "#document-chapters/2-two"
    assert links.uri("#summary", "chapters/1-one") == "#chapters-1-one--summary"
    assert links.uri("#summary") == "#summary"  # no document: nothing to scope it by
    assert links.uri("https://example.org/") == "https://example.org/"


def test_a_link_to_nothing_is_dangling_and_nothing_else_is():
    tree = book()
    links = LinkMap(tree, "index")
    dangling = links.dangling(tree)
    assert [(node.astext(), target) for node, target in dangling] == [
        ("nowhere", "chapters-2-two--no-such-id")
    ]


def test_internal_target_reads_refuri_or_refid():
    assert internal_target(ref("a", refuri="#x")) == "x"
    assert internal_target(ref("a", refid="y")) == "y"
    assert internal_target(ref("a", refuri="https://example.org/#x", refid="y")) == ""
    assert internal_target(ref("a")) == ""
