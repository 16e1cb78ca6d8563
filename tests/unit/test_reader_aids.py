"""What the build hands the web edition's reader aids: the digest that decides whether a saved
answer still belongs to its question, and the length of a preview."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from studyguide.exercises.model import Exercise
from studyguide.html.previews import person_id, short
from studyguide.html.progress import content_digest

BASE = Exercise(
    id="q",
    type="multiple-choice",
    objective="o",
    section="s",
    prompt="Which?",
    solution="Because.",
    path=Path("x.yaml"),
    line=1,
    choices=["A", "B"],
    answer="B",
    hint="Think.",
)


@pytest.mark.parametrize(
    "change",
    [
        {"prompt": "Which one?"},
        {"choices": ["A", "C"]},
        {"answer": "A"},
        {"type": "true-false"},
        {"source": "A quoted source."},
    ],
)
def test_a_changed_question_has_a_new_digest(change):
    assert content_digest(replace(BASE, **change)) != content_digest(BASE)


@pytest.mark.parametrize(
    "change",
    [
        {"solution": "Because, in other words."},
        {"hint": "Look again."},
        {"line": 40},
        {"path": Path("elsewhere.yaml")},
        {"marking": "Two marks."},
    ],
)
def test_what_the_reader_did_not_answer_keeps_the_digest(change):
    assert content_digest(replace(BASE, **change)) == content_digest(BASE)


def test_a_preview_keeps_whole_sentences_or_cuts_at_a_word():
    sentences = "One short sentence here. " * 30
    cut = short(sentences.strip(), 100)
    assert cut.endswith("here.") and len(cut) <= 100
    words = "word " * 100
    cut = short(words.strip(), 50)
    assert cut.endswith("…") and not cut[:-1].endswith(" ") and len(cut) <= 51
    assert short("Brief.", 50) == "Brief."


def test_a_person_anchor_is_made_from_the_index_entry():
    assert person_id("Zhukov, Georgy") == "person-zhukov-georgy"
    assert person_id("Glantz, David M.") == "person-glantz-david-m"
