"""The question banks from the doctree: a tiny book built in-process with ``-b lms``.

tests/roots/sample holds one chapter with an exercise of every type (tests/unit/data/all-types.yaml)
and one whose text is hostile to every format: GIFT's reserved characters and HTML. The files
are read back with tests/gift_reader.py (Moodle's reading rules) and with lxml.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from studyguide.lms import text as lms_text

from gift_reader import parse_gift
from inprocess import build_sample

SCRIPT = "<script>alert(1)</script>"
HOSTILE_PROMPT = f"Is {SCRIPT} with {{braces}}, = and ~ and # and : a\\b text?"
HOSTILE_CHOICE = "<b>bold</b> {x} = ~ # :"
QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"


@pytest.fixture(scope="module")
def lms(tmp_path_factory) -> Path:
    return build_sample(tmp_path_factory.mktemp("lms"), "lms")


@pytest.fixture(scope="module")
def gift(lms) -> list[dict]:
    return parse_gift((lms / "stalin-zhukov.gift").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def quiz(lms):
    return etree.parse(str(lms / "stalin-zhukov-moodle.xml")).getroot()


def by_name(items: list[dict]) -> dict[str, dict]:
    return {item["name"]: item for item in items if "name" in item}


def test_roles_show_what_the_book_prints(gift):
    items = by_name(gift)
    assert [i["category"] for i in gift if "category" in i] == [
        "Stalin and Zhukov/Sample // one",
        "Stalin and Zhukov/Hostile text",
    ]
    assert list(items) == [
        "sample-choice",
        "sample-true",
        "sample-order",
        "sample-match",
        "sample-short",
        "sample-short-open",
        "hostile-choice",
        "hostile-match",
        "hostile-short",
    ]
    choice = items["sample-choice"]
    assert choice["format"] == "plain"
    assert choice["text"] == "Which Front did Zhukov command in October 1941?"
    assert choice["right"] == "Western Front" and "Leningrad Front: north" in choice["choices"]
    # {term} shows its text, {ref} the section's title or the link text, {cite:p} the book's citation.
    assert choice["feedback"] == (
        "The Western Front; see The Western Front and the map [Roberts, 2012]."
        "\n\nA second paragraph with a # hash, an = sign and {braces}."
    )
    assert (
        items["sample-order"]["text"]
        == "Put these in order.\n\nGive each event its position in the sequence, from 1 (the earliest) to 4."
    )
    assert items["sample-short"]["accept"] == ["Reserve Front", "the Reserve Front"]
    assert items["sample-short"]["feedback"] == "The Reserve Front."  # not the model answer


def test_moodle_keeps_the_books_emphasis_and_drops_its_links(quiz):
    questions = {q.findtext("name/text"): q for q in quiz.findall("question") if q.get("type") != "category"}
    choice = questions["sample-choice"]
    assert choice.findtext("questiontext/text") == (
        "<p>Which Front did Zhukov command in <strong>October 1941</strong>?</p>"
    )
    assert choice.findtext("hint/text") == "<p>It covered <em>Moscow</em>.</p>"
    feedback = choice.findtext("generalfeedback/text")
    assert feedback.count("<p>") == 2 and "<a " not in feedback and "<span" not in feedback
    assert "Draws on" not in feedback
    assert [q.get("type") for q in quiz] == [
        "category",
        "multichoice",
        "truefalse",
        "matching",
        "matching",
        "shortanswer",
        "essay",
        "category",
        "multichoice",
        "matching",
        "shortanswer",
    ]


def test_hostile_text_reaches_gift_as_text(gift):
    item = by_name(gift)["hostile-choice"]
    assert item["format"] == "plain"  # Moodle shows [plain] text as text, never as HTML
    assert item["text"] == HOSTILE_PROMPT
    assert item["right"] == HOSTILE_CHOICE
    assert item["choices"] == [HOSTILE_CHOICE, "[html] a marker"]
    assert item["feedback"] == "Yes: <script>alert(1)</script> {braces} = ~ # : stay text."


PAIRS = {
    "Moscow -> Kiev {x}": "1941 -> 1942",
    "%50% of the front": "[html] <b>x</b>",
    "[plain] a = b": "c: d # e ~ f \\ g",
}
ACCEPT = ["[1941]", "%10% or 1941", "a=b {c}~#:"]


def test_what_moodle_would_take_for_syntax_is_escaped(gift):
    """A leading [ (a format), a leading % (a weight), -> on the left of a pair (the cut)."""
    items = by_name(gift)
    match = items["hostile-match"]
    assert match["type"] == "match" and dict(match["pairs"]) == PAIRS
    assert match["text"] == "Match each <i>item</i>."
    assert match["feedback"] == "[html] <p>Three pairs.</p>"
    short = items["hostile-short"]
    assert short["type"] == "short" and short["accept"] == ACCEPT


def test_hostile_text_reaches_moodle_and_qti_as_text(lms, quiz):
    question = next(q for q in quiz.findall("question") if q.findtext("name/text") == "hostile-choice")
    html = question.findtext("questiontext/text")
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    assert fragment.text_content() == HOSTILE_PROMPT
    assert fragment.find(".//script") is None
    answers = [
        lxml.html.fragment_fromstring(a.findtext("text"), create_parent="div")
        for a in question.findall("answer")
    ]
    assert [a.text_content() for a in answers] == [HOSTILE_CHOICE, "[html] a marker"]
    assert all(a.find(".//b") is None for a in answers)
    with zipfile.ZipFile(lms / "stalin-zhukov-qti21.zip") as package:
        item = etree.fromstring(package.read("items/hostile-choice.xml"))
    body = item.find(f"{QTI}itemBody")
    assert [p.text for p in body.findall(f"{QTI}p")] == [HOSTILE_PROMPT]
    assert [c.text for c in body.iter(f"{QTI}simpleChoice")] == [HOSTILE_CHOICE, "[html] a marker"]
    assert not list(item.iter(f"{QTI}script")) and not list(item.iter("script"))
    match = next(q for q in quiz.findall("question") if q.findtext("name/text") == "hostile-match")
    shown = {
        lxml.html.fragment_fromstring(sub.findtext("text"), create_parent="div").text_content(): sub.findtext(
            "answer/text"
        )
        for sub in match.findall("subquestion")
    }
    assert shown == PAIRS
    short = next(q for q in quiz.findall("question") if q.findtext("name/text") == "hostile-short")
    assert [a.findtext("text") for a in short.findall("answer")] == ACCEPT


def test_raw_html_in_a_doctree_is_written_as_text():
    """What MyST makes of raw HTML (a raw node), should it ever reach an exercise."""
    from docutils import nodes

    paragraph = nodes.paragraph(
        "", "", nodes.Text("Before "), nodes.raw("", SCRIPT, format="html"), nodes.Text(" after {x}")
    )
    rich = lms_text.render([paragraph])
    assert rich.text == f"Before {SCRIPT} after {{x}}"
    assert lxml.html.fragment_fromstring(rich.html, create_parent="div").text_content() == rich.text
    assert "<script" not in rich.html


def test_images_and_links_into_the_book_become_text():
    from docutils import nodes

    paragraph = nodes.paragraph(
        "",
        "",
        nodes.Text("See "),
        nodes.reference("", "the map", refuri="../chapters/x.html#fig"),
        nodes.Text(" "),
        nodes.image(uri="_images/map.png", alt="a map"),
    )
    rich = lms_text.render([paragraph])
    assert rich.text == "See the map a map"
    assert rich.html == "<p>See the map a map</p>"
