"""The EPUB cover: drawn from the book's title with Pillow and the vendored fonts.

A generated cover keeps title, subtitle and edition in one place (conf.py) and gives the
same PNG bytes on every machine, because the fonts travel with the package.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from studyguide.fonts import FONT_DIR

SIZE = (1200, 1800)
INK, PAPER, ACCENT = (245, 240, 230), (38, 44, 52), (176, 58, 46)


def draw_cover(config, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    title_font = ImageFont.truetype(str(FONT_DIR / "NotoSans-Bold.ttf"), 104)
    sub_font = ImageFont.truetype(str(FONT_DIR / "NotoSerif-Italic.ttf"), 58)
    small = ImageFont.truetype(str(FONT_DIR / "NotoSans-Regular.ttf"), 44)
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
