"""The build driver under faults, for real: builds of the minimal book are stopped with
signals at chosen moments (the driver's test hook ``STUDYGUIDE_TEST_PAUSE`` holds a build at
a named point until the test has acted) and two builds run at once in one tree.

What is asserted is what README promises: the published tree is always the whole old build
or the whole new one (every file hashed, through the published links), Ctrl-C and SIGTERM
stop every process of the build within seconds with one line and exit 130 / 143, the next
build works without `make clean`, and a second build waits for the first.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EPOCH, ROOT, ROOTS, run_build

FORMATS = ("html", "epub", "pdf")
JOIN_APART = {"STUDYGUIDE_JOIN_APART": "1"}  # every book, however short, joined apart
EDIT = "A sentence added after the good build."


def snapshot(build_dir: Path) -> dict[str, str]:
    """Every published file, by its path as users see it, with its hash."""
    state = {}
    for top in ("html", "epub", "pdf"):
        folder = build_dir / top
        for path in sorted(folder.rglob("*")) if folder.exists() else ():
            if path.is_file():
                state[path.relative_to(build_dir).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("good")
    shutil.copytree(ROOTS / "minimal", base / "minimal")
    build = run_build(base / "_build", *FORMATS, source=base / "minimal" / "book")
    assert build.returncode == 0, build.output
    return base


@pytest.fixture
def tree(good, tmp_path) -> Path:
    """A copy of the good build and its book, with the chapter edited since."""
    shutil.copytree(good, tmp_path / "t", symlinks=True)
    chapter = tmp_path / "t" / "minimal" / "book" / "ch1.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n{EDIT}\n", encoding="utf-8")
    return tmp_path / "t"


class Running:
    """A driver started as a terminal would start it: leader of its own process group."""

    def __init__(
        self, tree: Path, pause: str | None = None, formats=FORMATS, env: dict | None = None
    ) -> None:
        self.tree = tree
        self.hold = tree / "pause"
        self.hold.mkdir(exist_ok=True)
        self.point = pause
        env = {
            **os.environ,
            "SOURCE_DATE_EPOCH": EPOCH,
            "STUDYGUIDE_TEST_PAUSE_DIR": str(self.hold),
            **(env or {}),
        }
        env.pop("STUDYGUIDE_TEST_PAUSE", None)
        if pause:
            env["STUDYGUIDE_TEST_PAUSE"] = pause
        self.log = tree / f"driver-{time.monotonic_ns()}.log"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "studyguide.build",
                *formats,
                "--build-dir",
                str(tree / "_build"),
                "--source",
                str(tree / "minimal" / "book"),
                "--quiet",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def reached(self, timeout: float = 240) -> None:
        marker = self.hold / f"{self.point}.reached"
        deadline = time.monotonic() + timeout
        while not marker.exists():
            assert self.proc.poll() is None, f"the build ended before {self.point}:\n{self.output}"
            assert time.monotonic() < deadline, f"the build never reached {self.point}"
            time.sleep(0.05)

    def go(self) -> None:
        (self.hold / f"{self.point}.go").write_text("")

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def wait(self, timeout: float = 240) -> int:
        return self.proc.wait(timeout)


def build_processes(tree: Path) -> list[int]:
    """Every live process started for this tree's builds (they inherit the pause folder)."""
    marker = f"STUDYGUIDE_TEST_PAUSE_DIR={tree / 'pause'}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (
                marker in (proc / "environ").read_bytes().split(b"\0")
                and (proc / "stat").read_text().split(") ")[-1][0] != "Z"
            ):
                found.append(int(proc.name))
        except OSError:
            pass
    return found


def no_processes_left(tree: Path, within: float) -> list[int]:
    deadline = time.monotonic() + within
    while (left := build_processes(tree)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def next_build_works(tree: Path) -> dict[str, str]:
    build = run_build(tree / "_build", *FORMATS, source=tree / "minimal" / "book")
    assert build.returncode == 0, build.output
    state = snapshot(tree / "_build")
    assert EDIT in (tree / "_build" / "html" / "ch1.html").read_text()
    return state


# Where a kill -9 lands, and which build must then be published.
MOMENTS = [
    ("parse", "old"),  # Sphinx is reading the sources
    ("render", "old"),  # WeasyPrint workers are laying out the PDF
    ("publish", "old"),  # the new generation is half assembled
    ("switch", "old"),  # assembled, just before the switch
    ("switched", "new"),  # just after the switch, before the old generation is removed
]


@pytest.mark.parametrize(("point", "expected"), MOMENTS, ids=[m[0] for m in MOMENTS])
def test_kill_9_leaves_the_old_or_the_new_build(tree, point, expected):
    old = snapshot(tree / "_build")
    assert old
    build = Running(tree, pause=point)
    build.reached()
    os.killpg(build.proc.pid, signal.SIGKILL)  # the driver and its process group
    build.wait()
    assert not no_processes_left(tree, within=5), "processes of the killed build are still running"
    after_kill = snapshot(tree / "_build")
    edited = EDIT in (tree / "_build" / "html" / "ch1.html").read_text()
    one_build(after_kill)
    if expected == "old":
        assert after_kill == old, f"killed at {point}: the old build was changed"
    else:
        assert edited and after_kill.keys() == old.keys(), f"killed at {point}: not the whole new build"
    new = next_build_works(tree)
    assert new != old


def one_build(state: dict[str, str]) -> None:
    """The web edition's download copies are the very files published beside it."""
    copies = {k.rsplit("/", 1)[1]: v for k, v in state.items() if k.startswith("html/downloads/")}
    books = {k.rsplit("/", 1)[1]: v for k, v in state.items() if not k.startswith("html/")}
    assert copies and copies == books, "the downloads and the published files come from different builds"


@pytest.mark.parametrize(
    ("sig", "to_group", "code"),
    [
        (signal.SIGINT, True, 130),  # Ctrl-C in a terminal: the whole foreground group
        (signal.SIGINT, False, 130),  # kill -INT <driver>
        (signal.SIGTERM, False, 143),
    ],
    ids=["ctrl-c", "sigint-driver", "sigterm"],
)
def test_interrupt_while_the_pdf_renders(tree, sig, to_group, code):
    old = snapshot(tree / "_build")
    build = Running(tree, pause="render")
    build.reached()
    assert len(build_processes(tree)) >= 3, "the PDF's workers should be running"  # driver, Sphinx, workers
    sent = time.monotonic()
    (os.killpg if to_group else os.kill)(build.proc.pid, sig)
    assert build.wait(timeout=10) == code, build.output
    assert time.monotonic() - sent < 6, "the build took too long to stop"
    assert not no_processes_left(tree, within=3), "a child of the interrupted build is still running"
    lines = build.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Interrupted") and "unchanged" in lines[0], build.output
    assert snapshot(tree / "_build") == old
    # What a build killed while zipping its EPUB leaves behind must not stop the next one.
    (tree / "_build" / ".work" / "student" / "epub" / "book.epub.tmp").write_text("half a zip")
    next_build_works(tree)


def test_a_second_build_waits_for_the_first(tree):
    first = Running(tree, pause="parse")
    first.reached()
    second = Running(tree)
    deadline = time.monotonic() + 30
    while "waiting" not in second.output:
        assert second.proc.poll() is None, second.output
        assert time.monotonic() < deadline, "the second build does not say it waits"
        time.sleep(0.1)
    assert f"pid {first.proc.pid}" in second.output, second.output
    time.sleep(1)
    assert second.proc.poll() is None, "the second build ran while the first held the lock"
    first.go()
    assert first.wait() == 0, first.output
    assert second.wait() == 0, second.output
    assert "Up to date" in second.output or second.output.count("waiting") == 1


def test_a_killed_build_releases_the_lock(tree):
    first = Running(tree, pause="parse")
    first.reached()
    second = Running(tree)
    while "waiting" not in second.output:
        assert second.proc.poll() is None, second.output
        time.sleep(0.1)
    os.killpg(first.proc.pid, signal.SIGKILL)
    assert second.wait() == 0, second.output
    assert EDIT in (tree / "_build" / "html" / "ch1.html").read_text()


def writers(tree: Path) -> dict[str, list[str]]:
    """The running Sphinx processes of this tree's build: format -> command line."""
    found = {}
    for pid in build_processes(tree):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if "--builder" in args:
            found[args[args.index("--builder") + 1]] = args
    return found


def test_the_writers_start_beside_the_parse(tree):
    """They load their code while the sources are read, and begin once the parse is saved."""
    build = Running(tree, pause="parse")
    build.reached()
    running = writers(tree)
    waiting = {fmt for fmt, args in running.items() if "--start-fd" in args and "--parsed-fd" not in args}
    assert waiting == {"epub", "pdf"}, "the other formats' processes are not started"
    assert "--parsed-fd" in running["html"], "the first format should be the parse"
    build.go()
    assert build.wait() == 0, build.output
    assert EDIT in (tree / "_build" / "html" / "ch1.html").read_text()


def test_the_epub_writes_once_the_pdf_has_its_page_numbers(tree):
    """Started beside the PDF, the EPUB writes no page until the PDF's page map is written,
    then carries the new print page numbers."""
    import zipfile

    work = tree / "_build" / ".work" / "student" / "epub"
    page = next(work.rglob("ch1.xhtml"))
    before = page.stat().st_mtime_ns
    build = Running(tree, pause="render")
    build.reached()  # the PDF's first chunk is held before WeasyPrint lays it out
    time.sleep(2)
    assert "epub" in writers(tree), "the EPUB should be started beside the PDF"
    assert page.stat().st_mtime_ns == before, "the EPUB wrote a page before the PDF had its page numbers"
    build.go()
    assert build.wait() == 0, build.output
    with zipfile.ZipFile(next((tree / "_build" / "epub").glob("*.epub"))) as epub:
        names = epub.namelist()
        chapter = epub.read(next(n for n in names if n.endswith("ch1.xhtml"))).decode()
        nav = epub.read(next(n for n in names if n.endswith("nav.xhtml"))).decode()
    assert EDIT in chapter
    assert 'epub:type="page-list"' in nav and 'id="page-' in chapter


def test_while_the_pdf_renders_the_epub_gives_it_way(tree):
    """The PDF is the longest way to the end of a build: on a machine short of cores, the
    EPUB, which waits for the PDF's page map, runs at a lower priority; the PDF, its
    workers and the web pages do not."""
    build = Running(tree, pause="render")
    build.reached()

    def niceness(pid: int) -> int:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])

    found = {}
    for pid in build_processes(tree):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            found[pid] = (cmd, niceness(pid))
        except OSError:  # (it has just finished)
            continue
    builders = {
        cmd[cmd.index(b"--builder") + 1].decode(): nice for cmd, nice in found.values() if b"--builder" in cmd
    }
    workers = [nice for cmd, nice in found.values() if any(b"spawn_main" in part for part in cmd)]
    build.go()
    assert build.wait() == 0, build.output
    assert builders["epub"] == 10 and builders["pdf"] == 0, builders
    assert builders.get("html", 0) == 0, builders  # (it may have finished)
    assert workers and set(workers) == {0}, workers


def test_interrupt_while_the_chunks_are_joined(tree):
    """A long book's join is a process of its own, after the PDF's Sphinx process (here the
    small book counts as long): stopped, it leaves the previous build as it was and
    nothing running."""
    old = snapshot(tree / "_build")
    build = Running(tree, pause="join", env=JOIN_APART)
    build.reached()
    os.killpg(build.proc.pid, signal.SIGINT)
    assert build.wait(timeout=10) == 130, build.output
    assert not no_processes_left(tree, within=3), "a child of the interrupted build is still running"
    assert snapshot(tree / "_build") == old
    next_build_works(tree)


def test_a_long_books_join_waits_for_the_other_formats(tree):
    """The join holds every page of the book: it starts once the EPUB (which writes once it
    has the PDF's page map) is written, so that their memory is not added together."""
    build = Running(tree, pause="join", env=JOIN_APART)
    build.reached()
    builders = []
    for pid in build_processes(tree):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--builder" in cmd:
            builders.append(cmd[cmd.index(b"--builder") + 1].decode())
    build.go()
    assert build.wait() == 0, build.output
    assert builders == [], builders
    assert (tree / "_build" / "epub").exists()


def test_a_join_that_fails_is_one_line_and_publishes_nothing(tree):
    old = snapshot(tree / "_build")
    build = Running(tree, pause="join", env=JOIN_APART)
    build.reached()
    chunk = next((tree / "_build" / ".work" / "student" / "pdf" / "_chunks").glob("chunk-01*.pdf"))
    chunk.write_bytes(b"not a PDF")  # as a disk error would leave it
    build.go()
    assert build.wait() == 1, build.output
    lines = [line for line in build.output.splitlines() if line.strip()]
    assert any(line.startswith("error: the PDF's chunks could not be joined:") for line in lines), (
        build.output
    )
    assert lines[-1].startswith("Build failed (pdf)"), build.output
    assert snapshot(tree / "_build") == old
    next_build_works(tree)  # the chunk it could not read is laid out again
