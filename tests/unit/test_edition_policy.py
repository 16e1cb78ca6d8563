"""The edition and format rules (studyguide/editions.py): every module asks them, none compares names.

The table of answers is checked for the two real editions on every format, then a throwaway
edition is registered (one entry, nothing else edited) and the sample book built in-process,
to show that placement, drawing, the answer key and the download menu all follow it.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from studyguide import editions
from studyguide.editions import (
    MARKING_GUIDANCE,
    OBJECTIVES_MAP,
    TEACHING_NOTES,
    Edition,
    Format,
    policy,
)
from studyguide.exercises.model import load

from inprocess import ROOT, build_sample

SAMPLE = len(load(ROOT / "tests" / "unit" / "data" / "all-types.yaml").exercises)  # in chapter 1


def rules(builder: str, edition: str):
    return policy(SimpleNamespace(name=builder, config=SimpleNamespace(studyguide_edition=edition)))


@pytest.mark.parametrize(
    "builder, edition, on_request, apart, links, inline, downloads",
    [
        ("html", "student", True, False, False, False, ("pdf", "epub")),
        ("dirhtml", "student", True, False, False, False, ("pdf", "epub")),
        ("epub", "student", False, True, True, False, ()),
        ("pdf", "student", False, True, True, False, ()),
        ("worksheets", "student", False, True, False, False, ()),
        ("lms", "student", True, False, False, False, ()),
        ("latex", "student", False, True, True, False, ()),  # any other builder: a printed page
        ("html", "instructor", False, False, False, True, ("pdf",)),
        ("epub", "instructor", False, False, False, True, ()),
        ("pdf", "instructor", False, False, False, True, ()),
    ],
)
def test_the_rules_of_each_edition_on_each_format(
    builder, edition, on_request, apart, links, inline, downloads
):
    answer = rules(builder, edition)
    assert answer.solutions_on_request is on_request
    assert answer.solutions_apart is apart
    assert answer.links_to_key is links
    assert answer.solutions_inline is inline
    assert answer.fills_answer_key is not inline
    assert answer.downloads == downloads
    assert answer.interactive is (builder in ("html", "dirhtml", "lms"))
    assert answer.answer_space is (builder == "worksheets")
    assert answer.format.reflowable is (builder in ("html", "dirhtml", "epub", "lms"))
    # Exactly one place for a solution in every build.
    assert [answer.solutions_inline, answer.solutions_on_request, answer.solutions_apart].count(True) == 1


def test_only_the_instructor_edition_shows_teaching_material():
    for material in (TEACHING_NOTES, OBJECTIVES_MAP):
        assert rules("html", "instructor").shows(material)
        assert not rules("html", "student").shows(material)
    assert rules("pdf", "student").shows(MARKING_GUIDANCE)


TEACHER = Edition(
    "teacher",
    "the teacher's copy",
    solutions_inline=True,
    shows=frozenset({TEACHING_NOTES}),
    downloads=("epub", "pdf"),
)


@pytest.fixture
def teacher_edition(monkeypatch):
    """A new edition is one entry in editions.EDITIONS (here for this test only)."""
    monkeypatch.setitem(editions.EDITIONS, "teacher", TEACHER)
    monkeypatch.setitem(editions.FORMATS, "bigprint", Format(reflowable=False, answer_space=True))
    return TEACHER


def test_a_registered_edition_and_format_answer_from_their_entries(teacher_edition):
    assert rules("pdf", "teacher").solutions_inline
    assert rules("html", "teacher").downloads == ("epub", "pdf")
    assert rules("html", "teacher").shows(TEACHING_NOTES)
    assert not rules("html", "teacher").shows(MARKING_GUIDANCE)
    big = rules("bigprint", "student")
    assert big.answer_space and big.solutions_apart and big.links_to_key and not big.interactive


def test_a_new_edition_is_one_entry_and_every_module_follows_it(tmp_path, teacher_edition):
    out = build_sample(tmp_path, "html", "teacher")
    chapter = (out / "chapters" / "1-sample.html").read_text(encoding="utf-8")
    assert "Ask the class which edition they hold." in chapter  # teaching notes: shown
    assert "Reward a clear judgement." not in chapter  # marking guidance: not shown
    assert chapter.count('class="exercise-solution') == SAMPLE  # every solution inline, open
    assert '<details class="exercise-solution' not in chapter and "A model answer." in chapter
    key = (out / "key.html").read_text(encoding="utf-8")
    assert re.search(r"In the teacher(’|&#8217;|')s copy each solution", key)
    assert "objectives-map" not in key
    menu = re.findall(r"downloads/stalin-zhukov(?:-teacher)?\.(pdf|epub)", chapter)
    assert menu == ["epub", "pdf"]  # what the edition offers, in its order


def test_the_student_edition_on_the_web(tmp_path):
    out = build_sample(tmp_path, "html", "student")
    chapter = (out / "chapters" / "1-sample.html").read_text(encoding="utf-8")
    assert "Ask the class which edition they hold." not in chapter
    assert chapter.count('<details class="exercise-solution') == SAMPLE
    assert "Reward a clear judgement." in chapter  # inside the closed solution
    key = (out / "key.html").read_text(encoding="utf-8")
    assert 'id="key-sample-essay"' in key and "objectives-map" not in key


def test_the_instructor_edition_on_the_web(tmp_path):
    out = build_sample(tmp_path, "html", "instructor")
    chapter = (out / "chapters" / "1-sample.html").read_text(encoding="utf-8")
    assert "Ask the class which edition they hold." in chapter and "Reward a clear judgement." in chapter
    assert '<details class="exercise-solution' not in chapter
    key = (out / "key.html").read_text(encoding="utf-8")
    assert "objectives-map" in key and 'id="key-sample-essay"' not in key


def test_on_paper_the_student_editions_solutions_go_to_the_key(tmp_path):
    out = build_sample(tmp_path, "epub", "student")
    chapter = (out / "chapters" / "1-sample.xhtml").read_text(encoding="utf-8")
    assert "A model answer." not in chapter and 'class="exercise-solution' not in chapter
    assert chapter.count('href="../key.xhtml#key-sample-') == SAMPLE  # each exercise links to its solution
    key = (out / "key.xhtml").read_text(encoding="utf-8")
    assert "A model answer." in key and "Reward a clear judgement." in key
