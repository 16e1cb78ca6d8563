"""The build driver's promises on ordinary (not interrupted) builds, on the minimal book:
each build's output depends only on the current sources (no stale page, no poisoned cache
after a refused build), freshness is decided on content, and an unusable build folder or
date is one plain line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import EPOCH, ROOT, ROOTS, run_build


def copy_book(tmp_path: Path) -> Path:
    source = tmp_path / "minimal"
    shutil.copytree(ROOTS / "minimal", source)
    return source


def all_text(folder: Path) -> str:
    """Every file under a published folder, read as text (through the published links)."""
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def list_after_ch1(book: Path, docname: str) -> None:
    """Put a new page in the small book's toctree, after its chapter."""
    index = book / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace("ch1\n", f"ch1\n{docname}\n"), encoding="utf-8"
    )


def add_chapter(book: Path, word: str) -> None:
    (book / "ch2.md").write_text(f"(ch-two)=\n# Chapter two\n\nThe {word} chapter.\n", encoding="utf-8")
    list_after_ch1(book, "ch2")


def remove_chapter(book: Path) -> None:
    (book / "ch2.md").unlink()
    index = book / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("ch1\nch2\n", "ch1\n"), encoding="utf-8")


def test_removed_chapter_leaves_no_trace(tmp_path):
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    add_chapter(book, "Zyzzyva")
    first = run_build(out, "html", "epub", source=book)
    assert first.returncode == 0, first.output
    assert (out / "html" / "ch2.html").is_file()
    assert "zyzzyva" in (out / "html" / "searchindex.js").read_text()  # the index keeps stems
    assert "Chapter two" in (out / "html" / "glossary.html").read_text()  # the sidebar lists it

    remove_chapter(book)
    second = run_build(out, "html", "epub", source=book)
    assert second.returncode == 0, second.output
    assert not (out / "html" / "ch2.html").exists()
    text = all_text(out / "html").lower()
    assert "zyzzyva" not in text and "chapter two" not in text, (
        "the removed chapter is still in the web edition"
    )
    with zipfile.ZipFile(second.epub) as epub:
        assert not [n for n in epub.namelist() if "ch2" in n], epub.namelist()
        assert (
            "zyzzyva" not in "".join(epub.read(n).decode("utf-8", "replace") for n in epub.namelist()).lower()
        )


def test_refused_build_does_not_poison_the_next(tmp_path):
    """A figure of a file outside the book that is no image (issue 17's ``/etc/passwd``) is
    refused; once the source is fixed the next build succeeds without `make clean`, and
    nothing of the refused file is left in the outputs or the work folders."""
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    chapter = book / "ch1.md"
    good = chapter.read_text(encoding="utf-8")
    assert run_build(out, "html", "epub", source=book).returncode == 0
    outside = tmp_path / "outside" / "secret"
    outside.parent.mkdir()
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    chapter.write_text(
        good + f"\n```{{figure}} {os.path.relpath(outside, book)}\n:alt: Secret.\n\nSecret.\n```\n",
        encoding="utf-8",
    )
    refused = run_build(out, "html", "epub", source=book)
    assert refused.returncode != 0, refused.output

    # Fixed, and edited (the very same sources as the good build are simply up to date).
    chapter.write_text(good + "\nA sentence added with the fix.\n", encoding="utf-8")
    fixed = run_build(out, "html", "epub", source=book)
    assert fixed.returncode == 0, fixed.output
    assert "added with the fix" in (out / "html" / "ch1.html").read_text()
    assert not list((out / "html").rglob("secret*"))
    assert not list((out / ".work").rglob("secret*")), "the refused image stays in the work folders"
    with zipfile.ZipFile(fixed.epub) as epub:
        assert not [n for n in epub.namelist() if "secret" in n]


def test_deleted_chapter_file_rebuilds_and_reports(tmp_path):
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    assert run_build(out, "html", source=book).returncode == 0
    (book / "ch1.md").unlink()
    again = run_build(out, "html", source=book)
    assert "Up to date" not in again.output
    assert again.returncode != 0, again.output
    assert "ch1" in again.output and "Traceback" not in again.output
    assert (out / "html" / "ch1.html").is_file(), "the last good build must stay published"


def test_edit_within_the_same_clock_tick_is_built(tmp_path):
    """The edit keeps the file's previous mtime, as an edit in the same tick as the last
    build's end would: content, not mtime, decides."""
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    chapter = book / "ch1.md"
    assert run_build(out, "html", source=book).returncode == 0
    stat = chapter.stat()
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\nA sentence written in the same tick.\n", encoding="utf-8"
    )
    os.utime(chapter, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = run_build(out, "html", source=book)
    assert again.returncode == 0, again.output
    assert "written in the same tick" in (out / "html" / "ch1.html").read_text()


def test_an_edit_keeps_what_unchanged_pages_use(tmp_path):
    """Only the edited page is written again; the image of a page that is not stays."""
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    assert run_build(out, "html", "epub", source=book).returncode == 0
    glossary = book / "glossary.md"
    glossary.write_text(
        glossary.read_text(encoding="utf-8") + "\nA line added to the glossary.\n", encoding="utf-8"
    )
    again = run_build(out, "html", "epub", source=book)
    assert again.returncode == 0, again.output
    assert (out / "html" / "_images" / "img.png").is_file()
    with zipfile.ZipFile(again.epub) as epub:
        assert [n for n in epub.namelist() if n.endswith("img.png")], epub.namelist()


def test_a_new_generation_links_the_files_the_build_did_not_touch(tmp_path):
    """Published copies are never shared with the work folder (Sphinx rewrites its files in
    place); what a build did not rewrite is the last generation's copy, linked, and what
    it rewrote is copied afresh, even when someone changed the last published copy."""
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    assert run_build(out, "html", source=book).returncode == 0
    html = out / "html"
    image, page, glossary = html / "_images" / "img.png", html / "ch1.html", html / "glossary.html"
    before = {p: p.stat().st_ino for p in (image, page)}
    work = out / ".work" / "student" / "html"
    assert before[image] != (work / "_images" / "img.png").stat().st_ino
    tampered = glossary.read_text(encoding="utf-8").replace("</body>", "<p>tampered</p></body>")
    os.chmod(glossary, 0o644)
    glossary.write_text(tampered, encoding="utf-8")  # a published copy changed by hand
    (book / "ch1.md").write_text(
        (book / "ch1.md").read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8"
    )
    assert run_build(out, "html", source=book).returncode == 0
    assert image.stat().st_ino == before[image], "an untouched file was copied, not linked"
    assert page.stat().st_ino != before[page] and "More." in page.read_text(encoding="utf-8")
    assert "tampered" not in glossary.read_text(encoding="utf-8")
    assert (work / "ch1.html").stat().st_ino != page.stat().st_ino


def test_bad_figure_data_is_one_line_with_its_file_and_line(tmp_path):
    """The figures are drawn in a process of their own while Sphinx starts; its problem
    is the build's, in one line naming the data file and line, and nothing is published."""
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    shutil.copytree(ROOT / "book" / "figures", book / "figures")
    first = run_build(out, "html", source=book)
    assert first.returncode == 0, first.output
    assert sorted(p.name for p in (book / "_figures").glob("*.svg")) == sorted(
        f"{stem}{kind}.svg" for stem in ("locator-map", "losses", "timeline") for kind in ("", ".print")
    )
    published = all_text(out / "html")
    losses = book / "figures" / "losses.yaml"
    lines = losses.read_text(encoding="utf-8").splitlines()
    losses.write_text("\n".join(["title: a: b", *lines]) + "\n", encoding="utf-8")
    bad = run_build(out, "html", source=book)
    assert bad.returncode != 0
    errors = [line for line in bad.output.splitlines() if "error" in line.lower() and "losses" in line]
    assert len(errors) == 1 and f"{losses}:1:" in errors[0], bad.output
    assert "Traceback" not in bad.output
    assert all_text(out / "html") == published


def test_a_figure_data_edit_reaches_the_page_that_shows_the_figure(tmp_path):
    """The parse reads while the figures are drawn (``figures.sphinx``): a page that shows a
    redrawn figure is read and written again, with the new picture, in the same build, and
    not once more at the next build (the drawing is dated before the page is read)."""
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    shutil.copytree(ROOT / "book" / "figures", book / "figures")
    (book / "losses.md").write_text(
        "(sec-losses)=\n# Losses\n\n```{figure} /_figures/losses.svg\n:alt: A bar chart of losses.\n\n"
        "Losses in two operations.\n```\n",
        encoding="utf-8",
    )
    list_after_ch1(book, "losses")
    first = run_build(out, "html", source=book)
    assert first.returncode == 0, first.output
    before = (out / "html/_images/losses.svg").read_bytes()

    losses = book / "figures" / "losses.yaml"
    losses.write_text(
        losses.read_text(encoding="utf-8").replace("name: Rzhev-Vyazma", "name: Rzhev"), "utf-8"
    )
    second = run_build(out, "html", source=book)
    assert second.returncode == 0, second.output
    published = (out / "html/_images/losses.svg").read_bytes()
    assert published != before and published == (book / "_figures/losses.svg").read_bytes()
    (read,) = (out / ".work").rglob("doctrees/losses.doctree")  # (written when the page is read)
    when = read.stat().st_mtime_ns
    parse_log = out / ".work" / "student" / "html.warnings"  # rewritten by every Sphinx run
    ran = parse_log.stat().st_mtime_ns
    assert run_build(out, "html", source=book).returncode == 0
    assert parse_log.stat().st_mtime_ns == ran, "the drawn figure made the sources look changed"

    chapter = book / "ch1.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne sentence more.\n", encoding="utf-8")
    third = run_build(out, "html", source=book)
    assert third.returncode == 0, third.output
    assert read.stat().st_mtime_ns == when, "the figure's page was read again, as if its picture were newer"


def test_unchanged_sources_return_at_once(tmp_path):
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    assert run_build(out, "html", source=book).returncode == 0
    parse_log = out / ".work" / "student" / "html.warnings"  # rewritten by every Sphinx run
    before = parse_log.stat().st_mtime_ns
    started = time.monotonic()
    again = run_build(out, "html", source=book)
    took = time.monotonic() - started
    assert again.returncode == 0, again.output
    assert parse_log.stat().st_mtime_ns == before, "Sphinx ran although nothing changed"
    assert took < 1.0, f"an up-to-date build took {took:.2f}s"


def driver(build_dir: Path, env: dict, *wrap: str) -> subprocess.CompletedProcess:
    cmd = [
        *wrap,
        sys.executable,
        "-m",
        "studyguide.build",
        "html",
        "--build-dir",
        str(build_dir),
        "--quiet",
        "--source",
        str(ROOTS / "minimal" / "book"),
    ]
    return subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=120
    )


def one_plain_line(proc: subprocess.CompletedProcess) -> str:
    output = (proc.stdout + proc.stderr).strip()
    assert proc.returncode != 0, output
    assert "Traceback" not in output, output
    assert len(output.splitlines()) == 1, output
    return output


@pytest.mark.parametrize("value", ["", "yesterday", "-5", "1.5e9"])
def test_bad_source_date_epoch_is_one_line(tmp_path, value):
    line = one_plain_line(driver(tmp_path / "_build", {"SOURCE_DATE_EPOCH": value}))
    assert "SOURCE_DATE_EPOCH" in line and repr(value) in line, line


def test_immutable_build_folder_is_one_line(tmp_path):
    out = tmp_path / "_build"
    out.mkdir()
    if subprocess.run(["chattr", "+i", str(out)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported here")
    try:
        line = one_plain_line(driver(out, {"SOURCE_DATE_EPOCH": EPOCH}))
    finally:
        subprocess.run(["chattr", "-i", str(out)], check=True)
    assert str(out) in line and "Operation not permitted" in line, line


def test_read_only_build_folder_is_one_line(tmp_path):
    out = tmp_path / "_build"
    out.mkdir()
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("unshare (a private mount namespace) is not available")
    # A read-only mount of the build folder, in a private mount namespace: seen by the driver only.
    wrap = ["unshare", "-rm", "sh", "-c", f'mount -o bind,ro "{out}" "{out}" && exec "$0" "$@"']
    line = one_plain_line(driver(out, {"SOURCE_DATE_EPOCH": EPOCH}, *wrap))
    assert str(out) in line and "Read-only file system" in line, line


def test_removed_chapter_leaves_no_worksheet(tmp_path):
    source = copy_book(tmp_path)
    book, out = source / "book", tmp_path / "_build"
    (book / "ch2.md").write_text(
        "(ch-two)=\n# Chapter two\n\n```{objectives}\nrecall: Recall the second chapter.\n```\n\n"
        "(sec-two)=\n## Two\n\nMore text.\n\n## Review exercises\n\n```{exercises} ch2\n```\n",
        encoding="utf-8",
    )
    (source / "exercises" / "ch2.yaml").write_text(
        "chapter: ch2\nexercises:\n  - id: two-tf\n    type: true-false\n    objective: recall\n"
        "    section: sec-two\n    prompt: |\n      There is a second chapter.\n    answer: true\n"
        "    solution: |\n      True.\n",
        encoding="utf-8",
    )
    list_after_ch1(book, "ch2")
    first = run_build(out, "worksheets", source=book)
    assert first.returncode == 0, first.output
    sheets = sorted(p.name for p in (out / "worksheets").iterdir())
    assert len([s for s in sheets if "2" in s]) >= 1, sheets

    remove_chapter(book)
    (source / "exercises" / "ch2.yaml").unlink()
    second = run_build(out, "worksheets", source=book)
    assert second.returncode == 0, second.output
    left = sorted(p.name for p in (out / "worksheets").iterdir())
    assert left and set(left) < set(sheets), (sheets, left)
