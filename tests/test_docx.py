"""The worksheets as DOCX: every file opens in a real office suite (LibreOffice converts it
to PDF) and the converted text holds its worksheet's questions, checked against the YAML."""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from studyguide.docx import Head, sheet_docx
from studyguide.exercises.model import load

from conftest import ROOT, need, run_build

CHAPTERS = sorted((ROOT / "exercises").glob("*.yaml"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def flat(value: str) -> str:
    value = value.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))
    return re.sub(r"(\w)- (\w)", r"\1-\2", " ".join(value.split()))  # a break after a hyphen


def prompt_start(exercise) -> str:
    return flat(re.split(r"[{`]", exercise.prompt)[0])[:40]


def convert(files: list[Path], out: Path) -> None:
    """LibreOffice headless, in a profile of its own (never the user's)."""
    soffice = need("soffice")
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{out / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr


def pdf_text(path: Path) -> str:
    return flat("\n".join(p.extract_text() or "" for p in pypdf.PdfReader(path).pages))


def image_doc(srcdir: Path) -> nodes.document:
    document = new_document("<test>", get_default_settings(Parser))
    document += nodes.paragraph("", "A map of the front:")
    document += nodes.image(uri="front.png", alt="A map of the front")
    document += nodes.image(uri="../outside.png", alt="Not from the book")
    return document


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    """`make worksheets` in a fresh build folder, and every DOCX converted by LibreOffice."""
    root = tmp_path_factory.mktemp("worksheets")
    build = run_build(root, "worksheets")
    assert build.returncode == 0, build.output
    folder = root / "worksheets"
    files = sorted(folder.glob("*.docx"))
    # A sheet with an image of the book (and one from outside it, which must not come in).
    from PIL import Image

    srcdir = tmp_path_factory.mktemp("src")
    Image.new("RGB", (400, 200), (200, 30, 30)).save(srcdir / "front.png")
    Image.new("RGB", (400, 200), (30, 30, 200)).save(srcdir.parent / "outside.png")
    picture = root / "image-sheet.docx"
    picture.write_bytes(sheet_docx(image_doc(srcdir), Head("Book", "Figure sheet", "Review", True), srcdir))
    converted = tmp_path_factory.mktemp("converted")
    convert([*files, picture], converted)
    return folder, files, converted, picture


def test_every_docx_converts_and_holds_its_questions(sheets):
    _folder, files, converted, _ = sheets
    assert len(files) == 2 * len(CHAPTERS)
    for number, path in enumerate(CHAPTERS, 1):
        exercises = load(path).exercises
        sheet = pdf_text(converted / f"chapter-{number}-worksheet.pdf")
        key = pdf_text(converted / f"chapter-{number}-answers.pdf")
        assert "Name" in sheet and "Class" in sheet and "Date" in sheet
        assert "Draws on" not in sheet and "Answer:" not in sheet
        for position, exercise in enumerate(exercises, 1):
            assert f"Exercise {number}.{position} " in sheet and f"Exercise {number}.{position} " in key
            assert prompt_start(exercise) in sheet, (number, exercise.id)
            for choice in exercise.choices:
                assert flat(choice) in sheet
        assert key.count("Draws on:") == len(exercises)


def test_styles_fonts_and_answer_lines(sheets):
    folder, _files, _, _ = sheets
    for number, path in enumerate(CHAPTERS, 1):
        document = docx.Document(folder / f"chapter-{number}-worksheet.docx")
        styles = {p.style.name for p in document.paragraphs}
        assert {"Title", "Exercise Title", "Choice", "Answer Line", "Sheet Fields"} <= styles
        lines = sum(p.style.name == "Answer Line" for p in document.paragraphs)
        assert lines == sum(e.answer_lines for e in load(path).exercises)
        titles = [p.text for p in document.paragraphs if p.style.name == "Exercise Title"]
        assert len(titles) == len(load(path).exercises)
    fonts = docx.Document(folder / "chapter-1-worksheet.docx").styles
    named = {
        name: fonts[name].element.find(f"{W}rPr/{W}rFonts").get(f"{W}ascii")
        for name in ("Normal", "Title", "Exercise Title", "Answer Line")
    }
    assert named == {
        "Normal": "Noto Serif",
        "Title": "Noto Sans",
        "Exercise Title": "Noto Sans",
        "Answer Line": "Noto Serif",
    }
    rule = fonts["Answer Line"].element.find(f"{W}pPr/{W}pBdr")
    assert rule is not None and rule.find(f"{W}between") is not None  # one rule a line


def test_images_of_the_book_are_included_and_others_are_not(sheets):
    _folder, _files, converted, picture = sheets
    with zipfile.ZipFile(picture) as package:
        media = [n for n in package.namelist() if n.startswith("word/media/")]
        body = package.read("word/document.xml").decode()
    assert len(media) == 1 and 'descr="A map of the front"' in body
    assert "Not from the book" in body  # its alternative text stands in for it
    images = [img for page in pypdf.PdfReader(converted / "image-sheet.pdf").pages for img in page.images]
    assert len(images) == 1


def test_the_same_sheet_gives_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")
    head = Head("Book", "Sheet", "Review", True)
    first = sheet_docx(image_doc(tmp_path), head, tmp_path)
    time.sleep(2.1)  # a zip entry's time has a resolution of two seconds
    assert (
        hashlib.sha256(sheet_docx(image_doc(tmp_path), head, tmp_path)).digest()
        == hashlib.sha256(first).digest()
    )
