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
