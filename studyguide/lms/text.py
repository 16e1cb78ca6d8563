"""What every question-bank format shares: which exercises a platform can mark, and the text
of a question as the book prints it, rendered from the exercise's doctree nodes.

The nodes come from the book's own parse, resolved for the ``lms`` builder (``questions.py``),
so a role shows exactly what the book shows: a term its text, a reference the section's
title, a citation its author and year. Each piece is rendered twice: plain text for GIFT
and an HTML fragment for Moodle XML (QTI takes the plain paragraphs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from docutils import frontend, nodes
from docutils.utils import new_document
from docutils.writers import html5_polyglot

from studyguide.exercises.model import Exercise

ORDER_NOTE = "Give each event its position in the sequence, from 1 (the earliest) to {n}."


def exportable(exercise: Exercise) -> bool:
    """What goes into a question bank: everything a platform can mark on its own
    (``Exercise.auto_markable`` decides for short answers), and every other short answer,
    as a manually graded question (see ``manual``)."""
    return exercise.auto_markable or exercise.type == "short-answer"


def manual(exercise: Exercise) -> bool:
    """A short answer whose accepted answers could not be matched fairly: the platform
    collects the response for a teacher (an essay question) with the model answer for them."""
    return exercise.type == "short-answer" and not exercise.auto_markable


@dataclass(frozen=True)
class Rich:
    """One piece of exercise text: ``text`` has a paragraph a block (a list item a line)."""

    text: str
    html: str

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p]


@dataclass(frozen=True)
class Question:
    """An exercise as a platform gets it: the model's answers, the book's rendered text."""

    exercise: Exercise
    prompt: Rich
    feedback: Rich
    hint: Rich | None = None


Chapters = Sequence[tuple[str, Sequence[Question]]]


@dataclass(frozen=True)
class Edition:
    """Which edition a bank is (``stamp``) and the exercises an edition revised (id ->
    version). Identifiers and categories never depend on it: they come from the exercise's
    id and its chapter, so re-importing a new edition updates the platform's questions."""

    stamp: str = ""
    revised: Mapping[str, str] = field(default_factory=dict)

    def note(self, exercise_id: str) -> str:
        version = self.revised.get(exercise_id)
        return f"revised in {version}" if version else ""


NO_EDITION = Edition()


# -- Plain text ----------------------------------------------------------------------------


def _line(node: nodes.Node) -> str:
    return " ".join(node.astext().split())


def _blocks(node: nodes.Node) -> list[str]:
    """Plain text of one block. Sphinx's text writer is not used: it wraps at 70 columns and
    marks emphasis with reST asterisks, while a platform wants each paragraph on one line."""
    if isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
        start = node.get("start", 1)
        marks = (
            ["-"] * len(node)
            if isinstance(node, nodes.bullet_list)
            else [f"{i}." for i in range(start, start + len(node))]
        )
        return ["\n".join(f"{mark} {_line(item)}".rstrip() for mark, item in zip(marks, node.children))]
    if isinstance(node, nodes.Invisible):  # comments, targets
        return []
    if isinstance(node, nodes.image):  # the platform has not the book's images
        return [node.get("alt", "")]
    if isinstance(node, nodes.literal_block):
        return [node.astext()]
    if isinstance(node, (nodes.Text, nodes.TextElement)):
        return [_line(node)]  # a raw node too: shown as the characters that were written
    return [block for child in node.children for block in _blocks(child)]


def plain_text(parts: Sequence[nodes.Node]) -> str:
    return "\n\n".join(block for part in parts for block in _blocks(part) if block)


# -- HTML ----------------------------------------------------------------------------------


class FragmentTranslator(html5_polyglot.HTMLTranslator):
    """docutils' HTML5 translator for a piece of an exercise on a platform.

    Links into the book become their text and images their alternative text (the platform
    does not host the book), the classes of Sphinx's roles are dropped with their ``<span>``,
    and raw HTML is written as the text it is: exercise text never becomes markup there.
    """

    def visit_reference(self, node):
        pass

    def depart_reference(self, node):
        pass

    def visit_inline(self, node):
        pass

    def depart_inline(self, node):
        pass

    def visit_target(self, node):
        raise nodes.SkipNode

    def visit_image(self, node):
        self.body.append(self.encode(node.get("alt", "")))
        raise nodes.SkipNode

    def visit_raw(self, node):
        self.body.append(self.encode(node.astext()))
        raise nodes.SkipNode

    def unknown_visit(self, node):
        pass  # Sphinx's own inline nodes: their content only

    def unknown_departure(self, node):
        pass


@cache
def _settings():
    return frontend.get_default_settings(html5_polyglot.Writer)


def html_fragment(parts: Sequence[nodes.Node]) -> str:
    document = new_document("<exercise>", _settings())
    for part in parts:
        document += part.deepcopy()
    visitor = FragmentTranslator(document)
    document.walkabout(visitor)
    return "".join(visitor.fragment).strip()


def render(parts: Sequence[nodes.Node]) -> Rich:
    return Rich(plain_text(parts), html_fragment(parts))


def from_text(*paragraphs: str) -> Rich:
    """Text that is not MyST (choices, the ordering note): each string one paragraph."""
    return render([nodes.paragraph("", text) for text in paragraphs])


# -- Shared by the formats -----------------------------------------------------------------


def pairs(exercise: Exercise) -> list[tuple[str, str]]:
    """Left and right of a matching question; an ordering pairs each event with its place.

    The events of an ordering are listed in the book's shuffled order: listing them in
    the answer's order would give the answer away wherever the platform does not shuffle.
    """
    if exercise.type == "ordering":
        place = {event: str(i) for i, event in enumerate(exercise.answer, 1)}
        return [(event, place[event]) for event in exercise.shuffled(exercise.answer)]
    return list(exercise.answer.items())


def category(root: str, title: str) -> str:
    """Moodle splits category paths at ``/``; a slash inside a name is written ``//``."""
    return "/".join(part.replace("/", "//") for part in (root, title))
