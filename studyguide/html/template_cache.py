"""Keep compiled page templates between builds.

Sphinx compiles every Jinja template of the theme (sphinx-book-theme renders dozens per
page) in each run; after a one-chapter edit that is a third of ``make html``. Jinja's own
bytecode cache stores the compiled code on disk, keyed by template and checked against
the template's source, so an edited template is still compiled afresh.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from sphinx.application import Sphinx


def use_bytecode_cache(app: Sphinx) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is None:
        return  # a builder without HTML templates
    folder = Path(app.doctreedir).parent / "templates-compiled"
    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", use_bytecode_cache)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
