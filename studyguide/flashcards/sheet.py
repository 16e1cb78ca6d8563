"""Printable cut-out cards: the term on the front, the definition on the back.

Cards sit in a grid of two columns and four rows. Each sheet of fronts is followed by its
sheet of backs with the columns swapped, so that printed double-sided and flipped on the
long edge, each definition lands behind its own term. A title page (and its blank back)
comes first, so every sheet of fronts is a right-hand page.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

from studyguide.flashcards.cards import Card, Deck
from studyguide.fonts import FONT_FILES, copy_fonts

COLUMNS, ROWS = 2, 4
PER_SHEET = COLUMNS * ROWS
PAGE_SIZES = {"a4": "A4", "letter": "letter"}

CSS = """
@page { size: %(size)s; margin: 0; }
%(fonts)s
html { font-family: "Noto Sans", sans-serif; color: #111; }
body { margin: 0; }
.title { page-break-after: always; padding: 40mm 25mm; }
.title h1 { font-family: "Noto Serif", serif; font-size: 24pt; margin: 0 0 6mm; }
.title p { font-size: 12pt; line-height: 1.5; max-width: 140mm; }
.blank { page-break-after: always; height: 1px; }
.sheet { page-break-after: always; display: grid; justify-content: center; align-content: center;
  grid-template-columns: repeat(2, 90mm); grid-auto-rows: 62mm; height: %(height)s; }
.sheet:last-child { page-break-after: auto; }
.card { border: 0.4pt dashed #777; padding: 5mm; display: flex; flex-direction: column;
  justify-content: center; overflow: hidden; }
.front .card { text-align: center; }
.term { font-family: "Noto Serif", serif; font-weight: 700; font-size: 16pt; margin: 0; }
.russian { font-size: 12pt; margin: 2mm 0 0; }
.deck { font-size: 7.5pt; color: #444; margin: 3mm 0 0; }
.back .term { font-size: 9pt; margin: 0 0 2mm; }
.definition { font-family: "Noto Serif", serif; font-size: 9.5pt; line-height: 1.35; margin: 0; }
"""

HEIGHTS = {"a4": "297mm", "letter": "279.4mm"}


def _font_faces() -> str:
    faces = []
    for name in FONT_FILES:
        family = "Noto Serif" if name.startswith("NotoSerif") else "Noto Sans"
        weight = 700 if "Bold" in name else 400
        style = "italic" if "Italic" in name else "normal"
        faces.append(
            f'@font-face {{ font-family: "{family}"; src: url(fonts/{name}); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(faces)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _front(card: Card, deck: Deck) -> str:
    russian = (
        (
            f'<p class="russian"><span lang="ru">{_e(card.russian)}</span> '
            f"(<i>{_e(card.transliteration)}</i>)</p>"
        )
        if card.russian
        else ""
    )
    return (
        f'<div class="card"><p class="term">{_e(card.term)}</p>{russian}'
        f'<p class="deck">{_e(deck.title)}</p></div>'
    )


def _back(card: Card) -> str:
    return (
        f'<div class="card"><p class="term">{_e(card.term)}</p>'
        f'<p class="definition">{_e(card.definition)}</p></div>'
    )


def _empty() -> str:
    return '<div class="card" aria-hidden="true"></div>'


def sheets(decks: list[Deck]) -> list[tuple[list[str], list[str]]]:
    """Pairs of (fronts, backs), each a list of PER_SHEET cells in reading order."""
    cells = [(card, deck) for deck in decks for card in deck.cards]
    out = []
    for start in range(0, len(cells), PER_SHEET):
        batch = cells[start : start + PER_SHEET]
        fronts = [_front(c, d) for c, d in batch] + [_empty()] * (PER_SHEET - len(batch))
        backs_in_place = [_back(c) for c, _ in batch] + [_empty()] * (PER_SHEET - len(batch))
        backs = []
        for row in range(ROWS):  # mirror each row: the long-edge flip swaps left and right
            backs += list(reversed(backs_in_place[row * COLUMNS : (row + 1) * COLUMNS]))
        out.append((fronts, backs))
    return out


def document(decks: list[Deck], title: str, language: str, paper: str) -> str:
    css = CSS % {"size": PAGE_SIZES[paper], "height": HEIGHTS[paper], "fonts": _font_faces()}
    count = sum(len(d.cards) for d in decks)
    body = [
        f'<section class="title"><h1>{_e(title)}: flashcards</h1>'
        f"<p>{count} cards, in {len(decks)} decks ({_e(', '.join(d.title for d in decks))}).</p>"
        "<p>Print double-sided and flip on the long edge, so each definition lands behind "
        "its term; then cut along the dashed lines.</p></section>",
        '<div class="blank" aria-hidden="true"></div>',
    ]
    for number, (fronts, backs) in enumerate(sheets(decks), start=1):
        body.append(
            f'<section class="sheet front" aria-label="Sheet {number}, terms">{"".join(fronts)}</section>'
        )
        body.append(
            f'<section class="sheet back" aria-label="Sheet {number}, definitions">{"".join(backs)}</section>'
        )
    return (
        f'<!DOCTYPE html><html lang="{_e(language)}"><head><meta charset="utf-8">'
        f"<title>{_e(title)}: flashcards</title><style>{css}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )


def write(path: Path, decks: list[Deck], title: str, language: str, paper: str) -> None:
    from studyguide.pdf.chunks import BASE_URL
    from studyguide.pdf.render import BuildTreeFetcher, weasyprint  # (imported by soname)

    # The page and its fonts are laid out from a scratch folder, so only the PDF is published.
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        root = Path(scratch)
        copy_fonts(root / "fonts", licence=False)
        weasyprint.HTML(
            string=document(decks, title, language, paper),
            base_url=BASE_URL + "cards.html",
            url_fetcher=BuildTreeFetcher(root),
        ).write_pdf(path, pdf_variant="pdf/ua-1")
