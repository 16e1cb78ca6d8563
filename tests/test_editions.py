"""Editions and handouts: each exercise where it belongs, and nowhere it does not."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypdf
import pytest

from studyguide.exercises.model import load

from conftest import ROOT, run_build


def exercises_by_chapter() -> dict[int, list]:
    """Chapter number -> its exercises, numbered in the order of book/index.md's toctree
    (the one owner of chapter order), each chapter's file named after it."""
    listed = [
        line
        for line in (ROOT / "book" / "index.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("chapters/")
    ]
    assert listed, "no chapters in the toctree of book/index.md"
    return {
        i: load(ROOT / "exercises" / f"{Path(entry).name}.yaml").exercises
        for i, entry in enumerate(listed, 1)
    }


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(path).pages)


@pytest.fixture(scope="module")
def worksheets(book):
    build = run_build(book.root, "worksheets")
    assert build.returncode == 0, build.output
    return book.root / "worksheets"


def test_every_exercise_appears_in_html_epub_and_pdf(book, pdf_pages_text):
    text = "\n".join(pdf_pages_text)
    with zipfile.ZipFile(book.epub) as epub:
        epub_text = "".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml"))
    html = "".join(p.read_text() for p in (book.html / "chapters").glob("*.html"))
    for number, exercises in exercises_by_chapter().items():
        assert len(exercises) >= 12
        for position, exercise in enumerate(exercises, 1):
            assert f'data-exercise="{exercise.id}"' in html
            assert f'id="ex-{exercise.id}"' in epub_text
            assert text.count(f"Exercise {number}.{position}") >= 2  # in the chapter and the key


def test_student_pdf_keeps_solutions_out_of_the_chapters(book, pdf_pages_text):
    key = max(i for i, t in enumerate(pdf_pages_text) if t.lstrip().startswith("Answer key"))
    chapters, answer_key = "\n".join(pdf_pages_text[:key]), "\n".join(pdf_pages_text[key:])
    total = sum(len(e) for e in exercises_by_chapter().values())
    assert "Draws on:" not in chapters and "Marking guidance" not in chapters
    assert answer_key.count("Draws on:") == total
    assert "Teaching note" not in chapters


def test_instructor_edition_puts_solutions_after_each_exercise(instructor):
    html = (instructor.root / "html" / "chapters" / "2-defences.html").read_text()
    assert "Teaching note" in html
    assert '<details class="exercise-solution' not in html
    assert html.count('class="exercise-solution') >= 12
    key = (instructor.root / "html" / "back" / "answer-key.html").read_text()
    assert "objectives-map" in key and "Objectives and the exercises that serve them" in key
    text = pdf_text(instructor.pdf)
    total = sum(len(e) for e in exercises_by_chapter().values())
    assert text.count("Draws on:") == total
    assert "Teaching note" in text and "Instructor edition" in text


def test_student_html_hides_solutions_and_teaching_notes(book):
    html = (book.html / "chapters" / "2-defences.html").read_text()
    assert "Teaching note" not in html
    assert html.count('<details class="exercise-solution') >= 12
    assert "objectives-map" not in (book.html / "back" / "answer-key.html").read_text()


def test_worksheets_one_per_chapter_with_space_and_no_solutions(worksheets):
    for number, exercises in exercises_by_chapter().items():
        sheet = worksheets / f"chapter-{number}-worksheet.pdf"
        answers = worksheets / f"chapter-{number}-answers.pdf"
        text, key = pdf_text(sheet), pdf_text(answers)
        assert "Name" in text and "Date" in text and "Class" in text
        assert "Draws on" not in text and "Answer:" not in text and "Model answer" not in text
        for position in range(1, len(exercises) + 1):
            assert f"Exercise {number}.{position}" in text
            assert f"Exercise {number}.{position}" in key
        assert key.count("Draws on:") == len(exercises)
        essays = sum(e.type == "essay" for e in exercises)
        assert len(pypdf.PdfReader(sheet).pages) >= 2 + essays // 2  # ruled space to write


def test_worksheet_lines_are_sized_to_the_question(worksheets, book):
    html = next((book.root / ".work" / "student" / "worksheets").glob("chapter-1-worksheet.html")).read_text()
    counts = [int(n) for n in re.findall(r"--lines: (\d+)", html)]
    assert max(counts) >= 20 and min(counts) <= 3  # an essay page, a true/false justification
