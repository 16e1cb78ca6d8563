"""DAISY Ace, the reference EPUB accessibility checker, finds no violation in the EPUB."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import IN_CI, ROOT, need

ACE = ROOT / ".venv" / "ace" / "node_modules" / ".bin" / "ace-puppeteer"


def test_ace_reports_no_violation(book, tmp_path):
    chromium = need("chromium")
    need("node")
    if not ACE.exists():
        message = "DAISY Ace is not installed; run `make test-deps`"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    report = tmp_path / "ace"
    proc = subprocess.run(
        [str(ACE), "-E", "-f", "-o", str(report), str(book.epub)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium},
    )
    result = json.loads((report / "report.json").read_text())
    failures = [
        f"{page['earl:testSubject']['url']}: {test['earl:test']['dct:title']}"
        for page in result.get("assertions", [])
        for test in page.get("assertions", [])
        if test["earl:result"]["earl:outcome"] == "fail"
    ]
    assert failures == [], "\n".join(failures)
    assert result["earl:result"]["earl:outcome"] == "pass"
    assert result["properties"]["hasPageBreaks"] is True  # the print edition's page list
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
