"""The sample book (tests/roots/sample) built in this process, as the driver runs Sphinx.

The real conf.py is the configuration, as for the book; the build runs inside docutils'
namespace, as ``sphinx-build`` does, so nodes and directives do not leak between builds.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_sample(tmp: Path, builder: str, edition: str = "student") -> Path:
    """Build the sample book with ``builder`` for ``edition``; returns the output folder."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    source = tmp / "src"
    if not source.exists():  # the chapter reads tests/unit/data/all-types.yaml by a relative path
        shutil.copytree(ROOT / "tests" / "roots" / "sample", source / "roots" / "sample")
        shutil.copytree(ROOT / "tests" / "unit" / "data", source / "unit" / "data")
    out = tmp / f"{builder}-{edition}"
    warnings = io.StringIO()
    with patch_docutils(ROOT), docutils_namespace():
        app = Sphinx(
            str(source / "roots" / "sample" / "book"),
            str(ROOT),
            str(out),
            str(tmp / "doctrees"),
            builder,
            confoverrides={
                "studyguide_edition": edition,
                "studyguide_repository": str(source),
            },  # the copy's root
            status=None,
            warning=warnings,
        )
        app.build()
    assert app.statuscode == 0 and "WARNING" not in warnings.getvalue(), warnings.getvalue()
    return out
