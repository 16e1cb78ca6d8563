"""``make bench`` measures the memory a build takes as the machine gives it: a page that a
forked process shares with its parent counts once, where the sum of RSS counts it twice."""

from __future__ import annotations

import sys

from studyguide import bench

MB = 1024**2
FORKS = """
import os, sys, time
block = bytearray(200 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1  # resident now, in the parent
if os.fork() == 0:
    time.sleep(1.5)  # the child only maps the parent's pages
    os._exit(0)
time.sleep(1.5)
os.wait()
"""


def test_a_forked_child_shares_its_parents_pages(tmp_path):
    result = bench.run([sys.executable, "-c", FORKS], tmp_path, {}, timeout=60)
    assert result["code"] == 0, result["output"]
    assert result["peak_bytes"] > 2 * 200 * MB  # RSS: both processes map the 200 MB
    assert 200 * MB < result["footprint_bytes"] < 280 * MB  # the machine holds them once
