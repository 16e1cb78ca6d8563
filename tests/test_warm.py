"""The warm process (``studyguide.warm``) for real: a build leaves it, the next build's
Sphinx processes and PDF workers are forked from it, and what they write is byte for byte
what freshly started processes write. Under faults it keeps the driver's promises: a
killed or interrupted build leaves no process of its own running and the old build
published; a build it cannot serve (other settings) is built all the same, by a new warm
process; ``make clean`` (the socket removed) sends it away; its socket is its owner's.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import time
from pathlib import Path

import pytest
from test_faults import EDIT, FORMATS, Running, build_processes, snapshot

from conftest import ROOTS, run_build

# (pytest's PYTEST_CURRENT_TEST differs between a fixture and its test: a warm process
# serves only builds in the environment it started with, so it is held constant here)
WARM = {"STUDYGUIDE_WARM": "1", "STUDYGUIDE_WARM_IDLE": "60", "PYTEST_CURRENT_TEST": "test_warm"}


def warm_pid(tree: Path) -> int:
    return int((tree / "_build/.work/warm.pid").read_text())


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def wait_ready(tree: Path, timeout: float = 60) -> int:
    """The warm process, once it has imported everything (it writes warm.ready then)."""
    mark = tree / "_build/.work/warm.ready"
    deadline = time.monotonic() + timeout
    while not mark.exists():
        assert time.monotonic() < deadline, "the warm process never got ready"
        time.sleep(0.05)
    pid = warm_pid(tree)
    assert int(mark.read_text()) == pid and alive(pid)
    return pid


def gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[1])


def command(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")


def others(tree: Path, keep: int, within: float) -> list[int]:
    """The tree's build processes still running after ``within`` seconds, but ``keep``."""
    deadline = time.monotonic() + within
    while (left := [p for p in build_processes(tree) if p != keep]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def edit(tree: Path, n: int) -> None:
    chapter = tree / "minimal/book/ch1.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n{EDIT} ({n})\n", encoding="utf-8")


@pytest.fixture
def warm_tree(tmp_path) -> Path:
    """The minimal book built once with the warm process on, and that process ready."""
    shutil.copytree(ROOTS / "minimal", tmp_path / "minimal")
    first = Running(tmp_path, env=WARM)
    assert first.wait() == 0, first.output
    wait_ready(tmp_path)
    yield tmp_path
    try:
        os.kill(warm_pid(tmp_path), signal.SIGTERM)
    except (OSError, ValueError):
        pass


def test_an_edit_is_built_by_forked_processes_and_writes_the_same_bytes(warm_tree, tmp_path_factory):
    zygote = warm_pid(warm_tree)
    saved = tmp_path_factory.mktemp("saved") / "_build"
    shutil.copytree(warm_tree / "_build", saved, symlinks=True, ignore=shutil.ignore_patterns("warm.*"))
    edit(warm_tree, 1)
    build = Running(warm_tree, pause="render", env=WARM)
    build.reached()
    worker = int((warm_tree / "pause/render.reached").read_text())
    pdf = parent(worker)
    assert parent(pdf) == zygote, f"the PDF's Sphinx process was not forked warm: {command(parent(pdf))}"
    assert b"studyguide.warm" in command(worker), "the PDF's worker was spawned, not forked ready"
    build.go()
    assert build.wait() == 0, build.output
    assert warm_pid(warm_tree) == zygote and alive(zygote), "the warm process did not stay"
    warm_files = snapshot(warm_tree / "_build")
    assert EDIT in (warm_tree / "_build/html/ch1.html").read_text()
    # The same edit built from the same old build, in the same place, by processes started
    # afresh (the old build folder put back: its warm process leaves, its socket gone).
    shutil.rmtree(warm_tree / "_build")
    shutil.copytree(saved, warm_tree / "_build", symlinks=True)
    assert gone(zygote, 5)
    cold = Running(warm_tree, env={"STUDYGUIDE_WARM": "0"})
    assert cold.wait() == 0, cold.output
    cold_files = snapshot(warm_tree / "_build")
    assert warm_files == cold_files, [k for k in warm_files if warm_files[k] != cold_files.get(k)]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_a_stopped_warm_build_leaves_nothing_of_its_own_running(warm_tree, sig):
    zygote = warm_pid(warm_tree)
    old = snapshot(warm_tree / "_build")
    edit(warm_tree, 2)
    build = Running(warm_tree, pause="render", env=WARM)
    build.reached()
    worker = int((warm_tree / "pause/render.reached").read_text())
    pdf = parent(worker)
    assert parent(pdf) == zygote
    os.killpg(build.proc.pid, sig)
    code = build.wait(30)
    assert code == (130 if sig == signal.SIGINT else -signal.SIGKILL), build.output
    assert gone(worker, 5) and gone(pdf, 5), "the killed build's forked processes run on"
    assert not others(warm_tree, zygote, within=5), "processes of the stopped build are still running"
    assert snapshot(warm_tree / "_build") == old, "the old build was changed"
    assert alive(zygote), "the warm process died with the build"
    again = Running(warm_tree, env=WARM)
    assert again.wait() == 0, again.output
    assert EDIT in (warm_tree / "_build/html/ch1.html").read_text()


def test_a_build_with_other_settings_is_served_by_a_new_warm_process(warm_tree):
    zygote = warm_pid(warm_tree)
    edit(warm_tree, 3)
    build = Running(warm_tree, env={**WARM, "STUDYGUIDE_SOME_SETTING": "changed"})
    assert build.wait() == 0, build.output
    assert EDIT in (warm_tree / "_build/html/ch1.html").read_text()
    assert gone(zygote, 10), "a warm process with other settings stayed"
    assert warm_pid(warm_tree) != zygote and alive(warm_pid(warm_tree)), "no new warm process"


def test_make_clean_sends_it_away_and_its_socket_is_private(warm_tree):
    zygote = warm_pid(warm_tree)
    sock = warm_tree / "_build/.work/warm.sock"
    assert stat.S_ISSOCK(sock.stat().st_mode)
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    shutil.rmtree(warm_tree / "_build")  # what `make clean` does
    assert gone(zygote, 5), "the warm process outlived its build folder"


def test_it_leaves_when_the_folder_has_been_quiet_for_its_idle_time(tmp_path):
    shutil.copytree(ROOTS / "minimal", tmp_path / "minimal")
    build = Running(tmp_path, formats=("html",), env={**WARM, "STUDYGUIDE_WARM_IDLE": "5"})
    assert build.wait() == 0, build.output
    zygote = wait_ready(tmp_path)  # (a build of one format leaves it as it ends)
    assert gone(zygote, 15), "the warm process did not leave after its idle time"
    assert not (tmp_path / "_build/.work/warm.sock").exists()


def test_off_in_ci_unless_asked_for(monkeypatch):
    from studyguide import warm

    monkeypatch.delenv("STUDYGUIDE_WARM", raising=False)
    monkeypatch.setenv("CI", "true")
    assert not warm.enabled()
    monkeypatch.setenv("STUDYGUIDE_WARM", "1")
    assert warm.enabled()
    monkeypatch.delenv("CI")
    monkeypatch.setenv("STUDYGUIDE_WARM", "0")
    assert not warm.enabled()
    monkeypatch.delenv("STUDYGUIDE_WARM")
    assert warm.enabled()
