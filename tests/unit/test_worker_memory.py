"""A PDF worker hands each finished layout's memory back before the next one.

A layout's boxes refer to one another in cycles, so only the collector frees them, and a
worker laying out chunk after chunk grew by the size of every layout until the collector's
rare full pass. These run with the collector off, so that nothing but the worker's own
collection frees a cycle.
"""

from __future__ import annotations

import gc

import pytest

from studyguide.pdf import pool, render

PAGE = "<!DOCTYPE html><html lang='en'><head><title>t</title></head><body>{}</body></html>"


@pytest.fixture
def chunk(tmp_path):
    html = tmp_path / "chunk-01.html"
    paragraphs = "".join(f"<h2>Part {i}</h2><p>{'Some words of the book. ' * 40}</p>" for i in range(30))
    html.write_text(PAGE.format(paragraphs), encoding="utf-8")
    return html


@pytest.fixture
def collector_off():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def test_a_layout_leaves_garbage_in_cycles(chunk, tmp_path, collector_off):
    """The control: without the worker's collection, the layout's boxes are still there."""
    result = render.render_chunk(str(chunk), str(tmp_path / "chunk-01.pdf"), str(tmp_path))
    assert result["pages"] > 1, result
    assert gc.collect() > 1000


def test_the_worker_collects_each_layout(chunk, tmp_path, collector_off):
    result = pool._render(str(chunk), str(tmp_path / "chunk-01.pdf"), str(tmp_path))
    assert result["pages"] > 1, result
    assert gc.collect() < 50  # (what the test itself has made since)


def test_the_heap_is_trimmed():
    """The freed pages go back to the system, not only to the process's heap (glibc's
    ``malloc_trim``, which Debian has)."""
    assert pool._malloc_trim is not None
