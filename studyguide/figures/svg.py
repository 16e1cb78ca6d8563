"""Shared set-up for the guide's figures.

The figures are rebuilt with the book, so the same data must give the same bytes:
otherwise every build would look like a change and a reproducible release would be
impossible.  This module holds everything that makes that so (backend, fonts, hash
salt, metadata) and the few style choices the three figures must share.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import matplotlib.style

matplotlib.use("Agg")  # no display, and the same renderer on every machine

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from studyguide.figures import print_variant  # noqa: E402
from studyguide.yamlread import safe_load  # noqa: E402

FONTS = Path(__file__).parent.parent / "fonts"
CM = 1 / 2.54

# Okabe-Ito colours: told apart with every common colour-vision deficiency.
BLUE, VERMILION, ORANGE, SKY = "#0072B2", "#D55E00", "#E69F00", "#56B4E9"
INK, GREY = "#1A1A1A", "#595959"

# Applied over matplotlib's defaults for each drawing only (``drawing()``), never to the
# process: another extension, or another Sphinx application in the same process, keeps
# its own settings, and none of theirs reaches these figures.
STYLE = {
    "font.family": "Noto Sans",
    "font.size": 8.5,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": GREY,
    "xtick.color": INK,
    "ytick.color": INK,
    "svg.fonttype": "path",  # readers need not have Noto installed
    "svg.hashsalt": "studyguide",  # stable clip-path and glyph ids
    "path.simplify": False,
}


def _add_fonts() -> None:
    """The vendored Noto files, not whatever sans the machine has: same glyphs everywhere.
    matplotlib's font list is one per process; adding the same files again would only
    lengthen it, so a file already listed is skipped."""
    listed = {entry.fname for entry in font_manager.fontManager.ttflist}
    for name in ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"):
        if str(FONTS / name) not in listed:
            font_manager.fontManager.addfont(str(FONTS / name))


_for_print = [True]  # whether save() writes the print variant too (see drawing)


@contextmanager
def drawing(for_print: bool = True) -> Iterator[None]:
    """Draw and save figures inside this: matplotlib's defaults plus ``STYLE``, restored after.
    ``for_print=False`` (the web preview without its print pages) saves the screen file only."""
    _add_fonts()
    _for_print[0] = for_print
    try:
        with matplotlib.style.context(STYLE, after_reset=True):
            yield
    finally:
        _for_print[0] = True


def figure(width_cm: float, height_cm: float) -> Figure:
    """A figure without pyplot, so no global figure state leaks between renders."""
    return Figure(figsize=(width_cm * CM, height_cm * CM))


def load(path: Path):
    with open(path, encoding="utf-8") as f:
        return safe_load(f)


def save(fig: Figure, out: Path) -> None:
    """Write SVG without the date and creator stamps that would change every run.

    Two files: for screens, text as glyph outlines (a reader's browser need not have Noto);
    for the PDF, real text that WeasyPrint sets in the book's embedded Noto Sans, which
    makes figure labels searchable and draws about five times faster than outlines.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Date": None, "Creator": None}
    fig.savefig(out, format="svg", metadata=metadata)
    if not _for_print[0]:
        return
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(print_variant(out), format="svg", metadata=metadata)
