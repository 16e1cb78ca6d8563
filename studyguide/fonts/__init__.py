"""The book's vendored typefaces (Noto Serif and Noto Sans, SIL OFL 1.1, see OFL.txt).

Shipped with the package so every machine lays out the same glyphs, Cyrillic included;
each output format copies them next to its stylesheet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

FONT_DIR = Path(__file__).parent
FONT_FILES = sorted(p.name for p in FONT_DIR.glob("*.ttf"))


def copy_fonts(dest: Path, licence: bool = True) -> None:
    """Copy the fonts (and their licence, where the format can carry a text file)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in [*FONT_FILES, *(["OFL.txt"] if licence else [])]:
        target = dest / name
        if not target.exists() or target.stat().st_size != (FONT_DIR / name).stat().st_size:
            shutil.copyfile(FONT_DIR / name, target)
