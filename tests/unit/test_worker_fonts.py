"""A PDF worker registers the book's fonts once, not for every document it lays out.

The configuration is kept under the digest of the documents' shared inputs, so sharing it
must neither change a PDF's bytes nor keep a font that has changed since (the print
preview's workers live from one edit to the next).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont

from studyguide.fonts import FONT_DIR
from studyguide.pdf.pool import Renderer

CSS = '@font-face { font-family: "Book"; src: url(fonts/book.ttf); }\nbody { font-family: "Book"; }\n'
PAGE = (
    "<!DOCTYPE html><html lang='en'><head><title>t</title>"
    "<link rel='stylesheet' href='_static/print.css'></head><body>{}</body></html>"
)


def book(root: Path, font: str) -> None:
    (root / "_static/fonts").mkdir(parents=True, exist_ok=True)
    (root / "_static/print.css").write_text(CSS, encoding="utf-8")
    shutil.copyfile(FONT_DIR / font, root / "_static/fonts/book.ttf")


def chunk(root: Path, name: str, words: str) -> Path:
    html = root / f"{name}.html"
    html.write_text(PAGE.format(f"<h1>{words}</h1><p>{words * 30}</p>"), encoding="utf-8")
    return html


def fonts_in(path: Path) -> set[str]:
    """The family names in the embedded font programs (the PDF names them all "Book")."""
    found = set()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
                found.add(TTFont(io.BytesIO(program))["name"].getDebugName(1))
    return found


def test_a_document_comes_out_the_same_after_another(tmp_path):
    for folder in ("one", "two"):
        book(tmp_path / folder, "NotoSerif-Regular.ttf")
    first = chunk(tmp_path / "one", "first", "Moscow in the winter of 1941. ")
    second = [
        chunk(tmp_path / folder, "second", "Rzhev, Kharkov and the cost. ") for folder in ("one", "two")
    ]
    after = Renderer(tmp_path / "one", workers=1)
    alone = Renderer(tmp_path / "two", workers=1)
    try:
        after.submit(first, first.with_suffix(".pdf")).result()
        after.submit(second[0], second[0].with_suffix(".pdf")).result()
        alone.submit(second[1], second[1].with_suffix(".pdf")).result()
    finally:
        after.close()
        alone.close()
    assert second[0].with_suffix(".pdf").read_bytes() == second[1].with_suffix(".pdf").read_bytes()


def test_a_changed_font_is_used_by_the_same_worker(tmp_path):
    book(tmp_path, "NotoSerif-Regular.ttf")
    html = chunk(tmp_path, "chapter", "The defence of Leningrad. ")
    renderer = Renderer(tmp_path, workers=1)
    try:
        renderer.submit(html, tmp_path / "before.pdf").result()
        book(tmp_path, "NotoSans-Regular.ttf")  # same rule, same URL, other bytes
        renderer.forget_inputs()  # (as the print preview does after an edit)
        renderer.submit(html, tmp_path / "after.pdf").result()
    finally:
        renderer.close()
    assert fonts_in(tmp_path / "before.pdf") == {"Noto Serif"}
    assert fonts_in(tmp_path / "after.pdf") == {"Noto Sans"}
