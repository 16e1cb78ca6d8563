"""Draw the figures when the build starts, but only those whose data or code changed.

Each SVG gets a stamp holding a hash of its inputs (its data files and the figure code);
an unchanged stamp means no matplotlib import at all, which keeps a no-change build fast.
The SVGs land in ``book/_figures/`` (ignored by git), where chapters refer to them as
``/_figures/<name>.svg``.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from studyguide.figures import print_variant

logger = logging.getLogger(__name__)
CODE_DIR = Path(__file__).parent
# stem -> data files; kept here (not imported from the package) so checking is import-free.
INPUTS = {
    "locator-map": ("map", ["basemap.json", "places.yaml"]),
    "timeline": ("timeline", ["timeline.yaml"]),
    "losses": ("losses", ["losses.yaml"]),
}


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def draw_figures(app: Sphinx, for_print: bool = True) -> None:
    """``for_print=False``: the screen files only (the web preview, a tenth of a second sooner
    after a figure-data edit); a print file left from older data is removed, so a later
    print build draws it again."""
    data_dir = Path(app.srcdir) / app.config.studyguide_figures_data
    out_dir = Path(app.srcdir) / "_figures"
    if not data_dir.is_dir():
        return  # a book without figures (the small test books)
    out_dir.mkdir(exist_ok=True)
    for stem, (module, data) in INPUTS.items():
        inputs = [data_dir / name for name in data]
        inputs += [CODE_DIR / f"{module}.py", CODE_DIR / "svg.py"]
        missing = [str(p) for p in inputs if not p.is_file()]
        if missing:
            raise ExtensionError(f"figure {stem}: missing input {', '.join(missing)}")
        target, stamp = out_dir / f"{stem}.svg", out_dir / f"{stem}.svg.sha256"
        digest = _digest(inputs)
        if (
            target.is_file()
            and (print_variant(target).is_file() or not for_print)
            and stamp.is_file()
            and stamp.read_text() == digest
        ):
            continue
        logger.info("drawing figure %s", stem)
        render = importlib.import_module(f"studyguide.figures.{module}").render
        from studyguide.figures.svg import drawing  # loads matplotlib: only when drawing

        tmp = target.with_suffix(".svg.tmp")
        try:
            with drawing(for_print):
                render(data_dir, tmp)
        except Exception as err:
            raise ExtensionError(f"figure {stem} could not be drawn from {data_dir}: {err}") from err
        tmp.replace(target)
        if for_print:
            print_variant(tmp).replace(print_variant(target))
        else:
            print_variant(target).unlink(missing_ok=True)
        stamp.write_text(digest)


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.connect("builder-inited", draw_figures)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
