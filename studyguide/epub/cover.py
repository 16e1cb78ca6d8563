"""The EPUB cover: drawn from the book's title with Pillow and the vendored fonts.

A generated cover keeps title, subtitle and edition in one place (conf.py) and gives the
same PNG bytes on every machine, because the fonts travel with the package.
"""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageFont

from studyguide.fonts import FONT_DIR

SIZE = (1200, 1800)
FONTS = ("NotoSans-Bold.ttf", "NotoSerif-Italic.ttf", "NotoSans-Regular.ttf")  # title, subtitle, small
INK, PAPER, ACCENT = (245, 240, 230), (38, 44, 52), (176, 58, 46)


def draw_cover(config, target: Path, stamp: Path) -> None:
    """Draw the cover into ``target``, unless ``stamp`` says it was drawn from the same
    words, fonts, code and Pillow (a tenth of a second of every EPUB build otherwise)."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + PIL.__version__.encode())
    for name in FONTS:
        digest.update((FONT_DIR / name).read_bytes())
    digest.update(
        repr((config.project, config.studyguide_subtitle, config.author, config.studyguide_edition)).encode()
    )
    key = digest.hexdigest()
    if target.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return
    stamp.unlink(missing_ok=True)  # (a drawing cut short is never taken for a good one)
    target.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    title_font = ImageFont.truetype(str(FONT_DIR / FONTS[0]), 104)
    sub_font = ImageFont.truetype(str(FONT_DIR / FONTS[1]), 58)
    small = ImageFont.truetype(str(FONT_DIR / FONTS[2]), 44)
    draw.rectangle((0, 560, SIZE[0], 578), fill=ACCENT)
    y = 220
    for line in textwrap.wrap(config.project, 18):
        draw.text((100, y), line, font=title_font, fill=INK)
        y += 124
    y = 640
    for line in textwrap.wrap(config.studyguide_subtitle, 30):
        draw.text((100, y), line, font=sub_font, fill=INK)
        y += 76
    draw.text((100, 1560), config.author, font=small, fill=INK)
    draw.text((100, 1630), f"{config.studyguide_edition.capitalize()} edition", font=small, fill=INK)
    image.save(target, format="PNG", optimize=True)
    stamp.write_text(key, encoding="utf-8")
