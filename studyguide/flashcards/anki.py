"""The Anki package: one deck per chapter inside one ``.apkg``.

Anki recognises a note it has seen before by its GUID, so each GUID is derived from the
book and the term alone: importing a revised package updates the cards (and keeps a
student's review history) instead of adding duplicates. Model and deck ids are derived the
same way. Timestamps come from SOURCE_DATE_EPOCH and the zip is rewritten with fixed entry
dates, so the same sources give the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import io
import zipfile
from pathlib import Path

import genanki

from studyguide.flashcards.cards import Deck

CSS = """.card { font-family: "Noto Serif", serif; font-size: 22px; text-align: center;
color: #111; background: #fff; }
.russian { font-size: 18px; color: #333; margin-top: .4em; }
.definition { text-align: left; font-size: 18px; line-height: 1.4; }"""


def stable_id(*parts: str) -> int:
    """A 31-bit positive id from the parts' text (Anki wants ids below 2**63; genanki's
    examples use this range)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def model(basename: str) -> genanki.Model:
    return genanki.Model(
        stable_id(basename, "flashcard model"),
        f"{basename} flashcard",
        fields=[{"name": "Term"}, {"name": "Russian"}, {"name": "Definition"}],
        templates=[
            {
                "name": "Term to definition",
                "qfmt": '{{Term}}{{#Russian}}<div class="russian" lang="ru">{{Russian}}</div>{{/Russian}}',
                "afmt": '{{FrontSide}}<hr id="answer"><div class="definition">{{Definition}}</div>',
            }
        ],
        css=CSS,
    )


def note_guid(basename: str, term: str) -> str:
    return genanki.guid_for(basename, term)


def package(decks: list[Deck], title: str, basename: str, timestamp: float) -> bytes:
    card_model = model(basename)
    anki_decks = []
    for deck in decks:
        anki = genanki.Deck(stable_id(basename, "deck", deck.key), f"{title}::{deck.title}")
        for card in deck.cards:
            russian = f"{card.russian} ({card.transliteration})" if card.russian else ""
            anki.add_note(
                genanki.Note(
                    model=card_model,
                    fields=[html.escape(card.term), html.escape(russian), html.escape(card.definition)],
                    guid=note_guid(basename, card.term),
                    tags=[deck.key.replace("/", "::")],
                )
            )
        anki_decks.append(anki)
    raw = io.BytesIO()
    genanki.Package(anki_decks).write_to_file(raw, timestamp=timestamp)
    return _fixed_dates(raw.getvalue(), timestamp)


def _fixed_dates(data: bytes, timestamp: float) -> bytes:
    import time

    when = time.gmtime(max(timestamp, 315532800))[:6]  # zip dates start in 1980
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info))
    return out.getvalue()


def write(path: Path, decks: list[Deck], title: str, basename: str, timestamp: float) -> None:
    path.write_bytes(package(decks, title, basename, timestamp))
