"""Same sources, same SOURCE_DATE_EPOCH, same bytes."""

from __future__ import annotations

from conftest import run_build


def test_two_builds_give_identical_pdf_and_epub(book, tmp_path):
    again = run_build(tmp_path / "again", "epub", "pdf")
    assert again.returncode == 0, again.output
    assert again.pdf.read_bytes() == book.pdf.read_bytes()
    assert again.epub.read_bytes() == book.epub.read_bytes()
