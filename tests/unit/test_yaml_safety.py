"""Exercise files are YAML written by anyone: what plain data never needs is refused, with
the file and the line, before it can cost time or memory or build an object."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from studyguide.exercises.model import ExerciseFileError, load

HEAD = "chapter: chapters/1-sample\nexercises:\n"
ORDERING = """\
- id: sample-order
  type: ordering
  objective: rise
  section: sec-sample
  prompt: Put these in order.
  answer:
    - Khalkhin Gol
    - Yelnya
    - Moscow
  solution: In that order.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "1-sample.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list:
    with pytest.raises(ExerciseFileError) as info:
        load(path)
    assert info.value.problems
    for problem in info.value.problems:
        assert problem.path == path
    return info.value.problems


def line_of(text: str, needle: str) -> int:
    found = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) == 1, (needle, found)
    return found[0]


def billion_laughs(levels: int = 9) -> str:
    """The classic alias bomb inside an exercise whose answer is its last level: a few KB of
    text, 5 * 9**8 strings once expanded."""
    defs = ['    l0: &l0 ["' + '", "'.join(["lol"] * 9) + '"]']
    defs += [f"    l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels - 1)]
    bomb = ORDERING.replace("- id: sample-order\n", "- id: sample-order\n  lols:\n" + "\n".join(defs) + "\n")
    answer = ", ".join([f"*l{levels - 2}"] * 5)
    return HEAD + bomb.replace(
        "  answer:\n    - Khalkhin Gol\n    - Yelnya\n    - Moscow\n", f"  answer: [{answer}]\n"
    )


def test_the_alias_bomb_is_refused_at_once_with_its_line(tmp_path):
    """Run in a child with 1 GB of address space and 30 s: before the fix the child dies of
    a MemoryError (or is still expanding) instead of printing the problem."""
    text = billion_laughs()
    assert len(text) < 20_000
    path = write(tmp_path, text)
    child = textwrap.dedent(f"""
        import resource, time, tracemalloc
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from studyguide.exercises.model import ExerciseFileError, load
        tracemalloc.start()
        started = time.monotonic()
        try:
            load(Path({str(path)!r}))
        except ExerciseFileError as err:
            print(err)
        print("seconds", time.monotonic() - started)
        print("peak", tracemalloc.get_traced_memory()[1])
    """)
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = dict(
        line.rsplit(" ", 1) for line in proc.stdout.splitlines() if line.startswith(("seconds", "peak"))
    )
    assert float(report["seconds"]) < 1.0, proc.stdout
    assert int(report["peak"]) < 5_000_000, proc.stdout
    first = line_of(text, "&l0")
    assert (
        f"{path}:{first}: anchors and aliases (&l0, *l0) are not allowed in exercise files" in proc.stdout
    ), proc.stdout


def test_an_alias_alone_is_refused(tmp_path):
    text = HEAD + ORDERING.replace("  prompt: Put these in order.", "  prompt: *elsewhere")
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.line == line_of(text, "*elsewhere")
    assert "aliases" in problem.message and "not allowed" in problem.message


@pytest.mark.parametrize(
    "tag", ["!!python/object:os.system", "!!python/name:os.system", "!!str", "!custom", "!"]
)
def test_tags_are_refused_with_the_file_and_line(tmp_path, tag):
    text = HEAD + ORDERING.replace("  prompt: Put these in order.", f"  prompt: {tag} 'x'")
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.line == line_of(text, tag + " 'x'")
    assert "tags" in problem.message and "not allowed" in problem.message
    assert "<unicode string>" not in str(problem)


def test_a_python_object_tag_on_a_mapping_is_refused(tmp_path):
    text = HEAD + ORDERING.replace("  answer:\n", "  answer: !!python/object/apply:os.system\n")
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.line == line_of(text, "!!python/object/apply")


def test_a_duplicate_key_names_the_duplicate(tmp_path):
    text = HEAD + ORDERING.replace(
        "  solution: In that order.\n", "  solution: In that order.\n  solution: Another.\n"
    )
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.line == line_of(text, "Another.")
    assert f"first on line {line_of(text, 'In that order.')}" in problem.message
    assert "duplicate key 'solution'" in problem.message


def test_a_duplicate_answer_is_an_error(tmp_path):
    text = HEAD + textwrap.dedent("""\
        - id: sample-tf
          type: true-false
          objective: rise
          section: sec-sample
          prompt: Zhukov was born in 1896.
          answer: true
          answer: false
          solution: True.
    """)
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.line == line_of(text, "answer: false")


def test_a_duplicate_key_inside_a_matching_answer(tmp_path):
    text = HEAD + textwrap.dedent("""\
        - id: sample-match
          type: matching
          objective: rise
          section: sec-sample
          prompt: Match them.
          answer:
            Zhukov: Western Front
            Konev: Kalinin Front
            Zhukov: Reserve Front
          solution: As shown.
    """)
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert any(
        p.line == line_of(text, "Zhukov: Reserve") and "duplicate key 'Zhukov'" in p.message for p in problems
    ), problems


def test_a_key_that_is_not_a_word_is_refused(tmp_path):
    text = HEAD + ORDERING.replace(
        "  solution: In that order.\n", "  solution: In that order.\n  ? [a, b]\n  : c\n"
    )
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.line == line_of(text, "? [a, b]")


def test_deep_nesting_is_refused_quickly(tmp_path):
    """libyaml takes minutes over 100 000 nested brackets, then overflows its stack."""
    text = HEAD + ORDERING.replace(
        "  prompt: Put these in order.", "  prompt: " + "[" * 100_000 + "]" * 100_000
    )
    path = write(tmp_path, text)
    child = f"from pathlib import Path\nfrom studyguide.exercises.model import load\ntry: load(Path({str(path)!r}))\nexcept Exception as e: print(e)"
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{path}:{line_of(text, 'prompt:')}: values nested more than" in proc.stdout, proc.stdout


def test_a_control_character_names_the_file_and_line(tmp_path):
    text = HEAD + ORDERING.replace("Put these in order.", "Put these\x07 in order.")
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.line == line_of(text, "\x07")
    assert "<unicode string>" not in problem.message


def test_a_plain_file_still_loads(tmp_path):
    book = load(write(tmp_path, HEAD + ORDERING))
    assert book.exercises[0].answer == ["Khalkhin Gol", "Yelnya", "Moscow"]
