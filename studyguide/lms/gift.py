"""GIFT, the plain-text question format every Moodle (and several other platforms) imports."""

from __future__ import annotations

from studyguide.exercises.model import Exercise
from studyguide.lms.text import Chapters, pairs, prompt, category, exportable, manual, plain


def escape_gift(text: str) -> str:
    r"""Backslash the characters GIFT reserves (~ = # { } :) and the backslash itself.

    A newline becomes ``\n``: a blank line ends a question in GIFT, so text keeps its
    paragraphs only as escapes. This is what Moodle's own GIFT export does.
    """
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _gift_text(paragraphs: list[str]) -> str:
    return escape_gift("\n\n".join(paragraphs))


def gift_question(exercise: Exercise, labels=None, citations=None) -> str:
    def text(myst: str) -> str:
        return _gift_text(plain(myst, labels, citations))

    lines = [f"// {exercise.id} ({exercise.type})",
             f"::{escape_gift(exercise.id)}::{_gift_text(prompt(exercise, labels, citations))}{{"]
    if exercise.type == "multiple-choice":
        lines += [("\t=" if choice == exercise.answer else "\t~") + text(choice)
                  for choice in exercise.choices]
    elif exercise.type == "true-false":
        lines[-1] += "T" if exercise.answer else "F"
    elif exercise.type in ("matching", "ordering"):
        lines += [f"\t={text(left)} -> {text(right)}" for left, right in pairs(exercise)]
    elif manual(exercise):
        pass  # no answers: GIFT reads an empty answer block as an essay question
    else:
        lines += [f"\t={text(answer)}" for answer in exercise.accept]
    feedback = text(exercise.solution)
    if exercise.type == "true-false":
        lines[-1] += (f"####{feedback}" if feedback else "") + "}"
    else:
        lines += ([f"\t####{feedback}"] if feedback else []) + ["}"]
    return "\n".join(lines)


def gift(chapters: Chapters, root: str, labels=None, citations=None) -> str:
    """A GIFT file: one ``$CATEGORY`` per chapter, then that chapter's questions."""
    blocks = [f"// {root}: review exercises (GIFT format); open short answers are essay questions"]
    for title, exercises in chapters:
        chosen = [e for e in exercises if exportable(e)]
        if chosen:
            blocks.append(f"$CATEGORY: {category(root, title)}")
            blocks += [gift_question(e, labels, citations) for e in chosen]
    return "\n\n".join(blocks) + "\n"
