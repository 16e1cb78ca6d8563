"""What every question-bank format shares: which exercises a platform can mark, and MyST
turned into the plain text a platform shows (roles resolved to what the book prints)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from studyguide.exercises.model import Exercise

Chapters = Sequence[tuple[str, Sequence[Exercise]]]
ORDER_NOTE = "Give each event its position in the sequence, from 1 (the earliest) to {n}."

ROLE = re.compile(r"\{([a-z][\w:.+-]*)\}`([^`]*)`")
EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
LIST_ITEM = re.compile(r"^([-*+]|\d{1,2}[.)])\s")
INLINE = [
    (re.compile(r"``(.+?)``|`([^`]+)`", re.S), lambda m: m.group(1) or m.group(2)),
    (re.compile(r"\*\*(.+?)\*\*", re.S), r"\1"),
    (re.compile(r"(?<![\w*\\])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", re.S), r"\1"),
]


def exportable(exercise: Exercise) -> bool:
    """What goes into a question bank: everything a platform can mark on its own
    (``Exercise.auto_markable`` decides for short answers), and every other short answer,
    as a manually graded question (see ``manual``)."""
    return exercise.auto_markable or exercise.type == "short-answer"


def manual(exercise: Exercise) -> bool:
    """A short answer whose accepted answers could not be matched fairly: the platform
    collects the response for a teacher (an essay question) with the model answer for them."""
    return exercise.type == "short-answer" and not exercise.auto_markable


def inline(text: str, labels: Mapping[str, str] | None = None,
           citations: Mapping[str, str] | None = None) -> str:
    """Drop MyST inline markup, keeping what a reader would see in the book.

    ``{term}`the front <Front>``` shows its text, ``{term}`Front``` its target; a
    ``{ref}`` to a label shows the section title from ``labels`` (the label itself when
    unknown); a ``{cite:p}`` shows the author and year from ``citations``.
    """
    labels, citations = labels or {}, citations or {}

    def role(match: re.Match) -> str:
        name, body = match.group(1), " ".join(match.group(2).split())
        explicit = EXPLICIT.match(body)
        shown, target = (explicit.group(1), explicit.group(2)) if explicit else ("", body)
        if name.startswith("cite"):
            keys = [key.strip() for key in target.split(",") if key.strip()]
            return "(" + "; ".join(citations.get(key, key) for key in keys) + ")"
        if shown:
            return shown
        if name in ("ref", "numref", "doc", "any"):
            return labels.get(target, target)
        return target

    text = ROLE.sub(role, text)
    for pattern, replacement in INLINE:
        text = pattern.sub(replacement, text)
    return text


def plain(text: str, labels: Mapping[str, str] | None = None,
          citations: Mapping[str, str] | None = None) -> list[str]:
    """Paragraphs of plain text; wrapped lines are joined, list items keep their own line."""
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", inline(text, labels, citations).strip()):
        lines: list[str] = []
        for line in (raw.strip() for raw in block.splitlines()):
            if not line:
                continue
            if lines and not LIST_ITEM.match(line):
                lines[-1] += " " + line
            else:
                lines.append(line)
        if lines:
            paragraphs.append("\n".join(lines))
    return paragraphs


def pairs(exercise: Exercise) -> list[tuple[str, str]]:
    """Left and right of a matching question; an ordering pairs each event with its place.

    The events of an ordering are listed in the book's shuffled order: listing them in
    the answer's order would give the answer away wherever the platform does not shuffle.
    """
    if exercise.type == "ordering":
        place = {event: str(i) for i, event in enumerate(exercise.answer, 1)}
        return [(event, place[event]) for event in exercise.shuffled(exercise.answer)]
    return list(exercise.answer.items())


def prompt(exercise: Exercise, labels, citations) -> list[str]:
    paragraphs = plain(exercise.prompt, labels, citations)
    if exercise.type == "ordering":
        paragraphs.append(ORDER_NOTE.format(n=len(exercise.answer)))
    return paragraphs



def category(root: str, title: str) -> str:
    """Moodle splits category paths at ``/``; a slash inside a name is written ``//``."""
    return "/".join(part.replace("/", "//") for part in (root, title))


