"""The edition and format rules (studyguide/editions.py): every module asks them, none compares names.

The table of answers is checked for the two real editions on every format, then a throwaway
edition is registered (one entry, nothing else edited) and built in-process on a tiny book,
to show that placement, drawing, the answer key and the download menu all follow it.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
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

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "roots" / "editions"


def rules(builder: str, edition: str):
    return policy(SimpleNamespace(name=builder, config=SimpleNamespace(studyguide_edition=edition)))


@pytest.mark.parametrize("builder, edition, on_request, apart, links, inline, downloads", [
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
])
def test_the_rules_of_each_edition_on_each_format(builder, edition, on_request, apart, links, inline,
                                                  downloads):
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


TEACHER = Edition("teacher", "the teacher's copy", solutions_inline=True,
                  shows=frozenset({TEACHING_NOTES}), downloads=("epub", "pdf"))


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


def build(tmp_path: Path, builder: str, edition: str) -> tuple[Path, str]:
    """The tiny book built in this process with the real conf.py, as the driver runs Sphinx."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    source = tmp_path / "src"
    if not source.exists():
        shutil.copytree(TINY, source)
    out = tmp_path / f"{builder}-{edition}"
    warnings = io.StringIO()
    with patch_docutils(ROOT), docutils_namespace():  # as sphinx-build: nothing leaks to other apps
        app = Sphinx(str(source / "book"), str(ROOT), str(out), str(tmp_path / "doctrees"), builder,
                     confoverrides={"studyguide_edition": edition}, status=None, warning=warnings)
        app.build()
    assert "WARNING" not in warnings.getvalue(), warnings.getvalue()
    assert app.statuscode == 0, warnings.getvalue()
    return out, warnings.getvalue()


def test_a_new_edition_is_one_entry_and_every_module_follows_it(tmp_path, teacher_edition):
    out, _ = build(tmp_path, "html", "teacher")
    chapter = (out / "ch1.html").read_text(encoding="utf-8")
    assert "Ask the class which edition they hold." in chapter  # teaching notes: shown
    assert "Reward a reason tied to the reader." not in chapter  # marking guidance: not shown
    assert 'class="exercise-solution' in chapter and "<details" not in chapter  # inline, open
    assert "A teacher needs the answers" in chapter
    key = (out / "key.html").read_text(encoding="utf-8")
    assert "In the teacher’s copy each solution" in key or "In the teacher's copy each solution" in key
    assert "objectives-map" not in key
    menu = re.findall(r"downloads/stalin-zhukov(?:-teacher)?\.(pdf|epub)", chapter)
    assert menu == ["epub", "pdf"]  # what the edition offers, in its order


def test_the_student_edition_of_the_tiny_book(tmp_path):
    out, _ = build(tmp_path, "html", "student")
    chapter = (out / "ch1.html").read_text(encoding="utf-8")
    assert "Ask the class which edition they hold." not in chapter
    assert chapter.count('<details class="exercise-solution') == 2
    assert "Reward a reason tied to the reader." in chapter  # inside the closed solution
    key = (out / "key.html").read_text(encoding="utf-8")
    assert 'id="key-one-essay"' in key and "objectives-map" not in key


def test_on_paper_the_student_editions_solutions_go_to_the_key(tmp_path):
    out, _ = build(tmp_path, "epub", "student")
    chapter = (out / "ch1.xhtml").read_text(encoding="utf-8")
    assert "A teacher needs the answers" not in chapter and "<details" not in chapter
    assert chapter.count('href="key.xhtml#key-one-') == 2  # each exercise links to its solution
    key = (out / "key.xhtml").read_text(encoding="utf-8")
    assert "A teacher needs the answers" in key and "Reward a reason tied to the reader." in key
