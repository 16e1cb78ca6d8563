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
    return [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if (line.strip() == needle if whole else needle in line)
    ]


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
        "answer: true", "answer:\n    - Khalkhin Gol\n    - Barbarossa"
    )
    text, problems = broken(tmp_path, body)
    problem = only(problems)
    assert problem.line == line_of(text, "answer:")
    assert "3 to 7 events in the right order" in problem.message


def test_matching_with_duplicate_partners(tmp_path):
    body = TRUE_FALSE.replace("type: true-false", "type: matching").replace(
        "answer: true", "answer:\n    Yelnya: '1941'\n    Moscow: '1941'\n    Rzhev: '1942'"
    )
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
    text, problems = broken(
        tmp_path, TRUE_FALSE.replace("prompt: Zhukov was born in 1896.", "prompt: Who won: Zhukov or Konev?")
    )
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
    body = (
        TRUE_FALSE.replace("answer: true", "answer: maybe")
        + CHOICE.replace("answer: Western Front", "answer: Kalinin Front")
        + TRUE_FALSE.replace("sample-one", "sample-two").replace("type: true-false", "type: quiz")
        + TRUE_FALSE.replace("sample-one", "sample-three")
        + "  colour: red\n"
    )
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
    return Exercise(
        id=ex_id,
        type="ordering",
        objective="rise",
        section="sec-sample",
        prompt="Put these in order.",
        solution="In order.",
        path=Path("x.yaml"),
        line=1,
    )


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


# -- Level descriptors -------------------------------------------------------------------------

ESSAY = """\
- id: sample-essay
  type: essay
  objective: rise
  section: sec-sample
  prompt: How far did Stalin trust Zhukov?
  marking: Reward a clear judgement.
  levels:
    - marks: 7-9
      descriptor: A sustained judgement.
    - marks: 4-6
      descriptor: Some judgement.
    - marks: 1-3
      descriptor: Narrative only.
  solution: A model answer.
"""


def test_levels_load_as_numbered_bands_highest_first(tmp_path):
    path = tmp_path / "ok.yaml"
    text = HEAD + ESSAY
    path.write_text(text, encoding="utf-8")
    levels = load(path).exercises[0].levels
    assert [(lv.number, lv.marks, lv.low, lv.high) for lv in levels] == [
        (3, "7-9", 7, 9),
        (2, "4-6", 4, 6),
        (1, "1-3", 1, 3),
    ]
    assert [lv.line for lv in levels] == lines_of(text, "- marks:")
    assert levels[0].descriptor == "A sustained judgement."


def test_the_sample_file_levels_include_a_zero_band():
    essay = next(e for e in load(DATA / "all-types.yaml").exercises if e.type == "essay")
    assert [(lv.number, lv.marks) for lv in essay.levels] == [(3, "4-6"), (2, "1-3"), (1, "0")]
    assert "A second paragraph." in essay.levels[1].descriptor


def test_an_essay_without_levels_is_refused(tmp_path):
    body = ESSAY.split("  levels:\n")[0] + "  solution: A model answer.\n"
    text, problems = broken(tmp_path, body)
    problem = only(problems)
    assert problem.line == line_of(text, "- id: sample-essay")
    assert "missing 'levels'" in problem.message and "marks" in problem.message


def test_an_empty_levels_field_points_at_its_line(tmp_path):
    body = ESSAY.split("  levels:\n")[0] + "  levels:\n  solution: A model answer.\n"
    text, problems = broken(tmp_path, body)
    assert only(problems).line == line_of(text, "levels:")


@pytest.mark.parametrize(
    "bad, needle, message",
    [
        ("7-9", "marks: ten", "must be a number or a range"),  # not a number
        ("7-9", "marks: 9-7", "must be a number or a range"),  # upside down
        ("4-6", "marks: 4-7", "do not follow on from 7"),  # 7 would belong to two levels
        ("1-3", "marks: 1-2", "do not follow on from 4"),  # a gap (3 belongs to no level)
    ],
)
def test_bad_marks_point_at_the_band(tmp_path, bad, needle, message):
    text, problems = broken(tmp_path, ESSAY.replace(f"marks: {bad}", needle))
    problem = only(problems)
    assert problem.line == line_of(text, needle)
    assert message in problem.message and "sample-essay" in problem.message


def test_bands_listed_lowest_first_are_refused(tmp_path):
    body = (
        ESSAY.replace("marks: 7-9", "marks: X")
        .replace("marks: 1-3", "marks: 7-9")
        .replace("marks: X", "marks: 1-3")
    )
    text, problems = broken(tmp_path, body)
    assert [p.line for p in problems] == [line_of(text, "marks: 4-6"), line_of(text, "marks: 7-9")]
    assert all("from the highest down" in p.message for p in problems)


def test_a_level_without_descriptor_or_with_a_stray_field(tmp_path):
    body = ESSAY.replace("      descriptor: Some judgement.\n", "      band: B\n")
    text, problems = broken(tmp_path, body)
    assert sorted((p.line, p.message.split(": ", 1)[1]) for p in problems) == sorted(
        [
            (line_of(text, "band: B"), "unknown field 'band' in a level (expected marks, descriptor)"),
            (line_of(text, "marks: 4-6"), "missing 'descriptor' for the level of 4-6 marks"),
        ]
    )


def test_one_band_is_not_a_scheme(tmp_path):
    body = ESSAY.replace(
        """    - marks: 4-6
      descriptor: Some judgement.
    - marks: 1-3
      descriptor: Narrative only.
""",
        "",
    )
    text, problems = broken(tmp_path, body)
    problem = only(problems)
    assert problem.line == line_of(text, "levels:") and "at least two bands" in problem.message


def test_levels_are_not_a_field_of_a_true_false(tmp_path):
    body = (
        TRUE_FALSE + "  levels:\n    - marks: 1\n      descriptor: x\n    - marks: 0\n      descriptor: y\n"
    )
    text, problems = broken(tmp_path, body)
    problem = only(problems)
    assert problem.line == line_of(text, "levels:") and "unknown field 'levels'" in problem.message


# -- Auto-marking a short answer ---------------------------------------------------------------


def short(accept: list[str]) -> Exercise:
    return Exercise(
        id="sample-short",
        type="short-answer",
        objective="rise",
        section="sec-sample",
        prompt="Which front?",
        solution="The Reserve Front.",
        path=Path("x.yaml"),
        line=1,
        answer="The Reserve Front.",
        accept=accept,
    )


@pytest.mark.parametrize(
    "accept, markable",
    [
        (["Reserve Front", "the Reserve Front"], True),
        (["10 October 1941"], True),
        (["Order No. 227"], True),
        (["one two three four"], True),
        ([], False),  # nothing to compare with
        (["one two three four five"], False),  # five words: too many phrasings
        (["Reserve Front", "the Reserve Front and Yelnya"], False),  # one long answer is enough
        (["Reserve Front, Yelnya"], False),  # a list
        (["obedient upwards; harsh downwards"], False),  # a sentence
    ],
)
def test_auto_markable_short_answers(accept, markable):
    assert short(accept).auto_markable is markable


def test_other_types_are_auto_markable_exactly_when_auto_graded():
    book = load(DATA / "all-types.yaml")
    for exercise in book.exercises:
        if exercise.type != "short-answer":
            assert exercise.auto_markable is exercise.auto_graded, exercise.id


def test_a_source_analysis_may_have_levels_but_need_not(tmp_path):
    source = """\
- id: sample-source
  type: source-analysis
  objective: rise
  section: sec-sample
  source: '"Fly there immediately."'
  attribution: Stalin, September 1941
  prompt: What does the source show?
  answer: Trust.
  solution: Trust in Zhukov.
"""
    bands = "  levels:\n    - marks: 3-4\n      descriptor: Explains.\n    - marks: 1-2\n      descriptor: Describes.\n"
    path = tmp_path / "ok.yaml"
    path.write_text(
        HEAD + source + source.replace("sample-source", "sample-banded") + bands, encoding="utf-8"
    )
    plain_one, banded = load(path).exercises
    assert plain_one.levels == [] and [lv.marks for lv in banded.levels] == ["3-4", "1-2"]
