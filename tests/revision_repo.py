"""A temporary git repository cloned from the project, with two editions of a small book.

The clone gets the working tree's files on top (so uncommitted code is what is tested),
then: tag ``edition-1.0``; change the text of one section (``sec-start``) and one exercise
(``one-compare``), set ``release`` to 1.1; tag ``edition-1.1``. Builds run the project's
driver on the clone's book (tests/roots/revisions), as ``make`` would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = Path("tests/roots/revisions/book")
EXERCISES = Path("tests/roots/revisions/exercises/ch1.yaml")
OLD_SENTENCE = "A {term}`Front` is described"
NEW_SENTENCE = "A {term}`Front`, a group of armies, is described"
OLD_PROMPT = "Which build leaves the outputs alone?"
NEW_PROMPT = "Which build leaves the published outputs alone?"
EPOCH = "1764028800"


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
    }
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def set_release(conf: Path, version: str) -> None:
    """The edition number the test's history is about, whatever the book's own is now."""
    text, count = re.subn(
        r'^version = release = "[^"]*"',
        f'version = release = "{version}"',
        conf.read_text(encoding="utf-8"),
        flags=re.M,
    )
    assert count == 1, f"no `version = release = ...` line in {conf}"
    conf.write_text(text, encoding="utf-8")


def make_repo(where: Path) -> Path:
    repo = where / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    files = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    for name in subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, text=True, check=True
    ).stdout.split("\0"):
        if name and not (ROOT / name).exists():
            (repo / name).unlink(missing_ok=True)  # deleted in the working tree
    set_release(repo / "conf.py", "1.0")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "the working tree", date="2026-01-04T10:00:00Z")
    git(repo, "tag", "-a", "edition-1.0", "-m", "Edition 1.0", date="2026-01-05T10:00:00Z")
    edit(repo / BOOK / "ch1.md", OLD_SENTENCE, NEW_SENTENCE)
    edit(repo / EXERCISES, OLD_PROMPT, NEW_PROMPT)
    set_release(repo / "conf.py", "1.1")
    git(repo, "commit", "-q", "-am", "Second edition", date="2026-06-01T10:00:00Z")
    git(repo, "tag", "-a", "edition-1.1", "-m", "Edition 1.1", date="2026-06-01T10:00:00Z")
    return repo


@dataclass
class Result:
    returncode: int
    output: str


def run(cmd: list[str], env: dict | None = None) -> Result:
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})},
    )
    return Result(proc.returncode, proc.stdout + proc.stderr)


def build(repo: Path, out: Path, *formats: str, source: Path | None = None, env: dict | None = None) -> Path:
    """The project's driver on the clone's small book; returns the build folder."""
    source = source or repo / BOOK
    result = run(
        [
            sys.executable,
            "-m",
            "studyguide.build",
            *formats,
            "--root",
            str(repo),
            "--source",
            str(source),
            "--build-dir",
            str(out),
            "--quiet",
        ],
        env,
    )
    assert result.returncode == 0, result.output
    return out


@pytest.fixture(scope="session")
def repo(tmp_path_factory) -> Path:
    return make_repo(tmp_path_factory.mktemp("editions"))


@pytest.fixture(scope="session")
def current(repo, tmp_path_factory) -> Path:
    """Edition 1.1 (the clone's HEAD) in every format the tests read."""
    return build(repo, tmp_path_factory.mktemp("current"), "html", "epub", "pdf", "lms")
