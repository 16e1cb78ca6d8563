"""The cards as plain data, gathered from the parsed book.

A card is a glossary entry; its deck is the first chapter (in book order) whose "Key terms"
list names it, so a student revising chapter 2 gets chapter 2's words. Terms no chapter
lists still go in, in a "Glossary" deck: the glossary is the authority, the key-term lists
only sort it. The glossary's entries open with the Russian original and its transliteration
("армия (*armiya*). A large ..."); that opening goes on the front with the term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docutils import nodes
from sphinx import addnodes

# "армия (armiya). Definition" : the Cyrillic original, its transliteration, then the text.
RUSSIAN_OPENING = re.compile(r"^([\u0400-\u04FF][^()]*?)\s*\(([^)]+)\)\.\s+(.*)$", re.S)


@dataclass(frozen=True)
class Card:
    term: str
    definition: str
    russian: str = ""
    transliteration: str = ""

    @property
    def front(self) -> str:
        if not self.russian:
            return self.term
        return f"{self.term} ({self.russian}, {self.transliteration})"


@dataclass(frozen=True)
class Deck:
    key: str  # the chapter's docname, or "glossary": what stays the same across editions
    title: str
    cards: tuple[Card, ...]


def _text(node: nodes.Node) -> str:
    return " ".join(node.astext().split())


def glossary_cards(env) -> dict[str, Card]:
    """Every glossary entry of the book, keyed by its term as {term} roles name it."""
    cards: dict[str, Card] = {}
    for docname in sorted(env.found_docs):
        doctree = env.get_doctree(docname)
        for glossary in doctree.findall(addnodes.glossary):
            for item in glossary.findall(nodes.definition_list_item):
                terms = [_text(t) for t in item.findall(nodes.term)]
                definition = next(iter(item.findall(nodes.definition)), None)
                if not terms or definition is None:
                    continue
                text = _text(definition)
                russian = transliteration = ""
                opening = RUSSIAN_OPENING.match(text)
                if opening:
                    russian, transliteration, text = (g.strip() for g in opening.groups())
                for term in terms:
                    cards[term] = Card(term, text, russian, transliteration)
    return cards


def _book_order(env) -> list[str]:
    """Documents in reading order, from the toctrees (the one owner of chapter order)."""
    order: list[str] = []

    def walk(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            walk(child)

    walk(env.config.root_doc)
    return order


def _key_terms(doctree: nodes.document) -> list[str]:
    """The terms a chapter's "Key terms" section links to, in its order."""
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is None or _text(title).lower() != "key terms":
            continue
        return [
            xref["reftarget"]
            for xref in section.findall(addnodes.pending_xref)
            if xref.get("reftype") == "term"
        ]
    return []


def decks(env) -> list[Deck]:
    cards = glossary_cards(env)
    by_lower = {term.lower(): term for term in cards}
    placed: set[str] = set()
    out: list[Deck] = []
    for docname in _book_order(env):
        listed = []
        for target in _key_terms(env.get_doctree(docname)):
            term = by_lower.get(target.lower())
            if term and term not in placed:
                placed.add(term)
                listed.append(cards[term])
        if listed:
            out.append(Deck(docname, _text(env.titles[docname]), tuple(listed)))
    rest = tuple(cards[t] for t in sorted(cards, key=str.lower) if t not in placed)
    if rest:
        out.append(Deck("glossary", "Glossary", rest))
    return out
