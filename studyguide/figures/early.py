"""Start drawing the figures before Sphinx is imported (see ``sphinx.py``): this module
imports nothing heavy, so the build's parse can call it first thing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

started: dict[Path, subprocess.Popen] = {}  # source folder -> the process drawing its figures


def draw_early(srcdir: str, confdir: str) -> None:
    """Draw the figures of the book in ``srcdir`` in a process of its own, which dies with
    this one; ``sphinx.wait_for_early`` waits for it."""
    from studyguide.children import dying_with_me

    cmd = [sys.executable, "-m", "studyguide.figures.sphinx", srcdir, confdir]
    started[Path(srcdir).resolve()] = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, preexec_fn=dying_with_me()
    )
