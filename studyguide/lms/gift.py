"""GIFT, the plain-text question format every Moodle (and several other platforms) imports.

Text is written in GIFT's ``[plain]`` format, marked on each question's text; answers and
feedback inherit it (Moodle's reader gives them the question text's format). Plain text is
shown as text, so nothing an exercise says can become markup, or a script, on the platform.
What Moodle's reader (``qformat_gift::readquestion``) would take for syntax is escaped.
"""

from __future__ import annotations

from html import escape

from studyguide.lms.text import NO_EDITION, Chapters, Edition, Question, category, exportable, manual, pairs

FORMAT = "[plain]"


def escape_gift(text: str) -> str:
    r"""Backslash the characters GIFT reserves (~ = # { } :) and the backslash itself.

    A newline becomes ``\n``: a blank line ends a question in GIFT, so text keeps its
    paragraphs only as escapes. This is what Moodle's own GIFT export does.
    """
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def gift_text(text: str) -> str:
    """Escaped text for an answer or a feedback. One that opens with ``[`` would be read as
    a format marker, and an answer that opens with ``%`` as a weight (``%50%``), so these
    get the marker they would inherit written out in front."""
    escaped = escape_gift(text)
    return FORMAT + escaped if escaped[:1] in ("[", "%") else escaped


def gift_left(text: str) -> str:
    """The left of a matching pair. Moodle cuts the pair at its first ``->``, which GIFT
    cannot escape; HTML can, so such an item is written as HTML-escaped ``[html]`` text."""
    if "->" in text:
        return "[html]" + escape_gift(escape(text, quote=False))
    return gift_text(text)


def gift_question(question: Question, edition: Edition = NO_EDITION) -> str:
    exercise = question.exercise
    note = edition.note(exercise.id)
    lines = [
        f"// {exercise.id} ({exercise.type})" + (f", {note}" if note else ""),
        f"::{escape_gift(exercise.id)}::{FORMAT}{escape_gift(question.prompt.text)}{{",
    ]
    if exercise.type == "multiple-choice":
        lines += [
            ("\t=" if choice == exercise.answer else "\t~") + gift_text(choice) for choice in exercise.choices
        ]
    elif exercise.type == "true-false":
        lines[-1] += "T" if exercise.answer else "F"
    elif exercise.type in ("matching", "ordering"):
        lines += [f"\t={gift_left(left)} -> {escape_gift(right)}" for left, right in pairs(exercise)]
    elif manual(exercise):
        pass  # no answers: GIFT reads an empty answer block as an essay question
    else:
        lines += [f"\t={gift_text(answer)}" for answer in exercise.accept]
    feedback = gift_text(question.feedback.text)
    if exercise.type == "true-false":
        lines[-1] += (f"####{feedback}" if feedback else "") + "}"
    else:
        lines += ([f"\t####{feedback}"] if feedback else []) + ["}"]
    return "\n".join(lines)


def gift(chapters: Chapters, root: str, edition: Edition = NO_EDITION) -> str:
    """A GIFT file: one ``$CATEGORY`` per chapter, then that chapter's questions."""
    blocks = [
        f"// {root}: review exercises (GIFT format); open short answers are essay questions"
        + (f"\n// {edition.stamp}" if edition.stamp else "")
    ]
    for title, questions in chapters:
        chosen = [q for q in questions if exportable(q.exercise)]
        if chosen:
            blocks.append(f"$CATEGORY: {category(root, title)}")
            blocks += [gift_question(q, edition) for q in chosen]
    return "\n\n".join(blocks) + "\n"
