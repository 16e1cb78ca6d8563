"""Draw the figures when the build starts, but only those whose data or code changed.

Each SVG gets a stamp holding a hash of its inputs (its data files and the figure code);
an unchanged stamp means no matplotlib import at all, which keeps a no-change build fast.
The SVGs land in ``book/_figures/`` (ignored by git), where chapters refer to them as
``/_figures/<name>.svg``.

The build's parse starts the drawing in a process of its own (``early.py``) before it
imports Sphinx: importing matplotlib and drawing take over a second of a cold build, and
importing Sphinx and the extensions half a second, on another core. Sphinx reads the
documents that show no figure first, waits for that process before the first document
that shows one (Sphinx's image collector looks for the file) or at the end of reading,
and reports its error as its own. Without it (``sphinx-build``, the preview) the figures
are drawn at ``builder-inited``.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from sphinx.errors import ExtensionError
from sphinx.util import logging

from studyguide.figures import FIGURES, early, figures_folder, print_variant

if TYPE_CHECKING:  # (the drawing process started early imports no more of Sphinx than it needs)
    from sphinx.application import Sphinx

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


def wait_for_early(app: Sphinx) -> None:
    """The figures ``early.draw_early`` started: those it drew, or the error it met, as if drawn here."""
    proc = early.started.pop(Path(app.srcdir).resolve(), None)
    if proc is None:
        return
    said = proc.communicate()[0].splitlines()
    for line in said:
        if line.startswith("drew "):
            logger.info("drawing figure %s", line.removeprefix("drew "))
    if proc.returncode != 0:
        problem = next((line.removeprefix("error ") for line in said if line.startswith("error ")), None)
        raise ExtensionError(problem or f"the figures could not be drawn (exit code {proc.returncode})")


def stale_figures(app: Sphinx, for_print: bool = True) -> list[tuple[str, str, str]]:
    """The figures to draw, as ``(stem, module, digest of the inputs)``: those whose data or
    code changed since they were drawn, or whose files are missing."""
    stale: list[tuple[str, str, str]] = []
    data_dir = Path(app.srcdir) / app.config.studyguide_figures_data
    out_dir = figures_folder(app.srcdir)
    if not data_dir.is_dir():
        return stale  # a book without figures (the small test books)
    for stem, (module, data) in INPUTS.items():
        inputs = [data_dir / name for name in data]
        inputs += [CODE_DIR / f"{module}.py", CODE_DIR / "svg.py"]
        missing = [str(p) for p in inputs if not p.is_file()]
        if missing:
            raise ExtensionError(f"figure {stem}: missing input {', '.join(missing)}")
        target, stamp = out_dir / f"{stem}.svg", out_dir / f"{stem}.svg.sha256"
        digest = _digest(inputs)
        if not (
            target.is_file()
            and (print_variant(target).is_file() or not for_print)
            and stamp.is_file()
            and stamp.read_text() == digest
        ):
            stale.append((stem, module, digest))
    return stale


def draw_figures(app: Sphinx, for_print: bool = True, dated: int | None = None) -> list[str]:
    """Draw what is out of date; the figures drawn.

    ``for_print=False``: the screen files only (the web preview, a tenth of a second sooner
    after a figure-data edit); a print file left from older data is removed, so a later
    print build draws it again. ``dated``: the time (ns) the files are given, that of the
    data they were drawn from, when that was read before pages that show them (see
    ``figures.forked``)."""
    drawn: list[str] = []
    data_dir = Path(app.srcdir) / app.config.studyguide_figures_data
    out_dir = figures_folder(app.srcdir)
    stale = stale_figures(app, for_print)
    if stale:
        out_dir.mkdir(exist_ok=True)
    for stem, module, digest in stale:
        target, stamp = out_dir / f"{stem}.svg", out_dir / f"{stem}.svg.sha256"
        logger.info("drawing figure %s", stem)
        render = importlib.import_module(f"studyguide.figures.{module}").render
        from studyguide.figures.svg import drawing  # loads matplotlib: only when drawing

        tmp = target.with_suffix(".svg.tmp")
        try:
            with drawing(for_print):
                render(data_dir, tmp)
        except Exception as err:
            raise ExtensionError(f"{_located(err, data_dir)}figure {stem} could not be drawn") from err
        written = [target]
        tmp.replace(target)
        if for_print:
            print_variant(tmp).replace(print_variant(target))
            written.append(print_variant(target))
        else:
            print_variant(target).unlink(missing_ok=True)
        if dated is not None:
            for path in written:
                os.utime(path, ns=(dated, dated))
        stamp.write_text(digest)
        drawn.append(stem)
    return drawn


def _located(err: Exception, data_dir: Path) -> str:
    """Where in its data file a figure failed, as ``file:line: problem: `` when the file
    could not be parsed; else the problem alone and the data folder."""
    import json

    import yaml

    mark = getattr(err, "problem_mark", None)
    if isinstance(err, yaml.MarkedYAMLError) and mark is not None:
        return f"{mark.name}:{mark.line + 1}: {err.problem}: "
    if isinstance(err, json.JSONDecodeError):  # (the map's basemap.json is the one JSON file)
        return f"{data_dir / 'basemap.json'}:{err.lineno}: {err.msg}: "
    first = str(err).strip().splitlines()
    return f"{data_dir}: {first[0] if first else type(err).__name__}: "


def draw_at_start(app: Sphinx) -> None:
    """Draw at ``builder-inited``, unless the drawing started early (then see below)."""
    if not _drawing_early(app):
        draw_figures(app)


def read_figures_last(app: Sphinx, env, docnames: list[str]) -> None:
    """While the figures are drawn early, read first the documents that show none (their
    source does not name the figures' folder), so the reading waits for the drawing as
    late as it can: on two cores the drawing shares the first second with Sphinx's start
    and the PDF's workers, and finished a second after Sphinx was ready to read."""
    if not _drawing_early(app):
        return

    def shows_figure(docname: str) -> bool:
        try:
            return f"{FIGURES}/" in env.doc2path(docname).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False

    docnames.sort(key=shows_figure)  # (stable: the order is otherwise Sphinx's)


def outdated_by_figures(app: Sphinx, env, _added, _changed, _removed) -> list[str]:
    """The documents that show a figure the early drawing is redrawing: Sphinx looks at
    their images' dates before the new files are there, and would not read them again,
    nor copy the new picture, until the next build."""
    if not _drawing_early(app):
        return []
    try:
        redrawn = {figures_folder(app.srcdir) / f"{stem}.svg" for stem, _m, _d in stale_figures(app)}
    except ExtensionError:  # (the drawing reports it)
        return []
    return sorted(doc for doc, deps in env.dependencies.items() if redrawn & {Path(d) for d in deps})


def wait_before_images(app: Sphinx, doctree) -> None:
    """Before Sphinx looks for a document's images: the early drawing, if the document
    shows a drawn figure (whatever its source looked like: an included file, say)."""
    from docutils import nodes

    if _drawing_early(app) and any(
        f"{FIGURES}/" in image.get("uri", "") for image in doctree.findall(nodes.image)
    ):
        _finish_early(app)


def wait_after_reading(app: Sphinx, _env) -> list[str]:
    """Whatever was read, the drawing is done before anything is written (and its
    error, if any, ends the build); no page is to be written for it."""
    if _drawing_early(app):
        _finish_early(app)
    return []


def _drawing_early(app: Sphinx) -> bool:
    """Whether this book's figures are being drawn by the process ``early`` started."""
    return Path(app.srcdir).resolve() in early.started


def _finish_early(app: Sphinx) -> None:
    wait_for_early(app)
    draw_figures(app)  # (what changed since the early drawing began, if anything)


def main(srcdir: str, confdir: str) -> int:
    """``python -m studyguide.figures.sphinx SRCDIR CONFDIR``: what ``early.draw_early`` runs."""
    import time

    started = time.time_ns()
    from sphinx.config import Config
    from sphinx.util.tags import Tags

    from studyguide.settings import FIGURES_DATA

    data = Config.read(confdir, overrides={}, tags=Tags())._raw_config.get(
        "studyguide_figures_data", FIGURES_DATA
    )
    app = SimpleNamespace(srcdir=srcdir, config=SimpleNamespace(studyguide_figures_data=data))
    try:
        # (Dated now, before the parse reads a page that shows them: see outdated_by_figures.)
        for stem in draw_figures(app, dated=started):
            print(f"drew {stem}", flush=True)
    except ExtensionError as err:
        print(f"error {err.message}", flush=True)
        return 1
    return 0


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.connect("builder-inited", draw_at_start)
    app.connect("env-get-outdated", outdated_by_figures)
    app.connect("env-before-read-docs", read_figures_last, priority=900)  # (the others' lists first)
    app.connect("doctree-read", wait_before_images, priority=100)  # before Sphinx's image collector
    app.connect("env-updated", wait_after_reading, priority=100)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
