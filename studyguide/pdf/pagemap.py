"""Which block of the book each printed page starts with: the page map the EPUB's page
list is made from.

A block is named by its document and its place among that document's blocks in the
doctree (``chapters/2-defences:41``), not by an HTML id: the PDF renames ids and most
paragraphs have none, while both builders walk the same parsed doctree. The PDF's
translator writes the name on each block's tag (``data-pm``), the renderer reports the
first block that starts on each page, and the EPUB's translator puts a page-break marker
at the start of that block.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx import addnodes

PAGE_MAP = "pagemap.json"
# The PDF builder emits this once the map is on disk, before the pages are joined: the
# EPUB, written beside it, may start (studyguide.run_sphinx tells it).
WRITTEN = "studyguide-page-map-written"
ATTRIBUTE = "data-pm"
# Blocks a page-break marker may open (a <span> is allowed as their first child).
BLOCKS = (
    nodes.section,
    nodes.paragraph,
    nodes.list_item,
    nodes.term,
    nodes.definition,
    nodes.figure,
    nodes.entry,
    nodes.Admonition,
    nodes.block_quote,
    nodes.footnote,
    nodes.rubric,
    nodes.caption,
)


def block_keys(tree: nodes.Node, docname: str) -> dict[int, str]:
    """``id(node) -> "docname:n"`` for every block, numbered within its own document
    (an included document, a ``start_of_file``, numbers its blocks afresh)."""
    keys: dict[int, str] = {}
    counts: dict[str, int] = {}

    def walk(node: nodes.Node, doc: str) -> None:
        if isinstance(node, addnodes.start_of_file):
            doc = node["docname"]
        elif isinstance(node, BLOCKS):
            keys[id(node)] = f"{doc}:{counts.get(doc, 0)}"
            counts[doc] = counts.get(doc, 0) + 1
        for child in node.children if isinstance(node, nodes.Element) else ():
            walk(child, doc)

    walk(tree, docname)
    return keys


def shown_on(document) -> list[list[object]]:
    """For each page, the elements that show something on it (text or an image), in
    reading order. An element whose box only opens at the foot of a page (a section whose
    heading was pushed to the next page) is not shown there."""
    from weasyprint.formatting_structure import boxes

    pages = []
    for page in document.pages:
        shown: list[object] = []

        def walk(box, shown=shown) -> bool:
            shows = isinstance(box, boxes.ReplacedBox) or (
                isinstance(box, boxes.TextBox) and bool(box.text.strip())
            )
            mark = len(shown)
            for child in getattr(box, "children", ()):
                shows = walk(child, shown) or shows
            element = getattr(box, "element", None)
            if shows and element is not None and element not in shown:
                shown.insert(mark, element)  # before its children: reading order
            return shows

        walk(page._page_box)
        pages.append(shown)
    return pages


def page_starts(shown: list[list[object]]) -> list[str | None]:
    """For each page, the first block that starts on it (None when the page only
    continues blocks begun earlier)."""
    seen: set[str] = set()
    starts: list[str | None] = []
    for elements in shown:
        first = None
        for element in elements:
            key = element.get(ATTRIBUTE)
            if key and key not in seen:
                seen.add(key)
                first = first or key
        starts.append(first)
    return starts


def write(path: Path, pages: list[tuple[str, str | None]], **facts) -> None:
    """Whole or not at all: the EPUB may be waiting to read it."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({**facts, "pages": pages}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def read(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def breaks_by_block(pages: list[tuple[str, str | None]]) -> dict[str, list[str]]:
    """Block -> the page labels whose markers open it, in page order.

    A page on which no block starts (a blank page, or one that only continues a long
    block) is marked where the page before it is; pages before the first block where
    the first block is.
    """
    found: dict[str, list[str]] = {}
    waiting: list[str] = []
    last: str | None = None
    for label, key in pages:
        if key is None:
            (found[last] if last else waiting).append(label)
            continue
        found.setdefault(key, []).extend([*waiting, label])
        waiting, last = [], key
    return found
