"""A child never outlives its parent, even one that dies before the child could ask the
kernel to be killed with it: a PDF build that failed just after starting its WeasyPrint
workers left them waiting forever, adopted by init, holding ``make | tail`` open."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path


def _marked(mark: str) -> list[int]:
    """The processes whose environment carries ``mark``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if f"STUDYGUIDE_TEST_MARK={mark}".encode() in environ.split(b"\0"):
            found.append(int(pid))
    return found


def test_workers_of_a_process_that_dies_at_once_do_not_stay_behind(tmp_path):
    mark = uuid.uuid4().hex
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from studyguide.pdf.pool import Renderer\n"
        f"renderer = Renderer(Path({str(tmp_path)!r}))\n"
        "os._exit(3)\n"  # (no shutdown: as a crash, or a build that failed in its builder's init)
    )
    env = {**os.environ, "STUDYGUIDE_TEST_MARK": mark}
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=60)
    assert done.returncode == 3
    deadline = time.monotonic() + 20
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _marked(mark)
    for pid in left:
        os.kill(pid, 9)
    assert left == []
