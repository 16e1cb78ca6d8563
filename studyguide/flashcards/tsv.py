"""A tab-separated term list that Quizlet, Anki's text import and spreadsheets all read:
one card a line, the term (with its Russian original) then the definition, no header."""

from __future__ import annotations

from studyguide.flashcards.cards import Deck


def _field(text: str) -> str:
    # A tab or line break inside a field would start a new column or card.
    return " ".join(text.split())


def tsv(decks: list[Deck]) -> str:
    return "".join(
        f"{_field(card.front)}\t{_field(card.definition)}\n" for deck in decks for card in deck.cards
    )
