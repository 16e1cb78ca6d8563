"""More bad input, refused as ``test_bad_input.py`` requires: one short error per problem,
printed once, naming the file and line where the problem is (not where Sphinx noticed it).
"""

from __future__ import annotations

import re

import pytest

from test_bad_input import (  # noqa: F401  (fixtures)
    CH1,
    add_to_chapter,
    assert_refused,
    at,
    chapter,
    good_build,
    previous,
    published,
    rebuild,
    replace,
)

GLOSSARY = "book/glossary.md"


def warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if "WARNING" in line or "ERROR" in line]


@pytest.mark.parametrize(
    "text", ["", "\n\n   \n", "Some text, but no heading.\n"], ids=["empty", "blank-lines", "no-heading"]
)
def test_a_chapter_without_a_title_is_one_error_at_the_chapter(text, previous, fixture_book):
    """Sphinx warns at the toctree, once per page of the web edition, never naming the file."""
    book = fixture_book("minimal")
    before = published(previous)
    chapter(book).write_text(text, encoding="utf-8")
    build = rebuild(previous, book)
    assert_refused(build, before, book, [at(CH1)])
    found = warnings(build.output)
    assert len(found) == 1 and re.search(r"/ch1\.md:1: .*(empty|no title)", found[0]), build.output


def test_the_same_problem_twice_on_one_line_is_printed_once(previous, fixture_book):
    book = fixture_book("minimal")
    before = published(previous)
    add_to_chapter(book, "See {ref}`sec-nowhere`, and again {ref}`sec-nowhere`.")
    build = rebuild(previous, book)
    assert_refused(build, before, book, [at(CH1, "sec-nowhere")])
    assert len(warnings(build.output)) == 1, build.output


@pytest.mark.parametrize(
    "options", ["", ":sorted:\n", ":sorted:\n\n"], ids=["plain", "option", "option-blank"]
)
def test_a_duplicate_glossary_term_is_reported_at_the_duplicate(options, previous, fixture_book):
    book = fixture_book("minimal")
    before = published(previous)
    replace(
        book / GLOSSARY,
        "```{glossary}\nFront\n  A group of armies.\n",
        "```{glossary}\n" + options + "Front\n  A group of armies.\n\n"
        "Army\n  A large formation.\n\nFront\n  A second definition.\n",
    )
    build = rebuild(previous, book)
    assert_refused(build, before, book, [at(GLOSSARY, "Front", nth=2)])
    first = at(GLOSSARY, "Front", nth=1).pattern(book)
    assert not re.search(first, build.output), build.output
    assert len(warnings(build.output)) == 1, build.output


def test_a_problem_in_a_glossary_definition_keeps_its_line(previous, fixture_book):
    """The glossary's content is numbered by the file's lines: its definitions too."""
    book = fixture_book("minimal")
    before = published(previous)
    replace(
        book / GLOSSARY,
        "  A group of armies.\n",
        "  A group of armies.\n\nArmy\n  A large {nosuchrole}`formation`.\n",
    )
    build = rebuild(previous, book)
    assert_refused(build, before, book, [at(GLOSSARY, "nosuchrole")])


def test_a_download_of_a_file_of_the_book_builds_every_format(previous, fixture_book):
    """Not bad input: the web edition links the file, the EPUB and the PDF print its text
    (the PDF builder used to stop on an AttributeError from Sphinx's download link)."""
    book = fixture_book("minimal")
    (book / "book" / "notes.txt").write_text("Reading notes.\n", encoding="utf-8")
    add_to_chapter(book, "Take the {download}`reading notes <notes.txt>` home.")
    build = rebuild(previous, book)
    assert build.returncode == 0, build.output
    page = (build.html / "ch1.html").read_text(encoding="utf-8")
    assert re.search(
        r'<a class="reference download internal" download="" href="_downloads/[^"]+/notes\.txt"', page
    )
    import pypdf

    text = " ".join(p.extract_text() for p in pypdf.PdfReader(build.pdf).pages)
    assert "Take the reading notes home." in " ".join(text.split())
