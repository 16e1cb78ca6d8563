"""The package's own bytecode, when Python was told not to write any.

``PYTHONDONTWRITEBYTECODE=1``, common in containers and CI images, makes Python compile
every module from source each time it is imported and keep nothing. pip compiles the
installed packages at install time, so only this package, installed in place from the
checkout, was left: each build process (the parse, the figures, each format's writer)
compiled its hundred modules anew, a second of a cold ``make pdf``. The driver and the
preview compile what is missing or stale into the package's ``__pycache__`` (ignored by
git) before they start anything, as Python would have had it been allowed to.
"""

from __future__ import annotations

import compileall
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def compile_package() -> None:
    """Compile the package's stale modules, if Python itself does not (a few milliseconds
    when none is); a read-only checkout is simply left as it is."""
    if not sys.dont_write_bytecode:
        return
    try:
        compileall.compile_dir(PACKAGE, quiet=2, workers=1)
    except OSError:
        pass
