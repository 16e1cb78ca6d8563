"""The pipeline serves any guide: a second, tiny guide (tests/roots/second-guide, in German,
with its own conf.py, chapters, exercises, glossary and bibliography) builds every format
and edition with the same package and driver, and its outputs are its own.

The driver is run the way an author of that guide runs it: from the guide's folder, with
no option naming it, so the guide is found by its conf.py in the working directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from conftest import EPOCH, ROOTS

BASENAME = "wasserkreislauf"
TITLE = "Der Wasserkreislauf"
FOREIGN = re.compile(r"stalin|zhukov|1941|leningrad", re.I)  # the main book's, never this one's


def drive(guide: Path, *args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "studyguide.build", *args, "--quiet"],
        cwd=guide,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def second(tmp_path_factory) -> Path:
    """The second guide's _build folder after `make`, `make worksheets lms` and
    `make instructor` (as the driver calls them)."""
    guide = tmp_path_factory.mktemp("second") / "guide"
    shutil.copytree(ROOTS / "second-guide", guide)
    drive(guide, "html", "epub", "pdf", "worksheets", "lms")
    drive(guide, "html", "pdf", "--edition", "instructor")
    return guide / "_build"


def pdf_text(path: Path) -> tuple[str, dict]:
    import pypdf

    reader = pypdf.PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages), dict(reader.metadata or {})


def texts(out: Path):
    """(where, text) for every output file, zip members and PDF text included."""
    # (.work is the driver's scratch space and .published.json its record of the sources'
    # digests: neither is an output of the guide.)
    outputs = (
        p for p in out.rglob("*") if p.is_file() and ".work" not in p.parts and p.name != ".published.json"
    )
    for path in sorted(outputs):
        where = str(path.relative_to(out))
        yield where, where  # the file's name too
        if path.suffix == ".pdf":
            text, meta = pdf_text(path)
            yield where, text + " ".join(map(str, meta.values()))
        elif path.suffix in (".epub", ".zip"):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    yield f"{where}!{name}", name + archive.read(name).decode("utf-8", "replace")
        elif path.suffix not in (".png", ".woff2", ".ttf", ".ico", ".svg", ".inv", ".gz"):
            yield where, path.read_text(encoding="utf-8", errors="replace")


def test_second_guide_builds_every_format_and_edition_under_its_own_name(second):
    expected = [
        "html/index.html",
        "html/chapters/1-verdunstung.html",
        "html/back/answer-key.html",
        f"html/downloads/{BASENAME}.epub",
        f"html/downloads/{BASENAME}.pdf",
        f"epub/{BASENAME}.epub",
        f"pdf/{BASENAME}.pdf",
        "worksheets/chapter-1-worksheet.pdf",
        "worksheets/chapter-2-answers.pdf",
        f"lms/{BASENAME}.gift",
        f"lms/{BASENAME}-moodle.xml",
        f"lms/{BASENAME}-qti21.zip",
        "instructor/html/index.html",
        f"instructor/pdf/{BASENAME}-instructor.pdf",
    ]
    missing = [name for name in expected if not (second / name).is_file()]
    assert not missing, f"the second guide lacks {missing}"


def test_second_guide_outputs_carry_its_title_language_and_text(second):
    page = lxml_html.fromstring((second / "html" / "index.html").read_bytes())
    assert page.get("lang") == "de"
    assert TITLE in page.findtext(".//title")
    chapter = (second / "html" / "chapters" / "2-niederschlag.html").read_text(encoding="utf-8")
    assert "Aus Wolken wird Regen" in chapter and "Wenn sie schwer genug sind" in chapter

    with zipfile.ZipFile(second / "epub" / f"{BASENAME}.epub") as epub:
        opf = etree.fromstring(epub.read("content.opf"))
    dc = {"dc": "http://purl.org/dc/elements/1.1/"}
    assert opf.findtext(".//dc:title", namespaces=dc) == f"{TITLE}: Ein kleiner Lernbegleiter"
    assert opf.findtext(".//dc:language", namespaces=dc) == "de"
    assert opf.findtext(".//dc:creator", namespaces=dc) == "Die Erdkunde-Gruppe"

    for pdf in (
        second / "pdf" / f"{BASENAME}.pdf",
        second / "instructor" / "pdf" / f"{BASENAME}-instructor.pdf",
    ):
        text, meta = pdf_text(pdf)
        assert meta.get("/Title") == TITLE, meta
        assert "Die Sonne als Motor" in text and "Wasser auf der Erde" in text  # chapter, bibliography
    text, _ = pdf_text(second / "instructor" / "pdf" / f"{BASENAME}-instructor.pdf")
    assert "Schwere Tröpfchen fallen als Regen" in text  # the instructor's inline solution
    text, _ = pdf_text(second / "worksheets" / "chapter-1-worksheet.pdf")
    assert "Die Sonne treibt die Verdunstung an" in text and TITLE in text
    assert "Wann fallen Tröpfchen aus einer Wolke?" in (second / "lms" / f"{BASENAME}.gift").read_text()


def test_second_guide_outputs_hold_nothing_of_the_main_book(second):
    found = 0
    problems = []
    for where, text in texts(second):
        found += 1
        match = FOREIGN.search(text)
        if match:
            problems.append(f"{where}: {text[max(0, match.start() - 60) : match.end() + 60]!r}")
    assert found > 50
    assert not problems, "the main book leaked into the second guide:\n" + "\n".join(problems[:20])
