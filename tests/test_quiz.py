"""`make quiz`: versions whose order differs, keys that match their papers, the same bytes
on a rebuild, and a bad quiz file stopped with its file and line.

The papers and keys are read back from the PDFs and checked against the exercise YAML,
not against the code that made them.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pypdf
import pytest
import yaml

from studyguide.exercises.model import load
from studyguide.quiz import spec

from conftest import ROOT, run_build

EXAMPLE = ROOT / "quizzes" / "example.yaml"
MARKS = {i["id"]: i["marks"] for i in yaml.safe_load(EXAMPLE.read_text())["items"] if "marks" in i}
BANK = {e.id: e for path in sorted((ROOT / "exercises").glob("*.yaml")) for e in load(path).exercises}


def bank() -> list[spec.Chapter]:
    chapters = []
    for path in sorted((ROOT / "exercises").glob("*.yaml")):
        book = load(path)
        chapters.append(
            spec.Chapter(path.stem, book.chapter, path.stem.split("-")[0], path.stem, book.exercises)
        )
    return chapters


def text(path: Path) -> str:
    raw = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    return raw.replace("\u2010\n", "")  # a word hyphenated at a line's end


def flat(value: str) -> str:
    value = value.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))
    return " ".join(value.split())


def blocks(paper: str) -> dict[int, str]:
    """Question number -> its text, from a paper's or key's text."""
    parts = re.split(r"(?m)^Question (\d+) ", paper)
    return {int(n): flat(body) for n, body in zip(parts[1::2], parts[2::2])}


def prompt_start(exercise) -> str:
    return flat(re.split(r"[{`]", exercise.prompt)[0])[:40]


# -- the quiz file, without Sphinx ---------------------------------------------------------


def write(tmp_path: Path, body: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "body, line, message",
    [
        (
            "title: T\nitems:\n  - id: defences-siege-start\n  - id: no-such-exercise\n",
            4,
            "unknown exercise id 'no-such-exercise'",
        ),
        (
            "title: T\nitems:\n  - from: 3-failures\n    count: 3\n    type: essay\n",
            4,
            "count 3 from chapter '3-failures', but it has only 1 exercises of type essay",
        ),
        ("title: T\nitems:\n  - from: 9\n    count: 1\n", 3, "no chapter '9' in the book"),
        ("title: T\nversion: 2\nitems:\n  - id: defences-siege-start\n", 2, "unknown key 'version'"),
        ("title: T\nitems:\n  - id: defences-siege-start\n    mark: 2\n", 4, "unknown key 'mark' in an item"),
        ("title: T\nitems:\n  - id: defences-siege-start\n  - {id: x\n", 5, "YAML syntax"),
        (
            "title: T\nitems:\n  - id: defences-siege-start\n  - id: defences-siege-start\n",
            4,
            "already in the quiz (line 3)",
        ),
        (
            "title: T\nitems:\n  - id: failures-blame-essay\n    marks: 5\n",
            4,
            "marked by its level descriptors",
        ),
        ("title: T\nversions: 40\nitems:\n  - id: defences-siege-start\n", 2, "'versions' must be"),
        ('title: "a\\n$CATEGORY: x"\nitems:\n  - id: defences-siege-start\n', 1, "'title' must be one line"),
    ],
)
def test_a_bad_quiz_file_names_its_file_and_line(tmp_path, body, line, message):
    path = write(tmp_path, body)
    with pytest.raises(spec.QuizFileError) as err:
        spec.select(spec.read(path), bank())
    assert any(str(p).startswith(f"{path}:{line}: ") and message in p.message for p in err.value.problems), (
        str(err.value)
    )


def test_versions_are_reproducible_and_differ_in_order():
    quiz = spec.read(EXAMPLE)
    items = spec.select(quiz, bank())
    first, again = spec.versions(quiz, items), spec.versions(quiz, spec.select(quiz, bank()))
    ids = [[e.exercise.id for e in v.entries] for v in first]
    assert ids == [[e.exercise.id for e in v.entries] for v in again]
    assert len(ids) == 2 and ids[0] != ids[1] and sorted(ids[0]) == sorted(ids[1])
    named = [i["id"] for i in yaml.safe_load(EXAMPLE.read_text())["items"] if "id" in i]
    assert set(named) <= set(ids[0])
    drawn = [i.exercise for i in items if i.chapter.key == "3-failures"]
    assert len(drawn) == 5 and {e.type for e in drawn[:4]} <= {"multiple-choice", "true-false"}
    other = spec.select(spec.Quiz(**{**quiz.__dict__, "seed": quiz.seed + 1}), bank())
    assert [i.exercise.id for i in other] != [i.exercise.id for i in items]  # the seed draws


# -- the real build ------------------------------------------------------------------------


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def quiz_build(tmp_path_factory):
    """`make quiz` on the example, twice (the second from the kept parse)."""
    root = tmp_path_factory.mktemp("quiz")
    first = run_build(root, "quiz", env={"QUIZ": str(EXAMPLE)})
    assert first.returncode == 0, first.output
    out = root / "quiz" / "example"
    before = digests(out)
    second = run_build(root, "quiz", env={"QUIZ": str(EXAMPLE)})
    assert second.returncode == 0, second.output
    return root, out, before


def test_second_run_gives_the_same_bytes(quiz_build):
    _root, out, before = quiz_build
    assert before == digests(out)
    assert set(before) == {
        f"example-{v}{k}.{f}" for v in "AB" for k in ("", "-key") for f in ("pdf", "docx")
    } | {"example.gift", "example-moodle.xml", "example-qti21.zip"}


def test_the_editable_papers_open_in_an_office_suite_with_the_same_questions(quiz_build, tmp_path):
    from test_docx import convert

    _root, out, _ = quiz_build
    files = sorted(out.glob("*.docx"))
    convert(files, tmp_path)
    for path in files:
        printed, edited = blocks(text(out / f"{path.stem}.pdf")), blocks(text(tmp_path / f"{path.stem}.pdf"))
        assert sorted(printed) == sorted(edited) == list(range(1, 10))
        for k, body in printed.items():  # the same question at the same place, in the same words
            assert body[:40] == edited[k][:40], (path.name, k)
        if path.stem.endswith("-key"):
            assert all(
                "Answer:" in edited[k] or "Model answer" in edited[k] or "Marking" in edited[k]
                for k in edited
            )


def test_each_key_matches_its_version(quiz_build):
    _root, out, _ = quiz_build
    orders = []
    for letter in "AB":
        paper, key = text(out / f"example-{letter}.pdf"), text(out / f"example-{letter}-key.pdf")
        assert "Name" in paper and "Class" in paper and "Date" in paper and f"Version {letter}" in paper
        questions, answers = blocks(paper), blocks(key)
        assert len(questions) == len(answers) == 9
        order, total = [], 0
        for k in sorted(questions):
            found = re.search(r"\(([a-z0-9-]+)\), (\d+) marks?", answers[k])
            ex_id, marks = found.group(1), int(found.group(2))
            exercise = BANK[ex_id]
            order.append(ex_id)
            total += marks
            if ex_id in MARKS:
                assert marks == MARKS[ex_id]
            if exercise.levels:  # the mark bands, from the top band's marks down
                assert marks == exercise.levels[0].high and "Level descriptors" in answers[k]
                for level in exercise.levels:
                    assert f"Level {level.number} {level.marks} " in answers[k]
            assert prompt_start(exercise) in questions[k], (letter, k, ex_id)
            assert "Answer:" not in questions[k] and "Draws on" not in questions[k]
            if exercise.type in ("multiple-choice", "true-false"):
                right = (
                    exercise.answer if exercise.type == "multiple-choice" else str(exercise.answer).title()
                )
                chosen = re.search(r"Answer: ([A-F]) \(", answers[k]).group(1)
                assert f"{chosen}. {flat(right)}" in questions[k], (letter, k, ex_id)
            elif exercise.type == "ordering":
                printed = re.findall(
                    r"(\d+): (.+?)(?= \d+: | Put | Number |$)", answers[k].split("Answer:")[1]
                )
                positions = {event: n for n, event in enumerate(exercise.answer, 1)}
                for number, event in printed:
                    event = next(e for e in exercise.answer if flat(event).startswith(flat(e)))
                    assert int(number) == positions[event]
                shown = [next(e for e in exercise.answer if flat(p).startswith(flat(e))) for _, p in printed]
                where = [questions[k].index(flat(e)) for e in shown]
                assert where == sorted(where)  # the key lists them as the paper prints them
            elif exercise.type == "matching":
                for left, partner in exercise.answer.items():
                    letter_of = re.search(re.escape(flat(left)) + r": ([A-G]) \(", answers[k]).group(1)
                    assert f"{letter_of}. {flat(partner)[:25]}" in questions[k]
        assert f"Version {letter} · {total} marks" in paper
        orders.append(order)
    assert orders[0] != orders[1] and sorted(orders[0]) == sorted(orders[1])


def test_the_bank_has_the_quiz_as_its_one_category(quiz_build):
    _root, out, _ = quiz_build
    gift = (out / "example.gift").read_text()
    title = yaml.safe_load(EXAMPLE.read_text())["title"]
    categories = re.findall(r"^\$CATEGORY: (.+)$", gift, re.M)
    assert len(categories) == 1 and categories[0] == f"Stalin and Zhukov/{title}"
    quiz = spec.read(EXAMPLE)
    ids = {i.exercise.id for i in spec.select(quiz, bank()) if i.exercise.type != "essay"}
    assert set(re.findall(r"^::([a-z0-9-]+)::", gift, re.M)) == ids
    assert gift.count("::failures-blame-essay::") == 0  # an essay is a teacher's, not a platform's


def test_markup_in_a_quiz_file_is_printed_as_text(quiz_build, tmp_path):
    root, _out, _ = quiz_build
    quiz = write(
        tmp_path,
        'title: "Test <i>one</i> & two"\ntime: "<b>40</b> minutes"\n'
        'instructions: <img src="file:///etc/passwd" alt="x">\n'
        "items:\n  - id: defences-siege-start\n",
        name="hostile-text.yaml",
    )
    build = run_build(root, "quiz", env={"QUIZ": str(quiz)})
    assert build.returncode == 0, build.output
    paper = flat(text(root / "quiz" / "hostile-text" / "hostile-text-A.pdf"))
    assert "Test <i>one</i> & two" in paper and "<b>40</b> minutes" in paper
    assert '<img src="file:///etc/passwd" alt="x">' in paper


def test_a_bad_quiz_file_stops_the_build_and_keeps_the_last_quiz(quiz_build, tmp_path):
    root, out, before = quiz_build
    bad = write(
        tmp_path,
        "title: T\nitems:\n  - id: defences-siege-start\n  - from: 3-failures\n"
        "    count: 40\n  - id: defences-siege-stat\n",
    )
    build = run_build(root, "quiz", env={"QUIZ": str(bad)})
    assert build.returncode != 0
    assert f"{bad}:5:" in build.output and "count 40 from chapter '3-failures'" in build.output
    assert f"{bad}:6:" in build.output and "did you mean 'defences-siege-start'" in build.output
    assert not (root / "quiz" / "bad").exists() and digests(out) == before
