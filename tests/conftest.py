"""Shared fixtures: the real book is built once per session; small books test one behaviour.

System tools (Chromium, Java for epubcheck, Node for DAISY Ace) are looked up once; when
one is missing a test is skipped with the command that installs it, except in CI
(CI=true), where a missing tool is a failure.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import runpy
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from studyguide.publish import published_file as published
from studyguide.warm import in_ci

ROOT = Path(__file__).resolve().parent.parent
ROOTS = Path(__file__).resolve().parent / "roots"
IN_CI = in_ci()
EPOCH = "1764028800"
# Builds start their own processes, as in CI, so that each test's processes are its own and
# can be counted (and no warm process outlives a test's temporary folder): the warm
# process (studyguide.warm) is tested by tests/test_warm.py, which turns it on.
os.environ["STUDYGUIDE_WARM"] = "0"


# Debian's Chromium, headless, with nothing that would reach for the network (this machine
# has none, and a test must not depend on it).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """A static server for a built site on 127.0.0.1 (a free port): its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def need(tool: str) -> str:
    """Path of a system tool, or skip (fail in CI) with the command that installs it."""
    path = shutil.which(tool)
    if path:
        return path
    message = f"{tool} is not installed; run `bash tools/system-deps test` (as root) to install it"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def conf(name: str):
    """A value of the book's conf.py (it only sets values), e.g. the book's file name."""
    return runpy.run_path(str(ROOT / "conf.py"))[name]


@dataclass
class Build:
    root: Path
    returncode: int
    output: str
    prefix: str = ""  # "instructor/" for that edition, published beside the student's

    @property
    def build_dir(self) -> Path:
        return self.root.parent if self.prefix else self.root

    @property
    def html(self) -> Path:
        return self.root / "html"

    @property
    def epub(self) -> Path:
        return published(self.build_dir, f"{self.prefix}epub")

    @property
    def pdf(self) -> Path:
        return published(self.build_dir, f"{self.prefix}pdf")

    def work(self, edition: str = "student") -> Path:
        return self.build_dir / ".work" / edition


def run_build(
    build_dir: Path,
    *formats: str,
    source: Path | None = None,
    edition: str = "student",
    paper: str = "a4",
    env: dict | None = None,
) -> Build:
    """Run the same driver as `make`, as a subprocess, exactly as a user would."""
    cmd = [
        sys.executable,
        "-m",
        "studyguide.build",
        *formats,
        "--build-dir",
        str(build_dir),
        "--edition",
        edition,
        "--paper",
        paper,
        "--quiet",
    ]
    if source is not None:
        cmd += ["--source", str(source)]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})},
    )
    return Build(build_dir, proc.returncode, proc.stdout + proc.stderr)


@pytest.fixture(scope="session")
def book(tmp_path_factory) -> Build:
    """The whole book in HTML, EPUB and PDF, built once for the session."""
    build = run_build(tmp_path_factory.mktemp("book"), "html", "epub", "pdf")
    assert build.returncode == 0, build.output
    return build


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Playwright on Debian's package), one per test module."""
    chromium = need("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def instructor(book) -> Build:
    """The instructor edition (HTML and PDF), built beside the student edition."""
    build = run_build(book.root, "html", "pdf", edition="instructor")
    assert build.returncode == 0, build.output
    return Build(book.root / "instructor", 0, build.output, prefix="instructor/")


@pytest.fixture(scope="session")
def pdf_reader(book):
    import pypdf

    return pypdf.PdfReader(book.pdf)


@pytest.fixture(scope="session")
def pdf_pages_text(pdf_reader) -> list[str]:
    return [page.extract_text() or "" for page in pdf_reader.pages]


@pytest.fixture
def fixture_book(tmp_path):
    """Copy a small test book from tests/roots/<name> into a temporary folder."""

    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(ROOTS / name, target)
        return target

    return make


# --------------------------------------------------------------------------- in-process builds
# Sphinx's own test fixtures (``make_app``, ``app``, ``@pytest.mark.sphinx``), as Sphinx
# extensions test themselves: a book under tests/roots/test-<name>/ with its own conf.py is
# built inside the test process, so a test can look at the doctree Sphinx hands a builder.

pytest_plugins = ("sphinx.testing.fixtures",)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``@pytest.mark.sphinx(testroot="name")`` finds tests/roots/test-name."""
    return ROOTS


@pytest.fixture(scope="session")
def sphinx_test_tempdir(tmp_path_factory) -> Path:
    """Each in-process book is copied and built here, never in tests/roots."""
    return tmp_path_factory.mktemp("sphinx")


@dataclass
class Parsed:
    """The doctrees of one read of a book: what Sphinx parsed from MyST, the YAML exercise
    files and the bibliography, before any builder's post-transforms."""

    srcdir: Path
    doctrees: dict
    warnings: str

    def __getitem__(self, docname: str):
        return self.doctrees[docname]

    def docname(self, path: Path) -> str:
        return path.resolve().relative_to(self.srcdir.resolve()).with_suffix("").as_posix()

    def page(self, path: Path):
        return self.doctrees[self.docname(path)]


def parsed_from(app) -> Parsed:
    """Every document an application read, loaded once (a test walks them many times)."""
    return Parsed(
        Path(app.srcdir),
        {d: app.env.get_doctree(d) for d in sorted(app.env.found_docs)},
        app._warning.getvalue(),
    )


@pytest.fixture(scope="session")
def parsed_book(tmp_path_factory) -> Parsed:
    """The real book read in-process, with the repository's conf.py (no output written)."""
    import io

    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    work = tmp_path_factory.mktemp("parsed")
    with patch_docutils(ROOT), docutils_namespace():
        app = Sphinx(
            ROOT / "book",
            ROOT,
            work / "out",
            work / "doctrees",
            "dummy",
            status=io.StringIO(),
            warning=io.StringIO(),
            freshenv=True,
        )
        app.build()
        return parsed_from(app)
