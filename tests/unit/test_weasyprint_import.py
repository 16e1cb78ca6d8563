"""Importing WeasyPrint for a PDF worker asks no compiler or linker where its libraries are
(``studyguide.pdf.libraries``): each lookup was a few processes, in every worker's start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def imports(tmp_path: Path, statement: str) -> list[str]:
    """The tools ``ctypes.util.find_library`` runs from PATH while ``statement`` runs: here,
    stand-ins that note their names and fail, as gcc does for a library it cannot link."""
    tools, calls = tmp_path / "bin", tmp_path / "calls"
    tools.mkdir(exist_ok=True)
    calls.write_text("")
    for name in ("gcc", "cc", "ld"):
        tool = tools / name
        tool.write_text(f'#!/bin/sh\necho {name} >> "{calls}"\nexit 1\n')
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([sys.executable, "-c", statement], env=env, check=True, timeout=60)
    return calls.read_text().split()


def test_weasyprint_alone_runs_the_toolchain(tmp_path):
    """The control: WeasyPrint's own import looks up its libraries' other names."""
    assert len(imports(tmp_path, "import weasyprint")) > 10


def test_the_renderer_imports_it_by_soname(tmp_path):
    assert imports(tmp_path, "import studyguide.pdf.render; studyguide.pdf.render.warm_up()") == []
