"""The warm preview (`make live`): one server process on the small book, driven by real edits
and watched in Debian's Chromium, as an author sees it."""

from __future__ import annotations

import http.client
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import EPOCH, ROOT, ROOTS, run_build

STARTUP = 180  # the first build of the small book, on a loaded machine


class LiveServer:
    def __init__(self, tmp: Path, *options: str, book: Path = ROOTS / "minimal") -> None:
        """The preview of a copy of ``book`` (a folder with book/ and exercises/)."""
        self.source = tmp / book.name
        for part in ("book", "exercises"):
            shutil.copytree(book / part, self.source / part, ignore=shutil.ignore_patterns("_figures"))
        self.build_dir = tmp / "build"
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "studyguide.live",
                "--root",
                str(ROOT),
                "--source",
                str(self.source / "book"),
                "--build-dir",
                str(self.build_dir),
                "--port",
                "0",
                *options,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        )
        threading.Thread(target=self._read, daemon=True).start()
        first = self.expect(r"serving (http://\S+)", 60)
        self.url = re.search(r"serving (http://\S+)", first).group(1)
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])
        self.expect(r"\[live\] rebuilt", STARTUP)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.log.append(line)
            self.lines.put(line)

    def expect(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {pattern!r} within {timeout}s:\n{''.join(self.log)}")
            if re.search(pattern, line):
                return line

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.source / relative
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture
def page(browser, live):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live.url + "ch1.html")
    yield page
    context.close()


def wait_until(page, script: str, arg=None, timeout: float = 60) -> None:
    """Poll the page, across the reloads the preview triggers (a reload drops the context)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(script, arg):
                return
        except Exception:  # the page was navigating: ask the new one
            pass
        time.sleep(0.05)
    pytest.fail(f"{script} never held; page text: {page.inner_text('body')[:2000]}")


BODY_HAS = "(text) => document.body && document.body.innerText.includes(text)"
BANNER = "document.getElementById('studyguide-live-problems')"


def test_an_edit_is_put_in_place_in_the_open_page(live, page):
    """No reload: the rebuilt page takes the place of the shown one, and it still works. A
    self-check answered before the save is put back checked; a new answer is checked."""
    page.evaluate("window.__notReloaded = true")
    compare = page.locator("[data-exercise='one-compare']")
    compare.locator("input[type=radio]").last.check()
    compare.locator(".exercise-check").click()
    assert compare.locator(".exercise-feedback").inner_text().strip()
    live.edit("book/ch1.md", "## Start\n", "## Start\n\nA sentence saved while the page was open.\n")
    wait_until(page, BODY_HAS, "A sentence saved while the page was open.")
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded, not updated in place"
    served = (live.build_dir / "live/html/ch1.html").read_text()
    assert "A sentence saved while the page was open." in served
    compare = page.locator("[data-exercise='one-compare']")
    assert compare.locator("input[type=radio]").last.is_checked(), "the saved answer was not put back"
    assert page.locator(".progress-panel [role=status]").inner_text().startswith("1 of ")
    why = page.locator("[data-exercise='one-why']")
    why.locator("input[type=radio]").first.check()
    why.locator(".exercise-check").click()
    assert why.locator(".exercise-feedback").inner_text().strip(), (
        "a self-check on the new page does not answer"
    )


def test_an_exercise_file_edit_reloads_its_chapter(live, page):
    """The exercise directive notes its YAML as a dependency: the chapter is rebuilt."""
    live.edit(
        "exercises/ch1.yaml",
        "The test book exists to be built.",
        "The test book exists to be built and previewed.",
    )
    wait_until(page, BODY_HAS, "The test book exists to be built and previewed.")


def test_a_bad_edit_shows_its_file_and_line_and_the_fix_clears_it(live, page):
    good = (live.build_dir / "live/html/ch1.html").read_bytes()
    live.edit("exercises/ch1.yaml", "objective: compare", "objective: no-such-objective")
    wait_until(page, f"() => {BANNER} !== null")
    message = page.inner_text("#studyguide-live-problems")
    yaml_lines = (live.source / "exercises/ch1.yaml").read_text().splitlines()
    line = yaml_lines.index("    objective: no-such-objective") + 1
    assert f"ch1.yaml:{line}:" in message and "no-such-objective" in message
    # The last good page is still served, and the server still answers.
    assert (live.build_dir / "live/html/ch1.html").read_bytes() == good
    assert live.proc.poll() is None
    assert page.request.get(live.url + "ch1.html").status == 200

    live.edit("exercises/ch1.yaml", "objective: no-such-objective", "objective: compare")
    wait_until(page, f"() => {BANNER} === null && document.readyState === 'complete'")
    assert live.proc.poll() is None


def test_a_broken_reference_is_reported_until_fixed(live, page):
    live.edit("book/ch1.md", "## Start\n", "## Start\n\nSee {ref}`sec-nowhere`.\n")
    wait_until(page, f"() => {BANNER} !== null")
    lines = (live.source / "book/ch1.md").read_text().splitlines()
    line = lines.index("See {ref}`sec-nowhere`.") + 1
    assert re.search(rf"ch1\.md:{line}: WARNING: .*sec-nowhere", page.inner_text("#studyguide-live-problems"))
    live.edit("book/ch1.md", "See {ref}`sec-nowhere`.\n", "See {ref}`sec-start`.\n")
    wait_until(page, f"() => {BANNER} === null && document.body.innerText.includes('See')")
    assert live.proc.poll() is None


def test_an_exception_in_a_rebuild_is_shown_and_the_server_lives_on(live, page):
    """Figure data without the rest of its inputs makes the figure step raise (not warn)."""
    figures = live.source / "book/figures"
    figures.mkdir()
    (figures / "timeline.yaml").write_text("- date: '1941-06-22'\n  label: Barbarossa\n")
    wait_until(page, f"() => {BANNER} !== null")
    message = page.inner_text("#studyguide-live-problems")
    assert "ExtensionError" in message and "missing input" in message
    assert live.proc.poll() is None
    shutil.rmtree(figures)
    wait_until(page, f"() => {BANNER} === null && document.readyState === 'complete'")
    assert page.request.get(live.url + "ch1.html").status == 200


@pytest.fixture(scope="module")
def live_book(tmp_path_factory):
    """The preview of the guide itself: the small book has no figures."""
    server = LiveServer(tmp_path_factory.mktemp("live-book"), book=ROOT)
    yield server
    server.stop()


def test_a_figure_data_edit_redraws_the_figure_and_a_bad_one_is_located(live_book, browser):
    """The figure is redrawn beside the page's rebuild (figures.forked): the new picture is
    served with the page, the page is not read again at the next save, and data that
    cannot be parsed is reported at its line while the last good figure stays."""
    live, page = live_book, browser.new_page()
    figure = live.build_dir / "live/html/_images/timeline.svg"
    page.goto(live.url + "back/timeline.html")
    before = figure.read_bytes()
    assert page.request.get(live.url + "_images/timeline.svg").body() == before
    live.edit("book/figures/timeline.yaml", "\n  label: ", "\n  label: Redrawn ")
    assert "(1 read" in live.expect(r"\[live\] (rebuilt|\d+ problem)", 120)
    redrawn = page.request.get(live.url + "_images/timeline.svg").body()
    assert redrawn != before and redrawn == figure.read_bytes()
    assert (live.source / "book/_figures/timeline.svg").read_bytes() == redrawn
    wait_until(page, "() => [...document.images].some((i) => i.src.includes('timeline.svg?built='))")

    live.edit(
        "book/chapters/2-defences.md", "\n```{exercises}", "\nA sentence after the redraw.\n\n```{exercises}"
    )
    assert "(1 read" in live.expect(r"\[live\] (rebuilt|\d+ problem)", 120), (
        "the redrawn figure made its page look outdated"
    )

    live.edit("book/figures/timeline.yaml", "\n  label: Redrawn ", "\n  label: [Redrawn ")
    wait_until(page, f"() => {BANNER} !== null")
    message = page.inner_text("#studyguide-live-problems")
    line = next(
        n
        for n, text in enumerate((live.source / "book/figures/timeline.yaml").read_text().splitlines(), 1)
        if "[Redrawn" in text
    )
    assert re.search(rf"timeline\.yaml:{line + 1}: .*figure timeline could not be drawn", message), message
    assert page.request.get(live.url + "_images/timeline.svg").body() == redrawn
    assert live.proc.poll() is None
    live.edit("book/figures/timeline.yaml", "\n  label: [Redrawn ", "\n  label: ")
    wait_until(page, f"() => {BANNER} === null && document.readyState === 'complete'")
    assert page.request.get(live.url + "_images/timeline.svg").body() == before
    page.close()


def listening(port: int) -> list[str]:
    """Local addresses of the sockets listening on ``port`` (IPv4 and IPv6), from the kernel."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(address)
    return found


def test_only_127_0_0_1_is_bound_and_other_hosts_are_refused(live):
    assert listening(live.port) == ["0100007F"]  # 127.0.0.1, and no 0.0.0.0 or :: socket
    connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    connection.request("GET", "/ch1.html", headers={"Host": "attacker.example:80"})
    assert connection.getresponse().status == 403  # a rebound DNS name gets nothing
    connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    connection.request("GET", "/ch1.html")
    assert connection.getresponse().status == 200


def test_the_published_html_has_no_live_script(live, tmp_path):
    """The reload script is added to the preview's application only."""
    served = (live.build_dir / "live/html/ch1.html").read_text()
    assert "/_live/events" in served
    build = run_build(tmp_path / "out", "html", source=live.source / "book")
    assert build.returncode == 0, build.output
    assert "/_live/events" not in (build.html / "ch1.html").read_text()


def test_bench_help():
    proc = subprocess.run(
        [sys.executable, "-m", "studyguide.bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "--quick" in proc.stdout and "--preview-edits" in proc.stdout


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_make_live_pdf_lays_out_only_the_edited_chapter_and_keeps_the_last_good_chunk(tmp_path, browser):
    """PDF=1: a warm print preview in its own process lays out the edited chapter's chunk,
    served under /_live/pdf/<docname>.pdf and linked from the page; a bad edit keeps it."""
    server = LiveServer(tmp_path, "--pdf")
    try:
        first = server.expect(r"print preview refreshed", STARTUP)
        assert "Chapter one, Glossary, References" in first  # every chapter's chunk, once
        status, before = get(server.port, "/_live/pdf/ch1.pdf")
        assert status == 200 and before.startswith(b"%PDF-")
        old_text = pdf_text(before)
        assert "Chapter one" in old_text and "Glossary" not in old_text  # the chapter's pages only
        assert get(server.port, "/_live/pdf/index.pdf")[0] == 404  # the front matter has no chunk
        assert get(server.port, "/_live/pdf/../html/ch1.html")[0] == 404

        page = browser.new_page()
        page.goto(server.url + "ch1.html")
        link = page.locator("#studyguide-live-print")
        link.wait_for(timeout=30_000)
        assert link.get_attribute("href").startswith("/_live/pdf/ch1.pdf")

        sentence = "A sentence for the print preview."
        saved = time.monotonic()
        server.edit("book/ch1.md", "## Start\n", f"## Start\n\n{sentence}\n")
        refreshed = server.expect(r"print preview refreshed", 60)
        assert refreshed.rstrip().endswith(": Chapter one")  # not the glossary or references
        status, after = get(server.port, "/_live/pdf/ch1.pdf")
        took = time.monotonic() - saved
        assert status == 200 and after != before
        assert sentence in pdf_text(after)
        assert took < 30, f"the chunk took {took:.1f}s"  # about 0.5 s on an idle machine
        wait_until(
            page, "() => document.getElementById('studyguide-live-print')?.textContent.includes('updated')"
        )

        # A bad edit: the web preview reports it, and the print preview keeps the last good chunk.
        mark = len(server.log)
        server.edit("book/ch1.md", f"{sentence}\n", f"{sentence}\n\nSee {{ref}}`sec-nowhere`.\n")
        lines = (server.source / "book/ch1.md").read_text().splitlines()
        where = f"ch1.md:{lines.index('See {ref}`sec-nowhere`.') + 1}:"
        deadline = time.monotonic() + 60
        while not re.search(
            r"print preview: \d+ problem.*\n.*" + re.escape(where), "".join(server.log[mark:])
        ):
            assert time.monotonic() < deadline, "".join(server.log[mark:])  # it reads the edit too
            time.sleep(0.1)
        wait_until(page, f"() => {BANNER}?.innerText.includes({where!r})")
        assert not any("print preview refreshed" in line for line in server.log[mark:])
        assert get(server.port, "/_live/pdf/ch1.pdf") == (200, after)
        server.edit("book/ch1.md", "See {ref}`sec-nowhere`.\n", "See {ref}`sec-start`.\n")
        server.expect(r"print preview refreshed", 60)
        fixed = get(server.port, "/_live/pdf/ch1.pdf")[1]
        assert fixed != after and "See Start." in pdf_text(fixed)
        page.close()

        # A new chapter title changes every page's navigation, so every chunk is laid out
        # again, the references too without being read again: each entry still once.
        status, references = get(server.port, "/_live/pdf/references.pdf")
        entries = pdf_text(references).count("Roberts")
        assert status == 200 and entries >= 1
        server.edit("book/ch1.md", "# Chapter one\n", "# Chapter one, revised\n")
        refreshed = server.expect(r"print preview refreshed", 60)
        assert "Chapter one, revised, Glossary, References" in refreshed
        assert "Chapter one, revised" in pdf_text(get(server.port, "/_live/pdf/ch1.pdf")[1])
        assert pdf_text(get(server.port, "/_live/pdf/references.pdf")[1]).count("Roberts") == entries

        print_child = children(server.proc.pid)
        assert len(print_child) == 1
    finally:
        server.stop()
    deadline = time.monotonic() + 20
    while Path(f"/proc/{print_child[0]}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{print_child[0]}").exists()  # it ends with the server
