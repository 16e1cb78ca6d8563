"""The guide's three figures, drawn from the data in book/figures/ at build time.

Figures are made from data files rather than checked in as images so that a corrected
date or place shows up in the figure, the table and the text alike. ``sphinx.py`` lists
each figure's module and data files and redraws only what changed; this package imports
nothing itself, so a build with nothing to redraw never loads matplotlib.
"""

from pathlib import Path

FIGURES = "_figures"  # where the drawn files go, in the source folder (ignored by git)


def figures_folder(srcdir) -> Path:
    """The drawn figures' folder: chapters show them as ``/_figures/<name>.svg``. They are
    made from the data and the code, so the build's freshness digest leaves them out."""
    return Path(srcdir) / FIGURES


def print_variant(path: Path) -> Path:
    """Each figure also has a variant for the PDF: ``timeline.svg`` -> ``timeline.print.svg``
    (for temporary ``.svg.tmp`` names too). See ``svg.save``."""
    return path.with_name(path.name.replace(".svg", ".print.svg", 1))
