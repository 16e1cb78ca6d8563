"""Flashcards from the glossary: the Anki package opens as a collection with one note per
glossary term and stable identities, the TSV imports as two columns, and the printed cards
put each definition behind its own term when printed double-sided."""

from __future__ import annotations

import io
import json
import math
import sqlite3
import zipfile
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import conf, run_build

BASENAME = conf("studyguide_basename")
CYRILLIC = range(0x0400, 0x0500)


@pytest.fixture(scope="session")
def flashcards(book):
    build = run_build(book.root, "flashcards")
    assert build.returncode == 0, build.output
    return book.root / "flashcards"


@pytest.fixture(scope="session")
def glossary_terms(book) -> list[str]:
    page = lxml_html.parse(str(book.html / "back" / "glossary.html"))
    for link in page.xpath('//a[contains(@class, "headerlink")]'):
        link.drop_tree()
    terms = [
        " ".join(dt.text_content().split()) for dt in page.xpath('//dl[contains(@class, "glossary")]/dt')
    ]
    assert len(terms) >= 20
    return terms


def collection(apkg: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as archive:
        assert "collection.anki2" in archive.namelist()
        target = tmp_path / "collection.anki2"
        target.write_bytes(archive.read("collection.anki2"))
    return sqlite3.connect(target)


def test_the_package_is_an_anki_collection_with_a_note_per_term(flashcards, glossary_terms, tmp_path):
    db = collection(flashcards / f"{BASENAME}-flashcards.apkg", tmp_path)
    notes = db.execute("select guid, flds from notes").fetchall()
    fronts = sorted(flds.split("\x1f")[0] for _, flds in notes)
    assert fronts == sorted(glossary_terms)
    assert len({guid for guid, _ in notes}) == len(notes)
    assert db.execute("select count(*) from cards").fetchone()[0] == len(notes)
    with_russian = [flds for _, flds in notes if any(ord(c) in CYRILLIC for c in flds.split("\x1f")[1])]
    assert len(with_russian) >= len(notes) // 2  # the glossary gives most terms in Cyrillic


def test_one_deck_per_chapter(flashcards, book, tmp_path):
    db = collection(flashcards / f"{BASENAME}-flashcards.apkg", tmp_path)
    decks = json.loads(db.execute("select decks from col").fetchone()[0])
    names = sorted(d["name"] for d in decks.values() if d["name"] != "Default")
    chapters = []
    for path in sorted((book.html / "chapters").glob("*.html")):
        heading = lxml_html.parse(str(path)).find(".//h1")
        for link in heading.xpath('.//a[contains(@class, "headerlink")]'):
            link.drop_tree()
        chapters.append(" ".join(heading.text_content().split()))
    for title in chapters:
        assert any(name.endswith("::" + title) for name in names), (title, names)
    used = {row[0] for row in db.execute("select did from cards")}
    assert len(used) >= len(chapters)


def test_a_rebuild_keeps_every_note_identity(flashcards, book, tmp_path):
    """Same sources and date: same bytes. A later date: the same GUIDs, so Anki updates."""
    first = (flashcards / f"{BASENAME}-flashcards.apkg").read_bytes()
    again = run_build(book.root, "flashcards")
    assert again.returncode == 0, again.output
    assert (flashcards / f"{BASENAME}-flashcards.apkg").read_bytes() == first
    later = tmp_path / "later"
    later.mkdir()
    import shutil

    shutil.copytree(book.root / ".work", later / ".work")
    build = run_build(later, "flashcards", env={"SOURCE_DATE_EPOCH": "1800000000"})
    assert build.returncode == 0, build.output

    def guids(apkg: Path, where: Path) -> dict[str, str]:
        where.mkdir()
        return {
            flds.split("\x1f")[0]: guid
            for guid, flds in collection(apkg, where).execute("select guid, flds from notes")
        }

    assert guids(flashcards / f"{BASENAME}-flashcards.apkg", tmp_path / "a") == guids(
        later / "flashcards" / f"{BASENAME}-flashcards.apkg", tmp_path / "b"
    )


def test_the_tsv_has_two_columns_a_card_a_line(flashcards, glossary_terms):
    lines = (flashcards / f"{BASENAME}-flashcards.tsv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(glossary_terms)
    for line in lines:
        term, definition = line.split("\t")
        assert term.strip() and len(definition.split()) >= 5, line
    assert sorted(line.split("\t")[0].split(" (")[0] for line in lines) == sorted(glossary_terms)


def phrase_centres(words: list[dict], phrase: str, keep) -> list[float]:
    """Horizontal centres of each place where ``phrase`` is set, word by word on one line,
    in words that ``keep`` accepts (a size or a weight)."""
    wanted = phrase.split()
    words = [w for w in words if keep(w)]
    centres = []
    for i in range(len(words) - len(wanted) + 1):
        run = words[i : i + len(wanted)]
        if [w["text"] for w in run] == wanted and len({round(w["top"]) for w in run}) == 1:
            centres.append((run[0]["x0"] + run[-1]["x1"]) / 2)
    return centres


def test_printed_cards_put_each_definition_behind_its_term(flashcards, glossary_terms):
    import pdfplumber

    half_card = 90 * 72 / 25.4 / 2  # cards are 90 mm wide
    with pdfplumber.open(flashcards / f"{BASENAME}-flashcards.pdf") as pdf:
        assert len(pdf.pages) == 2 + 2 * math.ceil(len(glossary_terms) / 8)
        width = float(pdf.pages[2].width)
        found = set()
        for front_number in range(2, len(pdf.pages), 2):
            front, back = pdf.pages[front_number], pdf.pages[front_number + 1]
            front_words = front.extract_words(extra_attrs=["size", "fontname"])
            back_words = back.extract_words(extra_attrs=["size", "fontname"])
            for term in glossary_terms:
                on_front = phrase_centres(front_words, term, lambda w: w["size"] > 14)
                if not on_front:
                    continue
                found.add(term)
                on_back = phrase_centres(
                    back_words, term, lambda w: w["size"] < 10 and "Bold" in w["fontname"]
                )
                assert on_back, f"{term!r} is on sheet {front_number // 2} but not behind it"
                # Flipped on the long edge, x mirrors: the back's card is across the page.
                assert any(abs((width - on_front[0]) - x) < half_card for x in on_back), term
        assert found == set(glossary_terms)


def test_the_printed_cards_are_tagged_and_embed_their_fonts(flashcards):
    import pikepdf

    with pikepdf.open(flashcards / f"{BASENAME}-flashcards.pdf") as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert "/StructTreeRoot" in pdf.Root
        assert pdf.open_metadata().get("dc:title")
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
