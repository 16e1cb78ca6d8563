"""Give a doctree's memory back as soon as nothing needs it any more.

A doctree is a web of reference cycles: every node points at its parent, and the
document at its reporter and transformer, which point back at it. So dropping the last
reference to one frees nothing; only Python's full garbage collection does, and that
runs when the objects made since the last one outnumber a quarter of those that survived
it. A writer that has loaded Sphinx, its extensions and the environment holds millions of
survivors, so the pages it had written piled up as garbage until the build ended: on the
20x book the HTML writer grew from 230 to 440 MB while it wrote, and each writer's answer
key (a copy of every chapter's solutions, from every chapter's doctree) left all those
doctrees behind as well (measured with ``tracemalloc`` and ``make bench``).

Breaking the cycles frees a tree at once, by reference counting. This module does that
for the doctrees the project loads only to read from (``release``), and for every page
that Sphinx's HTML writer, and so the EPUB's, has just written. And it keeps Sphinx from
holding every parsed doctree through the reading (``drop_parsed``).

The memory freed is reused by what the process does next rather than given back to the
system, so what counts is how much is held at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.builders.html import StandaloneHTMLBuilder

if TYPE_CHECKING:
    from sphinx.application import Sphinx


KEPT = {"attributes", "settings", "reporter", "transformer", "current_source", "current_line"}


def release(tree: nodes.Node) -> None:
    """Unlink ``tree``'s nodes from their parents, and a document from its children and
    its tables of nodes (ids, names, footnotes, ...), so that the nodes are freed when
    their last reference goes.

    Only for a tree nothing will read again: its nodes can still be read downwards, but
    no longer know their parents. The document object itself stays whole otherwise,
    since deep copies of its nodes still name it as theirs (Sphinx's ``deepcopy`` reads
    its current source and line).
    """
    for node in list(tree.findall()):
        node.parent = None
    if isinstance(tree, nodes.document):
        for name, value in list(vars(tree).items()):
            if name not in KEPT and isinstance(value, (dict, list, nodes.Node)):
                setattr(tree, name, None if isinstance(value, nodes.Node) else type(value)())


def release_written_pages(app: Sphinx) -> None:
    """Sphinx's HTML writer drops each page's doctree once it has written the page, and
    keeps nothing of it but text (the search index's words, the page's HTML): the
    doctree can go at once. Other builders' ``write_doc`` may keep nodes for later, so
    are left as they are."""
    builder = app.builder
    if not isinstance(builder, StandaloneHTMLBuilder):
        return
    write_doc = builder.write_doc

    def write_and_release(docname: str, doctree: nodes.document) -> None:
        try:
            write_doc(docname, doctree)
        finally:
            release(doctree)

    builder.write_doc = write_and_release


def drop_parsed(app: Sphinx, _doctree: nodes.document) -> None:
    """Keep at most one parsed doctree in memory while reading.

    Sphinx keeps every doctree it reads (``env._write_doc_doctree_cache``) until it
    writes its page, to spare unpickling it again: on a cold build, the whole parsed book
    (on the 20x book, about 90 MB of the parse's process at the end of the read).
    Unpickling a page's doctree again when it is written costs a few milliseconds.
    Called as each document is read, before its own doctree is kept."""
    cache = getattr(app.env, "_write_doc_doctree_cache", None)
    while cache:
        release(cache.popitem()[1])


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", release_written_pages)
    app.connect("doctree-read", drop_parsed)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
