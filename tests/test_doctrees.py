"""Doctrees are freed as soon as nothing needs them (``studyguide.doctrees``), not when
Python's full garbage collection gets round to their reference cycles.

Each test runs with the collector off, so that only reference counting can free a tree:
what is freed is what was released. The first test shows that without the release the
same tree outlives its last reference.
"""

from __future__ import annotations

import gc
import weakref
from contextlib import contextmanager

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx import addnodes

from studyguide.doctrees import release

placement = pytest.mark.sphinx(testroot="placement", copy_test_root=True, freshenv=True)


@contextmanager
def no_collector():
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def a_document() -> nodes.document:
    document = new_document("<test>", get_default_settings(Parser))
    section = nodes.section(ids=["s"])
    section += nodes.title("", "Title")
    section += nodes.paragraph("", "", nodes.emphasis("", "deep"), ids=["p"])
    document += section
    document.note_implicit_target(section)
    return document


def test_a_released_doctree_is_freed_by_reference_counting():
    with no_collector():
        kept = a_document()
        deep = weakref.ref(next(kept.findall(nodes.emphasis)))
        del kept
        assert deep() is not None  # a cycle: only the collector would free it

        freed = a_document()
        deep = weakref.ref(next(freed.findall(nodes.emphasis)))
        section = weakref.ref(freed.children[0])
        release(freed)
        del freed
        assert deep() is None and section() is None


def test_a_copy_of_a_released_documents_node_still_copies():
    """Sphinx's deepcopy reads the source and line of a node's document: copies made
    before the release (the answer key's) go on naming it."""
    document = a_document()
    copy = next(document.findall(nodes.paragraph)).deepcopy()
    release(document)
    again = copy.deepcopy()
    assert again.astext() == "deep" and again["ids"] == ["p"]


@placement
@pytest.mark.sphinx("html")
def test_html_pages_and_the_parse_are_freed_as_they_are_done_with(app):
    written: list[tuple[str, weakref.ref]] = []
    cached: list[int] = []

    def page(_app, pagename, _template, _context, doctree) -> None:
        if doctree is not None:
            written.extend((pagename, weakref.ref(node)) for node in doctree.children)

    app.connect("html-page-context", page)
    app.connect(
        "doctree-read", lambda a, _d: cached.append(len(a.env._write_doc_doctree_cache)), priority=900
    )
    with no_collector():
        app.build()
        assert "WARNING" not in app.warning.getvalue(), app.warning.getvalue()
        alive = {name for name, ref in written if ref() is not None}
    # (MyST's renderer holds on to the last document it parsed until it parses another.)
    assert len({name for name, _ in written}) >= 3 and len(alive) <= 1, alive
    assert len(cached) >= 3 and max(cached) == 0  # each document is the only one held while read


@placement
@pytest.mark.sphinx("pdf")
def test_the_print_book_holds_each_document_once_and_frees_each_chapter_written(app):
    """The assembly deep-copies every doctree; the originals are released, not kept by
    their copies' nodes. Each chapter's part of the book is freed once it is written."""
    builder = app.builder
    seen: list[tuple[str, int, int]] = []  # chunk, chapters left in the book, nodes of originals
    write_chunk = builder.write_chunk

    def watch(chunk):
        book = builder.book.tree
        docs = list(book.findall(addnodes.start_of_file))
        originals = {id(d.children[0].document): d.children[0].document for d in docs if d.children}
        kept = sum(len(o.children) for o in originals.values() if o is not book)
        seen.append((chunk.name, len(docs), kept))
        return write_chunk(chunk)

    builder.write_chunk = watch
    app.build()
    assert "WARNING" not in app.warning.getvalue(), app.warning.getvalue()
    body = [s for s in seen if s[0] != "chunk-00-front"]
    assert len(body) >= 3
    assert all(kept == 0 for _, _, kept in seen)  # no second copy of any document
    left = [docs for _, docs, _ in body]
    assert left == sorted(left, reverse=True) and left[0] > left[-1]  # fewer as each is written
