"""The page map: blocks named the same way by both builders, every page given a place."""

from docutils import nodes
from sphinx import addnodes

from studyguide.pdf.chunks import BODY, Chunk, PageNumbers
from studyguide.pdf.pagemap import block_keys, breaks_by_block


def test_blocks_are_numbered_within_their_own_document():
    inner = addnodes.start_of_file(docname="b")
    inner += nodes.paragraph(text="b0")
    section = nodes.section()
    section += [nodes.title(text="A"), nodes.paragraph(text="a1"), inner, nodes.paragraph(text="a2")]
    tree = nodes.document(None, None)
    tree += section
    keys = block_keys(tree, "a")
    by_text = {node.astext(): keys[id(node)] for node in tree.findall(nodes.paragraph)}
    assert by_text == {"a1": "a:1", "b0": "b:0", "a2": "a:2"}
    assert keys[id(section)] == "a:0" and id(section[0]) not in keys  # a title is not a block


def test_a_page_without_a_block_of_its_own_is_marked_with_the_page_before():
    pages = [("i", None), ("ii", "x:0"), ("1", "a:0"), ("2", None), ("3", "a:9"), ("4", None)]
    assert breaks_by_block(pages) == {"x:0": ["i", "ii"], "a:0": ["1", "2"], "a:9": ["3", "4"]}


def test_the_page_map_lists_roman_then_arabic_pages_blanks_included():
    numbers = PageNumbers()
    numbers.front_starts = [None, "licence:0", None]
    numbers.place(Chunk("a", BODY, [], "a"), 3, {}, ["a:0", None, "a:7"])
    numbers.place(Chunk("b", BODY, [], "b"), 1, {}, ["b:0"])
    assert numbers.page_map() == [
        ("i", None),
        ("ii", "licence:0"),
        ("iii", None),
        ("1", "a:0"),
        ("2", None),
        ("3", "a:7"),
        ("4", None),
        ("5", "b:0"),
    ]
