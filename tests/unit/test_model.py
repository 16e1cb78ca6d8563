"""Unit tests of the exercise model: what loads, and what an author is told when it does not.

Each broken file is written here, and the expected line is found in that same text, so a
test states exactly which line a teacher would be sent to.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from studyguide.exercises.model import TYPES, Exercise, ExerciseFileError, load

DATA = Path(__file__).parent / "data"
HEAD = "chapter: chapters/1-sample\nexercises:\n"

TRUE_FALSE = """\
- id: sample-one
  type: true-false
  objective: rise
  section: sec-sample
  prompt: Zhukov was born in 1896.
  answer: true
  solution: True.
"""

CHOICE = """\
- id: sample-choice
  type: multiple-choice
  objective: rise
  section: sec-sample
  prompt: Which front did Zhukov command in October 1941?
  choices:
    - Reserve Front
    - Western Front
  answer: Western Front
  solution: The Western Front.
"""


def lines_of(text: str, needle: str, whole: bool = False) -> list[int]:
    """1-based numbers of the lines of ``text`` that contain ``needle`` (or are it, stripped)."""
    return [n for n, line in enumerate(text.splitlines(), 1)
            if (line.strip() == needle if whole else needle in line)]


def line_of(text: str, needle: str, whole: bool = False) -> int:
    found = lines_of(text, needle, whole)
    assert len(found) == 1, f"{needle!r} should occur on exactly one line, found {found}"
    return found[0]


def broken(tmp_path: Path, body: str) -> tuple[str, list]:
    """Write HEAD + body, load it, and return the text and the problems it must raise."""
    text = HEAD + textwrap.dedent(body)
    path = tmp_path / "1-sample.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExerciseFileError) as info:
        load(path)
    for problem in info.value.problems:
        assert problem.path == path
    return text, info.value.problems


def only(problems: list):
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


# -- Valid files -------------------------------------------------------------------------------

def test_a_valid_file_of_every_type_loads():
    book = load(DATA / "all-types.yaml")
    text = (DATA / "all-types.yaml").read_text(encoding="utf-8")
    assert book.chapter == "chapters/1-sample"
    assert book.chapter_line == line_of(text, "chapter:")
    assert {e.type for e in book.exercises} == set(TYPES)
    by_id = {e.id: e for e in book.exercises}
    for exercise in book.exercises:
        assert exercise.line == line_of(text, f"- id: {exercise.id}", whole=True)
        assert exercise.lines["type"] == exercise.line + 1
        assert exercise.prompt and exercise.solution
    choice = by_id["sample-choice"]
    assert choice.choices == ["Reserve Front", "Western Front", "Leningrad Front: north"]
    assert choice.answer == "Western Front" and choice.difficulty == "easy"
    assert choice.lines["answer"] == line_of(text, "answer: Western Front")
    assert by_id["sample-true"].answer is True
    assert by_id["sample-order"].answer == ["Khalkhin Gol", "Barbarossa", "Yelnya", "Moscow"]
    assert by_id["sample-match"].answer == {"Khalkhin Gol": "1939", "Yelnya": "1941", "Rzhev": "1942"}
    assert by_id["sample-short"].accept == ["Reserve Front", "the Reserve Front"]
    assert by_id["sample-short-open"].accept == []
    assert by_id["sample-source"].attribution == "Stalin, September 1941"
    assert by_id["sample-essay"].marking == "Reward a clear judgement."
    assert [e.auto_graded for e in book.exercises] == [True, True, True, True, False, False, False, False]


def test_a_false_answer_is_an_answer(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(HEAD + TRUE_FALSE.replace("answer: true", "answer: false"), encoding="utf-8")
    assert load(path).exercises[0].answer is False


# -- One problem, one line ---------------------------------------------------------------------

def test_unknown_type(tmp_path):
    text, problems = broken(tmp_path, TRUE_FALSE.replace("type: true-false", "type: multi-choice"))
    problem = only(problems)
    assert problem.line == line_of(text, "type: multi-choice")
    assert "unknown type 'multi-choice'" in problem.message
    assert "multiple-choice" in problem.message  # lists the types that exist


def test_unknown_field(tmp_path):
    text, problems = broken(tmp_path, TRUE_FALSE + "  colour: red\n")
    problem = only(problems)
    assert problem.line == line_of(text, "colour: red")
    assert "unknown field 'colour'" in problem.message and "sample-one" in problem.message


def test_missing_answer(tmp_path):
    text, problems = broken(tmp_path, TRUE_FALSE.replace("  answer: true\n", ""))
    problem = only(problems)
    assert problem.line == line_of(text, "- id: sample-one")  # no answer line: the exercise's
    assert "missing 'answer'" in problem.message and "sample-one" in problem.message


def test_answer_not_among_the_choices(tmp_path):
    text, problems = broken(tmp_path, CHOICE.replace("answer: Western Front", "answer: Kalinin Front"))
    problem = only(problems)
    assert problem.line == line_of(text, "answer: Kalinin Front")
    assert "'Kalinin Front' is not one of the choices" in problem.message


def test_duplicate_id(tmp_path):
    text, problems = broken(tmp_path, TRUE_FALSE + CHOICE + TRUE_FALSE)
    first, second = lines_of(text, "- id: sample-one")
    problem = only(problems)
    assert problem.line == second
    assert problem.message.endswith(f"duplicate id 'sample-one' (first used on line {first})")


@pytest.mark.parametrize("bad", ["Sample-One", "sample_one", "sample--one", "-sample", "'42 a'"])
def test_bad_id(tmp_path, bad):
    text, problems = broken(tmp_path, TRUE_FALSE.replace("id: sample-one", f"id: {bad}"))
    problem = only(problems)
    assert problem.line == line_of(text, f"id: {bad}")
    assert "lower-case words joined by hyphens" in problem.message


@pytest.mark.parametrize("count", [1, 7])
def test_choices_count_out_of_range(tmp_path, count):
    choices = "".join(f"    - Front {n}\n" for n in range(1, count + 1))
    body = CHOICE.replace("    - Reserve Front\n    - Western Front\n", choices)
    text, problems = broken(tmp_path, body.replace("answer: Western Front", "answer: Front 1"))
    problem = only(problems)
    assert problem.line == line_of(text, "choices:")
    assert "give 2 to 6 choices" in problem.message


def test_ordering_needs_three_events(tmp_path):
    body = TRUE_FALSE.replace("type: true-false", "type: ordering").replace(
        "answer: true", "answer:\n    - Khalkhin Gol\n    - Barbarossa")
    text, problems = broken(tmp_path, body)
    problem = only(problems)
    assert problem.line == line_of(text, "answer:")
    assert "3 to 7 events in the right order" in problem.message


def test_matching_with_duplicate_partners(tmp_path):
    body = TRUE_FALSE.replace("type: true-false", "type: matching").replace(
        "answer: true", "answer:\n    Yelnya: '1941'\n    Moscow: '1941'\n    Rzhev: '1942'")
    text, problems = broken(tmp_path, body)
    problem = only(problems)
    assert problem.line == line_of(text, "answer:")
    assert "two items share a partner" in problem.message


@pytest.mark.parametrize("answer", ["maybe", "'true'", "1", "[true]"])
def test_true_false_answer_must_be_boolean(tmp_path, answer):
    text, problems = broken(tmp_path, TRUE_FALSE.replace("answer: true", f"answer: {answer}"))
    problem = only(problems)
    assert problem.line == line_of(text, f"answer: {answer}")
    assert "the answer must be true or false" in problem.message


def test_yaml_syntax_error(tmp_path):
    # The classic slip: an unquoted colon inside a one-line prompt.
    text, problems = broken(tmp_path, TRUE_FALSE.replace("prompt: Zhukov was born in 1896.",
                                                         "prompt: Who won: Zhukov or Konev?"))
    problem = only(problems)
    assert problem.line == line_of(text, "Who won:")
    assert problem.message.startswith("YAML syntax:")


def test_not_utf8(tmp_path):
    text = HEAD + TRUE_FALSE.replace("Zhukov was born", "Zhukov was born in Strelkovka (caf\xe9)")
    path = tmp_path / "1-sample.yaml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ExerciseFileError) as info:
        load(path)
    problem = only(info.value.problems)
    assert problem.line == line_of(text, "Strelkovka")
    assert "not UTF-8" in problem.message


def test_every_problem_in_a_file_is_reported(tmp_path):
    body = (TRUE_FALSE.replace("answer: true", "answer: maybe")
            + CHOICE.replace("answer: Western Front", "answer: Kalinin Front")
            + TRUE_FALSE.replace("sample-one", "sample-two").replace("type: true-false", "type: quiz")
            + TRUE_FALSE.replace("sample-one", "sample-three") + "  colour: red\n")
    text, problems = broken(tmp_path, body)
    assert [(p.line, p.message.split(": ", 1)[1]) for p in problems] == [
        (line_of(text, "answer: maybe"), "the answer must be true or false"),
        (line_of(text, "answer: Kalinin Front"), "the answer 'Kalinin Front' is not one of the choices"),
        (line_of(text, "type: quiz"), "unknown type 'quiz' (expected one of " + ", ".join(TYPES) + ")"),
        (line_of(text, "colour: red"), "unknown field 'colour' for a true-false exercise"),
    ]
    report = str(ExerciseFileError(problems))
    assert report.count(str(tmp_path / "1-sample.yaml") + ":") == 4


# -- Shuffled order ----------------------------------------------------------------------------

def make(ex_id: str) -> Exercise:
    return Exercise(id=ex_id, type="ordering", objective="rise", section="sec-sample",
                    prompt="Put these in order.", solution="In order.", path=Path("x.yaml"), line=1)


def test_shuffled_is_deterministic():
    items = ["Khalkhin Gol", "Barbarossa", "Yelnya", "Leningrad", "Moscow"]
    first = make("sample-order").shuffled(items)
    assert make("sample-order").shuffled(list(items)) == first  # a fresh object, same order
    assert sorted(first) == sorted(items)
    assert items == ["Khalkhin Gol", "Barbarossa", "Yelnya", "Leningrad", "Moscow"]  # not mutated


@pytest.mark.parametrize("size", range(2, 8))
def test_shuffled_is_never_the_identity(size):
    items = [f"event {n}" for n in range(size)]
    for n in range(300):
        shown = make(f"sample-{n}").shuffled(items)
        assert shown != items, (n, shown)
        assert sorted(shown) == sorted(items)
