"""The publishing workflow cannot run here, so check what can be checked without GitHub:
actionlint accepts it, and every `make` command it (or Read the Docs) runs is a target the
Makefile really has, with the variables the matrix gives it."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
MAKE = re.compile(r"^\s*make\b(.*)$", re.M)
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def actionlint() -> str:
    path = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert path, "actionlint is a test dependency (pyproject.toml's test extra)"
    return path


def make_commands(text: str, matrix: list[dict]) -> set[str]:
    """Every `make ...` line of a run step, once for each matrix entry it is expanded with."""
    commands = set()
    for line in MAKE.findall(text):
        for entry in matrix or [{}]:

            def value(match: re.Match, entry=entry) -> str:
                name = match.group(1)
                assert name.startswith("matrix."), f"unexpected expression in a make line: {name}"
                return str(entry[name.removeprefix("matrix.")])

            commands.add(EXPRESSION.sub(value, line).strip())
    return commands


def test_there_is_a_publishing_workflow():
    names = [path.name for path in WORKFLOWS]
    assert "publish.yml" in names, names
    workflow = yaml.safe_load((ROOT / ".github/workflows/publish.yml").read_text())
    triggers = workflow.get("on") or workflow.get(True)  # YAML 1.1 reads `on` as True
    assert triggers["push"]["tags"] == ["edition-*"]
    jobs = workflow["jobs"]
    matrix = jobs["build"]["strategy"]["matrix"]["include"]
    combos = {(m["target"], m["edition"], m["paper"]) for m in matrix}
    # format x edition x paper, as far as each format has editions and paper sizes
    assert {
        ("pdf", "student", "a4"),
        ("pdf", "student", "letter"),
        ("instructor", "instructor", "a4"),
        ("instructor", "instructor", "letter"),
        ("html", "student", "a4"),
        ("epub", "student", "a4"),
        ("worksheets", "student", "a4"),
        ("lms", "student", "a4"),
    } <= combos
    uses = [step.get("uses", "") for job in jobs.values() for step in job.get("steps", [])]
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert any(
        "gh release upload" in step.get("run", "") for job in jobs.values() for step in job.get("steps", [])
    )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_accepts_the_workflow(path):
    proc = subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_actionlint_is_not_a_rubber_stamp(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ matrix.nothing }}\n"
    )
    proc = subprocess.run([actionlint(), "-no-color", str(bad)], capture_output=True, text=True)
    assert proc.returncode != 0


def workflow_commands() -> set[str]:
    commands = set()
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        for job in workflow["jobs"].values():
            matrix = job.get("strategy", {}).get("matrix", {})
            entries = (
                matrix.get("include")
                or [dict(zip(matrix, values)) for values in itertools.product(*matrix.values())]
                if matrix
                else []
            )
            for step in job.get("steps", []):
                commands |= make_commands(step.get("run", ""), entries)
    rtd = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text())
    commands |= make_commands("\n".join(rtd["build"]["commands"]), [])
    return commands


def test_every_make_command_is_a_makefile_target():
    commands = workflow_commands()
    assert len(commands) >= 8, commands
    for command in sorted(commands):
        # -n: say what would run without running it; an unknown target fails with "No rule".
        proc = subprocess.run(
            ["make", "-n", "-C", str(ROOT), *command.split()], capture_output=True, text=True
        )
        assert proc.returncode == 0, f"`make {command}`: {proc.stderr.strip()}"
    proc = subprocess.run(["make", "-n", "-C", str(ROOT), "no-such-target"], capture_output=True, text=True)
    assert proc.returncode != 0  # the check above can fail


def test_read_the_docs_publishes_the_html_edition():
    rtd = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text())
    assert rtd["version"] == 2
    assert rtd["build"]["tools"]["python"] == "3.11"
    assert "make html" in rtd["build"]["commands"]
    assert any("$READTHEDOCS_OUTPUT/html" in c for c in rtd["build"]["commands"])


def test_the_book_and_the_exercises_hold_no_code():
    """Authors' folders hold text and data; the pipeline's code lives in studyguide/ and
    the maintainers' scripts in tools/ (a chapter or exercise pull request runs nothing)."""
    found = [
        p.relative_to(ROOT).as_posix()
        for folder in ("book", "exercises")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".js", ".sh") and "_figures" not in p.parts
    ]
    assert found == []
