"""After an edit, `make html` rewrites only the edited page, unless the edit changes what
every page's navigation shows (a title or a section), and then it rewrites them all."""

from __future__ import annotations

import shutil

from conftest import ROOTS, run_build

GENERATED = {"genindex.html", "search.html"}  # Sphinx writes these on every build


def _pages(build) -> dict[str, int]:
    return {
        p.name: p.stat().st_mtime_ns
        for p in build.work().joinpath("html").glob("*.html")
        if p.name not in GENERATED
    }


def test_edits_rewrite_the_pages_they_change(tmp_path):
    source = tmp_path / "minimal"
    shutil.copytree(ROOTS / "minimal", source)
    chapter = source / "book" / "ch1.md"

    def build():
        result = run_build(tmp_path / "_build", "html", source=source / "book")
        assert result.returncode == 0, result.output
        return result

    first = _pages(build())
    chapter.write_text(chapter.read_text() + "\nA paragraph added after the first build.\n")
    second = _pages(build())
    assert [p for p in second if second[p] != first[p]] == ["ch1.html"]
    assert "A paragraph added after" in (tmp_path / "_build/html/ch1.html").read_text()

    chapter.write_text(chapter.read_text().replace("# Chapter one", "# Chapter the first"))
    third = _pages(build())
    rewritten = {p for p in third if third[p] != second[p]}
    assert {"ch1.html", "index.html", "glossary.html"} <= rewritten
    assert "Chapter the first" in (tmp_path / "_build/html/glossary.html").read_text()
