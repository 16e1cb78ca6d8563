"""Figure numbers after an edit are those a fresh build gives, walked or kept
(``studyguide.numbering``), in a new process for each build as ``make`` runs them."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from sphinx.application import Sphinx
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx.util.docutils import docutils_namespace, patch_docutils

from studyguide.numbering import keep_numbers

FIGURE = """
```{{figure}} pic.png
:name: {name}

{name} caption.
```
"""


def write_book(src: Path, first: list[str], second: list[str]) -> None:
    src.mkdir(exist_ok=True)
    (src / "conf.py").write_text('extensions = ["myst_parser"]\nnumfig = True\n')
    (src / "pic.png").write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
        )
    )
    (src / "index.md").write_text("# Book\n\n```{toctree}\na\nb\n```\n")
    for name, figures in (("a", first), ("b", second)):
        text = f"# Part {name}\n\nSome words.\n" + "".join(FIGURE.format(name=f) for f in figures)
        page = src / f"{name}.md"
        if not page.is_file() or page.read_text() != text:
            page.write_text(text)
            later = time.time() + 2  # newer than its last reading, whatever the clock's grain
            os.utime(page, (later, later))


def numbers(src: Path, out: Path, kept: bool) -> dict[str, dict]:
    """Build as a new process would (a new application on the saved environment)."""
    with patch_docutils(src), docutils_namespace():
        app = Sphinx(
            src, src, out / "html", out / "doctrees", "html", status=io.StringIO(), warning=io.StringIO()
        )
        if kept:
            keep_numbers(app)
        app.build()
        return {doc: dict(n.get("figure", {})) for doc, n in app.env.toc_fignumbers.items()}


@pytest.mark.parametrize(
    "edit, walked",
    [
        ((["f1"], ["f2"]), False),  # words only: the numbers are kept, not walked
        ((["f1", "f3"], ["f2"]), True),  # a figure added before the other chapter's
        ((["f3", "f1"], ["f2"]), True),  # reordered
        (([], ["f2"]), True),  # removed
    ],
)
def test_numbers_after_an_edit_are_a_fresh_builds(tmp_path, monkeypatch, edit, walked):
    src = tmp_path / "src"
    write_book(src, ["f1"], ["f2"])
    numbers(src, tmp_path / "kept", kept=True)
    (src / "a.md").write_text((src / "a.md").read_text() + "\nMore words.\n")
    write_book(src, *edit)
    walks = []
    walk = TocTreeCollector.assign_figure_numbers
    monkeypatch.setattr(
        TocTreeCollector, "assign_figure_numbers", lambda self, env: walks.append(1) or walk(self, env)
    )
    got = numbers(src, tmp_path / "kept", kept=True)
    assert bool(walks) == walked
    fresh = numbers(src, tmp_path / "fresh", kept=False)
    assert got == fresh
    assert got["b"] == {"f2": (len(edit[0]) + 1,)}


def test_a_build_that_reads_nothing_keeps_every_number(tmp_path):
    src = tmp_path / "src"
    write_book(src, ["f1"], ["f2"])
    first = numbers(src, tmp_path / "out", kept=True)
    assert numbers(src, tmp_path / "out", kept=True) == first == {"a": {"f1": (1,)}, "b": {"f2": (2,)}}
