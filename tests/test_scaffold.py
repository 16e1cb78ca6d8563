"""`python -m studyguide new DIR` starts a guide that builds with `make` and passes its own
smoke test, and never writes over an existing folder's files."""

from __future__ import annotations

import ast
import os
import runpy
import subprocess
import sys
from pathlib import Path

from conftest import EPOCH

FILES = [
    "conf.py",
    "Makefile",
    "README.md",
    ".gitignore",
    "book/index.md",
    "book/chapters/1-first-chapter.md",
    "exercises/1-first-chapter.yaml",
    "tests/test_smoke.py",
]


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("EDITION", "PAPER")}
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, env={**env, "SOURCE_DATE_EPOCH": EPOCH}
    )


def new(target: Path, *options: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "studyguide", "new", str(target), *options], target.parent)


def test_new_guide_builds_with_make_and_passes_its_smoke_test(tmp_path):
    guide = tmp_path / "rivers-and-lakes"
    made = new(guide, "--title", "Rivers and Lakes", "--author", "A. Teacher")
    assert made.returncode == 0, made.stderr
    missing = [name for name in FILES if not (guide / name).is_file()]
    assert not missing, f"the new guide lacks {missing}"

    conf = guide / "conf.py"
    statements = ast.parse(conf.read_text(encoding="utf-8")).body
    assert all(isinstance(s, (ast.Assign, ast.Expr)) for s in statements), "conf.py must set values only"
    values = runpy.run_path(str(conf))
    assert values["project"] == "Rivers and Lakes" and values["author"] == "A. Teacher"
    basename = values["studyguide_basename"]
    assert basename == "rivers-and-lakes"
    assert sorted(p.relative_to(guide).as_posix() for p in guide.rglob("*.py")) == [
        "conf.py",
        "tests/test_smoke.py",
    ], "book/ and exercises/ hold no Python"

    built = run(["make", f"PYTHON={sys.executable}"], guide)
    assert built.returncode == 0, built.stdout + built.stderr
    out = guide / "_build"
    assert "Rivers and Lakes" in (out / "html" / "index.html").read_text(encoding="utf-8")
    assert (out / "epub" / f"{basename}.epub").is_file()
    assert (out / "pdf" / f"{basename}.pdf").read_bytes().startswith(b"%PDF-")

    tested = run(["make", "test", f"PYTHON={sys.executable}"], guide)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "1 passed" in tested.stdout

    # The smoke test is a real check: a chapter whose exercise file is gone fails it.
    (guide / "exercises" / "1-first-chapter.yaml").unlink()
    broken = run(["make", "test", f"PYTHON={sys.executable}"], guide)
    assert broken.returncode != 0
    assert "1 failed" in broken.stdout and "1-first-chapter" in broken.stdout


def test_new_refuses_a_folder_that_is_not_empty(tmp_path):
    guide = tmp_path / "guide"
    guide.mkdir()
    (guide / "notes.txt").write_text("mine")
    made = new(guide)
    assert made.returncode == 1
    assert str(guide) in made.stderr and "not an empty folder" in made.stderr
    assert [p.name for p in guide.iterdir()] == ["notes.txt"]
    assert (guide / "notes.txt").read_text() == "mine"

    empty = tmp_path / "empty"
    empty.mkdir()
    assert new(empty).returncode == 0
    assert runpy.run_path(str(empty / "conf.py"))["project"] == "Empty"


def test_new_refuses_a_title_that_would_break_conf_py(tmp_path):
    made = new(tmp_path / "guide", "--title", 'Say "hi"')
    assert made.returncode == 1 and "title" in made.stderr
    assert not (tmp_path / "guide").exists()


def test_studyguide_without_a_command_prints_its_usage(tmp_path):
    proc = run([sys.executable, "-m", "studyguide"], tmp_path)
    assert proc.returncode == 2 and "new DIR" in proc.stderr
