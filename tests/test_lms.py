"""The learning-platform exports: GIFT and Moodle XML built from the real book.

The book is built once with the same driver as ``make lms``; the files are then read with
a small GIFT checker written here and with lxml, and compared with the exercise YAML files
loaded independently, so a question that goes missing or changes type is caught.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from conftest import conf
from studyguide.exercises.model import load
from studyguide.lms import gift as gift_format
from studyguide.lms import moodle as moodle_format
from studyguide.lms import text as lms_text

ROOT = Path(__file__).parents[1]
EPOCH = "1764028800"
BASENAME = conf("studyguide_basename")
ROOT_CATEGORY = "Stalin and Zhukov"
GIFT_TYPES = {"multiple-choice": "mc", "true-false": "tf", "matching": "match",
              "ordering": "match", "short-answer": "short"}
MOODLE_TYPES = {"multiple-choice": "multichoice", "true-false": "truefalse", "matching": "matching",
                "ordering": "matching", "short-answer": "shortanswer"}


def auto_gradable(exercise) -> bool:
    """Counted here, not imported, so the test does not share the export's definition."""
    return exercise.type in ("multiple-choice", "true-false", "matching", "ordering") or (
        exercise.type == "short-answer" and bool(exercise.accept))


def build_lms(build_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "studyguide.build", "lms", "--build-dir", str(build_dir), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
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
    """id -> (chapter title, Exercise) for every exercise a platform can mark."""
    return {e.id: (title, e) for title, exercises in chapters for e in exercises if auto_gradable(e)}


# -- A small GIFT checker ------------------------------------------------------------------

def unescaped(text: str, chars: str) -> list[int]:
    """Positions of the characters of ``chars`` in ``text`` that no backslash escapes."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            found.append(i)
        i += 1
    return found


def split_unescaped(text: str, char: str) -> list[str]:
    cuts = unescaped(text, char)
    return [text[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(text)])]


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def parse_gift(text: str) -> list[dict]:
    """Categories and questions of a GIFT file; fails with the offending block if malformed.

    Blocks are separated by blank lines and ``//`` lines are comments, as in Moodle's reader.
    Each question must read ``::name::text{answers}`` with exactly one unescaped pair of
    braces closing the block, and its answers must have the shape of one known type.
    """
    items: list[dict] = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [line for line in block.splitlines() if not line.strip().startswith("//")]
        body = "\n".join(lines).strip()
        if not body:
            continue
        if body.startswith("$CATEGORY:"):
            assert "\n" not in body, block
            items.append({"category": body.removeprefix("$CATEGORY:").strip()})
            continue
        assert body.startswith("::"), f"question without a name:\n{block}"
        colons = unescaped(body, ":")
        name_end = next(i for i in colons if i > 1 and i + 1 in colons)
        name, rest = body[2:name_end], body[name_end + 2:]
        opens, closes = unescaped(rest, "{"), unescaped(rest, "}")
        assert len(opens) == 1 and len(closes) == 1, f"unbalanced braces:\n{block}"
        assert opens[0] < closes[0] == len(rest) - 1, f"answers must close the question:\n{block}"
        question = rest[:opens[0]]
        assert question.strip() and "\n" not in question, f"bad question text:\n{block}"
        answers = rest[opens[0] + 1:-1]
        feedback = ""
        if "####" in answers:
            answers, feedback = answers.rsplit("####", 1)
        items.append({"name": unescape(name), "text": unescape(question), "feedback": unescape(feedback.strip()),
                      **classify(answers.strip(), block)})
    return items


def classify(answers: str, block: str) -> dict:
    if answers in ("T", "F", "TRUE", "FALSE"):
        return {"type": "tf", "answer": answers.startswith("T")}
    marks = unescaped(answers, "=~")
    assert marks and marks[0] == 0, f"answers must start with = or ~:\n{block}"
    entries = [(answers[a], answers[a + 1:b].strip()) for a, b in zip(marks, [*marks[1:], len(answers)])]
    assert all(value for _, value in entries), f"empty answer:\n{block}"
    if any(mark == "~" for mark, _ in entries):
        right = [unescape(value) for mark, value in entries if mark == "="]
        assert len(right) == 1, f"a multiple choice needs exactly one '=':\n{block}"
        return {"type": "mc", "right": right[0],
                "choices": [unescape(value) for _, value in entries]}
    if all("->" in value for _, value in entries):
        pairs = [tuple(unescape(part).strip() for part in value.split("->", 1)) for _, value in entries]
        return {"type": "match", "pairs": pairs}
    assert not any("->" in value for _, value in entries), f"mixed matching and short answers:\n{block}"
    return {"type": "short", "accept": [unescape(value) for _, value in entries]}


@pytest.fixture(scope="session")
def gift(lms) -> list[dict]:
    return parse_gift((lms / f"{BASENAME}.gift").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def quiz(lms):
    return etree.parse(str(lms / f"{BASENAME}-moodle.xml")).getroot()


# -- The built files -----------------------------------------------------------------------

def test_the_three_banks_are_published(lms):
    assert sorted(p.name for p in lms.iterdir()) == [
        f"{BASENAME}-moodle.xml", f"{BASENAME}-qti21.zip", f"{BASENAME}.gift"]


def test_the_real_exercises_include_every_exportable_type(expected):
    assert {e.type for _, e in expected.values()} == set(GIFT_TYPES)


def test_gift_has_one_category_per_chapter_in_order(gift, chapters):
    categories = [item["category"] for item in gift if "category" in item]
    assert categories == [f"{ROOT_CATEGORY}/{title}" for title, _ in chapters]


def test_gift_holds_exactly_the_auto_gradable_exercises(lms, gift, chapters, expected):
    names = [item["name"] for item in gift if "name" in item]
    assert len(names) == len(set(names))
    assert set(names) == set(expected)
    raw = (lms / f"{BASENAME}.gift").read_text(encoding="utf-8")
    every_id = {e.id for _, exercises in chapters for e in exercises}
    left_out = every_id - set(expected)  # essays, source analyses, open short answers
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
        assert item["type"] == GIFT_TYPES[exercise.type], exercise.id
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
                (event, str(n)) for n, event in enumerate(exercise.answer, 1)]
            assert [left for left, _ in item["pairs"]] != exercise.answer  # not given away
        else:
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
        assert question.get("type") == MOODLE_TYPES[exercise.type], name
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
        else:
            assert [a.findtext("text") for a in answers] == exercise.accept, name
            assert {a.get("fraction") for a in answers} == {"100"}, name


def test_question_count_per_type(quiz, expected):
    counts: dict[str, int] = {}
    for question in quiz.findall("question"):
        counts[question.get("type")] = counts.get(question.get("type"), 0) + 1
    wanted: dict[str, int] = {}
    for _, exercise in expected.values():
        wanted[MOODLE_TYPES[exercise.type]] = wanted.get(MOODLE_TYPES[exercise.type], 0) + 1
    assert {k: v for k, v in counts.items() if k != "category"} == wanted


def test_a_rebuild_gives_the_same_bytes(lms, tmp_path):
    proc = build_lms(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in (f"{BASENAME}.gift", f"{BASENAME}-moodle.xml"):
        assert (tmp_path / "lms" / name).read_bytes() == (lms / name).read_bytes(), name


# -- The export functions on plain data ----------------------------------------------------

DATA = ROOT / "tests" / "unit" / "data" / "all-types.yaml"
LABELS = {"sec-sample": "The Western Front"}
CITATIONS = {"roberts2012": "Roberts 2012"}


def test_gift_escaping():
    assert gift_format.escape_gift("plain text") == "plain text"
    assert gift_format.escape_gift("a~b=c#d{e}f:g") == r"a\~b\=c\#d\{e\}f\:g"
    assert gift_format.escape_gift("C:\\path") == r"C\:\\path"
    assert gift_format.escape_gift("one\n\ntwo") == r"one\n\ntwo"
    assert unescape(gift_format.escape_gift("x = {y}: ~z # \\ \n")) == "x = {y}: ~z # \\ \n"


def test_myst_becomes_plain_text():
    text = ("The {term}`Front`, {term}`the front <Western Front>` and **bold** *italic* `code`;\n"
            "see {ref}`sec-sample`, {ref}`sec-missing`, {ref}`that map <fig-map>` "
            "{cite:p}`roberts2012,glantz1999`.\n\n- **Item:** one\n- two\n  continued")
    assert lms_text.plain(text, LABELS, CITATIONS) == [
        "The Front, the front and bold italic code; see The Western Front, sec-missing, "
        "that map (Roberts 2012; glantz1999).",
        "- Item: one\n- two continued",
    ]
    assert lms_text.plain("2 * 3 * 4 and a*b") == ["2 * 3 * 4 and a*b"]


def test_plain_data_exports():
    exercises = load(DATA).exercises
    chapters = [("Sample / one", exercises)]
    gift_text = gift_format.gift(chapters, ROOT_CATEGORY, LABELS, CITATIONS)
    items = parse_gift(gift_text)
    assert items[0] == {"category": f"{ROOT_CATEGORY}/Sample // one"}
    assert [i["name"] for i in items[1:]] == [
        "sample-choice", "sample-true", "sample-order", "sample-match", "sample-short"]
    choice = items[1]
    assert choice["right"] == "Western Front" and "Leningrad Front: north" in choice["choices"]
    assert choice["text"] == "Which Front did Zhukov command in October 1941?"
    assert choice["feedback"] == ("The Western Front; see The Western Front and the map (Roberts 2012)."
                                  "\n\nA second paragraph with a # hash, an = sign and {braces}.")
    assert items[3]["text"].endswith("from 1 (the earliest) to 4.")
    assert items[5]["accept"] == ["Reserve Front", "the Reserve Front"]

    xml = moodle_format.moodle_xml(chapters, ROOT_CATEGORY, LABELS, CITATIONS)
    quiz = etree.fromstring(xml.encode("utf-8"))
    assert [q.get("type") for q in quiz] == [
        "category", "multichoice", "truefalse", "matching", "matching", "shortanswer"]
    assert quiz[1].findtext("hint/text") == "<p>It covered Moscow.</p>"
    assert quiz[1].findtext("generalfeedback/text").count("<p>") == 2
    # Same input, same bytes, whatever the process's hash seed.
    assert gift_format.gift(chapters, ROOT_CATEGORY, LABELS, CITATIONS) == gift_text
    assert moodle_format.moodle_xml(chapters, ROOT_CATEGORY, LABELS, CITATIONS) == xml


def test_cdata_and_html_are_escaped():
    exercise = next(e for e in load(DATA).exercises if e.id == "sample-short")
    exercise.prompt = "Is 1 < 2 & ]]> safe?"
    exercise.accept = ["1 < 2 & ]]> 3"]
    quiz = etree.fromstring(moodle_format.moodle_xml([("T", [exercise])], ROOT_CATEGORY).encode())
    assert quiz.findtext("question[2]/questiontext/text") == "<p>Is 1 &lt; 2 &amp; ]]&gt; safe?</p>"
    assert quiz.findtext("question[2]/answer/text") == "1 < 2 & ]]> 3"


@pytest.mark.parametrize("bad", [
    "::q::Text{=a ~b",                 # brace never closed
    "::q::Text{=a ~b} more{=c}",       # two answer blocks
    "::q::Text {=a =b ~c}",            # multiple choice with two right answers
    "::q::Text{~a ~b}",                # multiple choice with no right answer
    "Text{T}",                         # no name
    "::q::Text{=a -> 1 =b}",           # matching mixed with a short answer
])
def test_the_gift_checker_rejects_malformed_questions(bad):
    with pytest.raises(AssertionError):
        parse_gift(bad)


# -- QTI 2.1 -----------------------------------------------------------------------------------

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


def test_qti_package_lists_every_item_and_each_item_keys_the_right_answer(lms, chapters):
    import zipfile

    with zipfile.ZipFile(lms / f"{BASENAME}-qti21.zip") as package:
        names = set(package.namelist())
        manifest = etree.fromstring(package.read("imsmanifest.xml"))
        hrefs = [r.get("href") for r in manifest.iter(f"{CP}resource")]
        assert len(hrefs) == len(set(hrefs)) and set(hrefs) == names - {"imsmanifest.xml"}
        expected_ids = [e.id for _, exercises in chapters for e in exercises if auto_gradable(e)]
        assert [h.removeprefix("items/").removesuffix(".xml") for h in hrefs] == expected_ids
        for _, exercises in chapters:
            for exercise in filter(auto_gradable, exercises):
                item = etree.fromstring(package.read(f"items/{exercise.id}.xml"))
                assert item.tag == f"{QTI}assessmentItem" and item.get("identifier") == exercise.id
                values = [v.text for v in item.iter(f"{QTI}value")]
                body = item.find(f"{QTI}itemBody")
                if exercise.type in ("multiple-choice", "true-false"):
                    choices = [c.text for c in body.iter(f"{QTI}simpleChoice")]
                    right = exercise.answer if exercise.type == "multiple-choice" else (
                        "True" if exercise.answer else "False")
                    assert choices[int(values[0][1:])] == right
                elif exercise.type == "ordering":
                    shown = {c.get("identifier"): c.text for c in body.iter(f"{QTI}simpleChoice")}
                    assert [shown[v] for v in values] == list(exercise.answer)
                    assert list(shown.values()) != list(exercise.answer)  # shown shuffled
                elif exercise.type == "matching":
                    choice = {c.get("identifier"): c.text for c in body.iter(f"{QTI}simpleAssociableChoice")}
                    pairs = dict(v.split() for v in values)
                    assert {choice[k]: choice[v] for k, v in pairs.items()} == exercise.answer
                else:
                    keys = [m.get("mapKey") for m in item.iter(f"{QTI}mapEntry")]
                    assert keys == exercise.accept
