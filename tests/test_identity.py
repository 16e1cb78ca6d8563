"""The edition stamp: in every format, changed by a new commit, and honest without git."""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pdfplumber
from lxml import etree
from lxml import html as lhtml

from studyguide.identity import Identity, read_source

from revision_repo import BOOK, build, current, git, repo  # noqa: F401 (fixtures)

STAMP = re.compile(r"Edition 1\.1, 25 November 2025, built from commit ([0-9a-f]{7,})\.")


def stamps(out: Path) -> dict[str, str]:
    """The stamp as each format carries it (the commit it names)."""
    found = {}
    footer = lhtml.parse(str(out / "html" / "ch1.html")).xpath('//footer//*[@class="edition-stamp"]')
    found["html"] = footer[0].text_content().strip() if footer else ""
    with zipfile.ZipFile(next((out / "epub").glob("*.epub"))) as epub:
        opf = etree.fromstring(epub.read("content.opf"))
    found["epub"] = "".join(
        opf.xpath(
            '//opf:meta[@property="schema:version"]/text()',
            namespaces={"opf": "http://www.idpf.org/2007/opf"},
        )
    )
    with pdfplumber.open(next((out / "pdf").glob("*.pdf"))) as pdf:
        verso = next(p.extract_text() for p in pdf.pages[:4] if "CC BY-SA" in (p.extract_text() or ""))
    found["pdf"] = next((line for line in verso.splitlines() if line.startswith("Edition ")), "")
    lms = out / "lms"
    found["gift"] = next(
        line[3:]
        for line in next(lms.glob("*.gift")).read_text().splitlines()
        if line.startswith("// Edition")
    )
    moodle = etree.parse(str(next(lms.glob("*-moodle.xml"))))
    found["moodle"] = moodle.xpath("//comment()")[0].text.split(": ", 1)[1].strip()
    with zipfile.ZipFile(next(lms.glob("*-qti21.zip"))) as package:
        manifest = etree.parse(io.BytesIO(package.read("imsmanifest.xml")))
    found["qti"] = "".join(manifest.xpath("/*/*[local-name()='metadata']//*[local-name()='string']/text()"))
    return found


def test_stamp_in_every_format_names_the_commit(repo, current):
    head = git(repo, "rev-parse", "--short", "HEAD")
    found = stamps(current)
    assert found.pop("epub") == f"1.1+{head}"  # schema:version in the package document
    for fmt, stamp in found.items():
        match = STAMP.fullmatch(stamp)
        assert match, (fmt, stamp)
        assert match.group(1) == head, fmt


def test_new_commit_changes_the_stamp_and_a_dirty_tree_says_so(repo, tmp_path):
    out = tmp_path / "b"
    git(repo, "commit", "-q", "--allow-empty", "-m", "a later commit")
    try:
        later = git(repo, "rev-parse", "--short", "HEAD")
        build(repo, out, "html", "lms")
        footer = (out / "html" / "ch1.html").read_text(encoding="utf-8")
        assert f"built from commit {later}." in footer
        assert (
            f"// Edition 1.1, 25 November 2025, built from commit {later}."
            in next((out / "lms").glob("*.gift")).read_text()
        )
        (repo / BOOK / "ch1.md").write_text((repo / BOOK / "ch1.md").read_text() + "\nOne more line.\n")
        build(repo, out, "html")  # incremental: the footer of every page follows the commit
        for page in ("ch1.html", "glossary.html"):
            assert f"built from commit {later} (modified)." in (out / "html" / page).read_text(
                encoding="utf-8"
            )
    finally:
        git(repo, "checkout", "-q", "--", ".")
        git(repo, "reset", "-q", "--hard", "edition-1.1")


def test_unversioned_tree_builds_and_says_so(repo, tmp_path):
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", "HEAD"], capture_output=True, check=True
    ).stdout
    tree = tmp_path / "unpacked"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    out = build(tree, tmp_path / "b", "html", "lms", source=tree / BOOK)
    assert "built from an unversioned source tree." in (out / "html" / "ch1.html").read_text(encoding="utf-8")
    history = (out / "html" / "revisions.html").read_text(encoding="utf-8")
    assert "built from an unversioned source tree, so its history is not known" in history
    assert "revision-mark" not in (out / "html" / "ch1.html").read_text(encoding="utf-8")
    assert (
        "// Edition 1.1, 25 November 2025, built from an unversioned source tree."
        in next((out / "lms").glob("*.gift")).read_text()
    )


def test_identity_spellings(tmp_path):
    assert read_source(tmp_path) == "unversioned"
    assert (
        Identity.parse("2.0", "1 May 2027", "abc1234+modified").line
        == "Edition 2.0, 1 May 2027, built from commit abc1234 (modified)."
    )
    assert Identity.parse("2.0", "1 May 2027", "abc1234").token == "2.0+abc1234"
    assert Identity.parse("2.0", "1 May 2027", "unversioned").commit is None
