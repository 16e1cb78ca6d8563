"""The learning-platform exports: GIFT and Moodle XML built from the real book.

The book is built once with the same driver as ``make lms``; the files are then read with
the GIFT reader of tests/gift_reader.py (Moodle's reading rules) and with lxml, and compared with the exercise YAML files
loaded independently, so a question that goes missing or changes type is caught.
"""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from studyguide.exercises.model import load
from studyguide.lms import gift as gift_format
from studyguide.lms import moodle as moodle_format
from studyguide.lms import qti as qti_format
from studyguide.lms import text as lms_text

from conftest import conf
from gift_reader import parse_gift, unescape, with_format

ROOT = Path(__file__).parents[1]
EPOCH = "1764028800"
BASENAME = conf("studyguide_basename")
ROOT_CATEGORY = "Stalin and Zhukov"
GIFT_TYPES = {
    "multiple-choice": "mc",
    "true-false": "tf",
    "matching": "match",
    "ordering": "match",
    "short-answer": "short",
}
QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
MOODLE_TYPES = {
    "multiple-choice": "multichoice",
    "true-false": "truefalse",
    "matching": "matching",
    "ordering": "matching",
    "short-answer": "shortanswer",
}


MAX_WORDS = 4  # the rule of CONTRIBUTING.md: an auto-marked answer is at most four words


def markable(answer: str) -> bool:
    """One accepted answer a platform can match whole: a few words, not a list or sentence."""
    return len(answer.split()) <= MAX_WORDS and "," not in answer and ";" not in answer


def auto_gradable(exercise) -> bool:
    """Counted here, not imported, so the test does not share the export's definition."""
    return exercise.type in ("multiple-choice", "true-false", "matching", "ordering") or (
        exercise.type == "short-answer"
        and bool(exercise.accept)
        and all(markable(a) for a in exercise.accept)
    )


def teacher_marked(exercise) -> bool:
    """A short answer no fixed list can mark: exported for a teacher, as an essay question."""
    return exercise.type == "short-answer" and not auto_gradable(exercise)


def exported(exercise) -> bool:
    return auto_gradable(exercise) or teacher_marked(exercise)


def build_lms(build_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "studyguide.build", "lms", "--build-dir", str(build_dir), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )


@pytest.fixture(scope="session")
def lms(tmp_path_factory) -> Path:
    build_dir = tmp_path_factory.mktemp("lms")
    proc = build_lms(build_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return build_dir / "lms"


@pytest.fixture(scope="session")
def chapters() -> list[tuple[str, list]]:
    """(chapter title, exercises) per exercise file, in chapter order (1-..., 2-..., ...)."""
    out = []
    for path in sorted((ROOT / "exercises").glob("*.yaml")):
        book = load(path)
        source = (ROOT / "book" / f"{book.chapter}.md").read_text(encoding="utf-8")
        title = re.search(r"^# (.+)$", source, re.M).group(1).strip()
        out.append((title, book.exercises))
    return out


@pytest.fixture(scope="session")
def expected(chapters) -> dict:
    """id -> (chapter title, Exercise) for every exercise in the banks (auto- or teacher-marked)."""
    return {e.id: (title, e) for title, exercises in chapters for e in exercises if exported(e)}


@pytest.fixture(scope="session")
def gift(lms) -> list[dict]:
    return parse_gift((lms / f"{BASENAME}.gift").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def quiz(lms):
    return etree.parse(str(lms / f"{BASENAME}-moodle.xml")).getroot()


# -- The built files -----------------------------------------------------------------------


def test_the_three_banks_are_published(lms):
    assert sorted(p.name for p in lms.iterdir()) == [
        f"{BASENAME}-moodle.xml",
        f"{BASENAME}-qti21.zip",
        f"{BASENAME}.gift",
    ]


def test_the_real_exercises_include_every_exportable_type(expected):
    assert {e.type for _, e in expected.values()} == set(GIFT_TYPES)
    assert any(auto_gradable(e) and e.type == "short-answer" for _, e in expected.values())
    assert any(teacher_marked(e) for _, e in expected.values())


def test_every_auto_marked_short_answer_is_markable_and_the_rest_go_to_a_teacher(gift, quiz, expected):
    """The issue's rule, read back from both banks: a short answer is auto-marked only when
    every accepted answer is a few words; every other short answer is an essay question."""
    short = {ex_id: e for ex_id, (_, e) in expected.items() if e.type == "short-answer"}
    gift_types = {item["name"]: item for item in gift if "name" in item}
    moodle = {q.findtext("name/text"): q for q in quiz.findall("question")}
    for ex_id in short:
        item, question = gift_types[ex_id], moodle[ex_id]
        if item["type"] == "short":
            assert item["accept"] and all(markable(a) for a in item["accept"]), (ex_id, item["accept"])
            assert question.get("type") == "shortanswer", ex_id
            assert all(markable(a.findtext("text")) for a in question.findall("answer")), ex_id
        else:
            assert item["type"] == "essay", ex_id
            assert question.get("type") == "essay" and not question.findall("answer"), ex_id
            # the teacher sees the model answer
            assert question.findtext("graderinfo/text").startswith("<p>"), ex_id


def test_gift_has_one_category_per_chapter_in_order(gift, chapters):
    categories = [item["category"] for item in gift if "category" in item]
    assert categories == [f"{ROOT_CATEGORY}/{title}" for title, _ in chapters]


def test_gift_holds_exactly_the_exported_exercises(lms, gift, chapters, expected):
    names = [item["name"] for item in gift if "name" in item]
    assert len(names) == len(set(names))
    assert set(names) == set(expected)
    raw = (lms / f"{BASENAME}.gift").read_text(encoding="utf-8")
    every_id = {e.id for _, exercises in chapters for e in exercises}
    left_out = every_id - set(expected)  # essays and source analyses
    assert left_out
    for ex_id in left_out:
        assert not re.search(rf"(?<![\w-]){re.escape(ex_id)}(?![\w-])", raw), ex_id


def test_gift_questions_sit_in_their_chapter(gift, expected):
    category = None
    for item in gift:
        if "category" in item:
            category = item["category"]
        else:
            assert category == f"{ROOT_CATEGORY}/{expected[item['name']][0]}", item["name"]


def test_gift_answers_match_the_yaml(gift, expected):
    for item in gift:
        if "name" not in item:
            continue
        exercise = expected[item["name"]][1]
        wanted = "essay" if teacher_marked(exercise) else GIFT_TYPES[exercise.type]
        assert item["type"] == wanted, exercise.id
        assert item["text"].strip() and item["feedback"].strip(), exercise.id
        if exercise.type == "multiple-choice":
            assert item["right"] == exercise.answer
            assert item["choices"] == exercise.choices
        elif exercise.type == "true-false":
            assert item["answer"] is exercise.answer
        elif exercise.type == "matching":
            assert sorted(item["pairs"]) == sorted(exercise.answer.items())
        elif exercise.type == "ordering":
            assert sorted(item["pairs"], key=lambda p: int(p[1])) == [
                (event, str(n)) for n, event in enumerate(exercise.answer, 1)
            ]
            assert [left for left, _ in item["pairs"]] != exercise.answer  # not given away
        elif wanted == "short":
            assert item["accept"] == exercise.accept


def test_gift_text_has_no_myst_left(gift):
    for item in gift:
        for key in ("text", "feedback"):
            value = item.get(key, "")
            assert not re.search(r"\{[a-z:]+\}`|`|\*\*|<[a-z]", value), (item.get("name"), value)


def test_moodle_xml_is_a_quiz_with_a_category_per_chapter(quiz, chapters):
    assert quiz.tag == "quiz"
    categories = [q.findtext("category/text") for q in quiz.findall("question[@type='category']")]
    assert categories == [f"{ROOT_CATEGORY}/{title}" for title, _ in chapters]


def test_moodle_questions_match_the_yaml(quiz, expected):
    questions = [q for q in quiz.findall("question") if q.get("type") != "category"]
    assert len(questions) == len(expected)
    category = None
    for question in quiz.findall("question"):
        if question.get("type") == "category":
            category = question.findtext("category/text")
            continue
        name = question.findtext("name/text")
        title, exercise = expected[name]
        assert category == f"{ROOT_CATEGORY}/{title}", name
        assert question.get("type") == (
            "essay" if teacher_marked(exercise) else MOODLE_TYPES[exercise.type]
        ), name
        assert question.find("questiontext").get("format") == "html"
        assert question.findtext("questiontext/text").startswith("<p>"), name
        assert question.findtext("generalfeedback/text").strip(), name
        answers = question.findall("answer")
        if exercise.type == "multiple-choice":
            assert question.findtext("single") == "true"
            fractions = [int(a.get("fraction")) for a in answers]
            assert sum(fractions) == 100 and fractions.count(100) == 1, name
            right = answers[fractions.index(100)].findtext("text")
            assert right == f"<p>{html.escape(exercise.answer, quote=False)}</p>", name
        elif exercise.type == "true-false":
            right = [a.findtext("text") for a in answers if a.get("fraction") == "100"]
            assert right == [str(exercise.answer).lower()], name
        elif exercise.type in ("matching", "ordering"):
            subquestions = question.findall("subquestion")
            assert len(subquestions) >= 3, name
            size = len(exercise.answer)
            assert len(subquestions) == size, name
        elif teacher_marked(exercise):
            assert not answers and question.findtext("responseformat") == "editor", name
        else:
            assert [a.findtext("text") for a in answers] == exercise.accept, name
            assert {a.get("fraction") for a in answers} == {"100"}, name


def test_question_count_per_type(quiz, expected):
    counts: dict[str, int] = {}
    for question in quiz.findall("question"):
        counts[question.get("type")] = counts.get(question.get("type"), 0) + 1
    wanted: dict[str, int] = {}
    for _, exercise in expected.values():
        kind = "essay" if teacher_marked(exercise) else MOODLE_TYPES[exercise.type]
        wanted[kind] = wanted.get(kind, 0) + 1
    assert {k: v for k, v in counts.items() if k != "category"} == wanted


def test_a_rebuild_gives_the_same_bytes(lms, tmp_path):
    proc = build_lms(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in (f"{BASENAME}.gift", f"{BASENAME}-moodle.xml"):
        assert (tmp_path / "lms" / name).read_bytes() == (lms / name).read_bytes(), name


# -- The export functions on plain data (the doctree side: tests/unit/test_lms_doctree.py) ------

DATA = ROOT / "tests" / "unit" / "data" / "all-types.yaml"


def test_gift_escaping():
    assert gift_format.escape_gift("plain text") == "plain text"
    assert gift_format.escape_gift("a~b=c#d{e}f:g") == r"a\~b\=c\#d\{e\}f\:g"
    assert gift_format.escape_gift("C:\\path") == r"C\:\\path"
    assert gift_format.escape_gift("one\n\ntwo") == r"one\n\ntwo"
    assert unescape(gift_format.escape_gift("x = {y}: ~z # \\ \n")) == "x = {y}: ~z # \\ \n"
    assert gift_format.gift_text("[html] x") == "[plain][html] x"  # else read as a format marker
    assert with_format(gift_format.gift_text("[html] x")) == ("plain", "[html] x")


def question(exercise, prompt: str, solution: str = "Because.") -> lms_text.Question:
    return lms_text.Question(exercise, lms_text.from_text(prompt), lms_text.from_text(solution))


def test_cdata_and_html_are_escaped():
    exercise = next(e for e in load(DATA).exercises if e.id == "sample-short")
    exercise.accept = ["1<2 & ]]>3"]  # short enough to stay an auto-marked answer
    chapters = [("T", [question(exercise, "Is 1 < 2 & ]]> safe?")])]
    quiz = etree.fromstring(moodle_format.moodle_xml(chapters, ROOT_CATEGORY).encode())
    assert quiz.findtext("question[2]/questiontext/text") == "<p>Is 1 &lt; 2 &amp; ]]&gt; safe?</p>"
    assert quiz.findtext("question[2]/answer/text") == "1<2 & ]]>3"
    package = qti_format.qti_package(chapters, ROOT_CATEGORY)
    item = etree.fromstring(zipfile.ZipFile(io.BytesIO(package)).read("items/sample-short.xml"))
    assert item.findtext(f"{QTI}itemBody/{QTI}p") == "Is 1 < 2 & ]]> safe?"
    assert [m.get("mapKey") for m in item.iter(f"{QTI}mapEntry")] == ["1<2 & ]]>3"]


def test_only_exportable_exercises_are_written():
    exercises = load(DATA).exercises
    chapters = [("Sample / one", [question(e, e.id) for e in exercises])]
    items = parse_gift(gift_format.gift(chapters, ROOT_CATEGORY))
    assert items[0] == {"category": f"{ROOT_CATEGORY}/Sample // one"}
    assert [i["name"] for i in items[1:]] == [
        "sample-choice",
        "sample-true",
        "sample-order",
        "sample-match",
        "sample-short",
        "sample-short-open",
    ]
    assert items[6]["type"] == "essay"
    quiz = etree.fromstring(moodle_format.moodle_xml(chapters, ROOT_CATEGORY).encode("utf-8"))
    assert [q.get("type") for q in quiz] == [
        "category",
        "multichoice",
        "truefalse",
        "matching",
        "matching",
        "shortanswer",
        "essay",
    ]
    assert quiz[6].findtext("graderinfo/text").startswith("<p>He advised that Kiev be given up.</p>")


@pytest.mark.parametrize(
    "bad",
    [
        "::q::Text{=a ~b",  # brace never closed
        "::q::Text{=a ~b} more{=c}",  # two answer blocks
        "::q::Text {=a =b ~c}",  # multiple choice with two right answers
        "::q::Text{~a ~b}",  # multiple choice with no right answer
        "Text{T}",  # no name
        "::q::Text{=a -> 1 =b}",  # matching mixed with a short answer
        "::q::Text{=a ~%50%b}",  # a wrong answer read as half right
        "::q::Text{=%50%a}",  # an accepted answer read as half right
    ],
)
def test_the_gift_checker_rejects_malformed_questions(bad):
    with pytest.raises(AssertionError):
        parse_gift(bad)


# -- QTI 2.1 -----------------------------------------------------------------------------------

CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


def test_qti_package_lists_every_item_and_each_item_keys_the_right_answer(lms, chapters):
    with zipfile.ZipFile(lms / f"{BASENAME}-qti21.zip") as package:
        names = set(package.namelist())
        manifest = etree.fromstring(package.read("imsmanifest.xml"))
        hrefs = [r.get("href") for r in manifest.iter(f"{CP}resource")]
        assert len(hrefs) == len(set(hrefs)) and set(hrefs) == names - {"imsmanifest.xml"}
        expected_ids = [e.id for _, exercises in chapters for e in exercises if exported(e)]
        assert [h.removeprefix("items/").removesuffix(".xml") for h in hrefs] == expected_ids
        for _, exercises in chapters:
            for exercise in filter(exported, exercises):
                item = etree.fromstring(package.read(f"items/{exercise.id}.xml"))
                assert item.tag == f"{QTI}assessmentItem" and item.get("identifier") == exercise.id
                values = [v.text for v in item.iter(f"{QTI}value")]
                body = item.find(f"{QTI}itemBody")
                if exercise.type in ("multiple-choice", "true-false"):
                    choices = [c.text for c in body.iter(f"{QTI}simpleChoice")]
                    right = (
                        exercise.answer
                        if exercise.type == "multiple-choice"
                        else ("True" if exercise.answer else "False")
                    )
                    assert choices[int(values[0][1:])] == right
                elif exercise.type == "ordering":
                    shown = {c.get("identifier"): c.text for c in body.iter(f"{QTI}simpleChoice")}
                    assert [shown[v] for v in values] == list(exercise.answer)
                    assert list(shown.values()) != list(exercise.answer)  # shown shuffled
                elif exercise.type == "matching":
                    choice = {c.get("identifier"): c.text for c in body.iter(f"{QTI}simpleAssociableChoice")}
                    pairs = dict(v.split() for v in values)
                    assert {choice[k]: choice[v] for k, v in pairs.items()} == exercise.answer
                elif teacher_marked(exercise):
                    assert body.find(f"{QTI}extendedTextInteraction") is not None, exercise.id
                    assert not values and item.find(f"{QTI}responseProcessing") is None, exercise.id
                else:
                    keys = [m.get("mapKey") for m in item.iter(f"{QTI}mapEntry")]
                    assert keys == exercise.accept
                    assert all(markable(k) for k in keys), exercise.id
