"""After an edit, only the chunks of the print book whose content changed are laid out again,
and the joined PDF still has the edit, working links and consistent page numbers."""

from __future__ import annotations

import shutil

import pikepdf
from pypdf import PdfReader

from conftest import ROOTS, run_build

SENTENCE = "A sentence added after the first build."


def _chunk_pdfs(build) -> dict[str, float]:
    folder = build.work() / "pdf" / "_chunks"
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("chunk-*.pdf")}


def test_an_edit_lays_out_only_its_own_chunk(tmp_path):
    source = tmp_path / "minimal"
    shutil.copytree(ROOTS / "minimal", source)
    first = run_build(tmp_path / "_build", "pdf", source=source / "book")
    assert first.returncode == 0, first.output
    before = _chunk_pdfs(first)
    assert len(before) >= 3  # front matter and one chunk per document at least

    with open(source / "book" / "ch1.md", "a", encoding="utf-8") as f:
        f.write(f"\n{SENTENCE}\n")
    second = run_build(tmp_path / "_build", "pdf", source=source / "book")
    assert second.returncode == 0, second.output
    after = _chunk_pdfs(second)
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == ["chunk-01.pdf"], changed  # the chapter; not the front matter, not the rest

    text = "\n".join(page.extract_text() for page in PdfReader(second.pdf).pages)
    assert SENTENCE in " ".join(text.split())
    with pikepdf.open(second.pdf) as pdf:
        names = set(pikepdf.NameTree(pdf.Root.Names.Dests).keys())
        links = [a for page in pdf.pages for a in page.obj.get("/Annots", []) if "/Dest" in a]
        assert links and all(str(a.Dest) in names for a in links)


def _epub_pages(build) -> dict[str, int]:
    folder = build.work() / "epub"
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*.xhtml")}


def test_an_edit_rewrites_the_epub_pages_it_moved_and_packs_a_cold_builds_bytes(tmp_path):
    """Beside the PDF, the EPUB writes again only the pages whose text or print page breaks
    changed, and keeps the others' markers: the package is the one a cold build makes."""
    source = tmp_path / "minimal"
    shutil.copytree(ROOTS / "minimal", source)
    first = run_build(tmp_path / "_build", "html", "epub", "pdf", source=source / "book")
    assert first.returncode == 0, first.output
    before = _epub_pages(first)

    with open(source / "book" / "ch1.md", "a", encoding="utf-8") as f:
        f.write(f"\n{SENTENCE}\n")
    second = run_build(tmp_path / "_build", "html", "epub", "pdf", source=source / "book")
    assert second.returncode == 0, second.output
    after = _epub_pages(second)
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert "ch1.xhtml" in changed and "glossary.xhtml" not in changed, changed

    cold = run_build(tmp_path / "_cold", "html", "epub", "pdf", source=source / "book")
    assert cold.returncode == 0, cold.output
    assert second.epub.read_bytes() == cold.epub.read_bytes()


def test_a_new_build_date_lays_out_nothing_again_and_dates_the_book(tmp_path):
    """The front matter's metadata becomes the book's: it is laid out with a stand-in date
    that the join replaces, so a build at another time (a commit since, or no commit at
    all) reuses every chunk, within the month the title page prints, and the book's
    information dictionary and XMP carry the new date."""
    source = tmp_path / "minimal"
    shutil.copytree(ROOTS / "minimal", source)
    first = run_build(
        tmp_path / "_build", "pdf", source=source / "book", env={"SOURCE_DATE_EPOCH": "1749990000"}
    )
    assert first.returncode == 0, first.output
    before = _chunk_pdfs(first)
    (source / "book" / "ch1.md").touch()  # a build must run: the date is not a source
    second = run_build(
        tmp_path / "_build", "pdf", source=source / "book", env={"SOURCE_DATE_EPOCH": "1750000000"}
    )
    assert second.returncode == 0, second.output
    assert _chunk_pdfs(second) == before
    with pikepdf.open(second.pdf) as pdf:
        assert str(pdf.docinfo["/CreationDate"]) == str(pdf.docinfo["/ModDate"]) == "D:20250615150640Z"
        xmp = pdf.Root.Metadata.read_bytes().decode()
    assert "<xmp:CreateDate>2025-06-15T15:06:40Z</xmp:CreateDate>" in xmp
    assert "<xmp:ModifyDate>2025-06-15T15:06:40Z</xmp:ModifyDate>" in xmp
    assert "2000-01-01" not in xmp
