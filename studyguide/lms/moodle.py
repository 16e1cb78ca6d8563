"""Moodle XML: a question bank with categories, feedback and hints, for Moodle's importer."""

from __future__ import annotations

from html import escape

from studyguide.exercises.model import Exercise
from studyguide.lms.text import (
    Chapters,
    pairs,
    prompt,
    category,
    exportable,
    inline,
    manual,
    plain,
)

MOODLE_TYPES = {"multiple-choice": "multichoice", "true-false": "truefalse", "matching": "matching",
                "ordering": "matching", "short-answer": "shortanswer"}


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(p, quote=False).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _text(tag: str, html: str) -> str:
    return f'<{tag} format="html"><text>{_cdata(html)}</text></{tag}>'


def _answer(fraction: int, html: str, fmt: str = "html") -> str:
    return (f'<answer fraction="{fraction}" format="{fmt}"><text>{_cdata(html)}</text>'
            f'<feedback format="html"><text></text></feedback></answer>')


def moodle_question(exercise: Exercise, labels=None, citations=None) -> str:
    def html(myst: str) -> str:
        return _html(plain(myst, labels, citations))

    kind = "essay" if manual(exercise) else MOODLE_TYPES[exercise.type]
    out = [f'<question type="{kind}">',
           f"<name><text>{escape(exercise.id)}</text></name>",
           _text("questiontext", _html(prompt(exercise, labels, citations))),
           _text("generalfeedback", html(exercise.solution)),
           "<defaultgrade>1</defaultgrade>",
           f"<penalty>{'1' if kind == 'truefalse' else '0' if kind == 'essay' else '0.3333333'}</penalty>",
           "<hidden>0</hidden>",
           f"<idnumber>{escape(exercise.id)}</idnumber>"]
    if kind == "multichoice":
        out += ["<single>true</single>", "<shuffleanswers>true</shuffleanswers>",
                "<answernumbering>abc</answernumbering>"]
        out += [_answer(100 if c == exercise.answer else 0, html(c)) for c in exercise.choices]
    elif kind == "truefalse":
        out += [_answer(100 if exercise.answer else 0, "true", "moodle_auto_format"),
                _answer(0 if exercise.answer else 100, "false", "moodle_auto_format")]
    elif kind == "matching":
        out.append("<shuffleanswers>true</shuffleanswers>")
        out += [f'<subquestion format="html"><text>{_cdata(html(left))}</text>'
                f"<answer><text>{_cdata(inline(right, labels, citations))}</text></answer></subquestion>"
                for left, right in pairs(exercise)]
    elif kind == "essay":  # marked by a teacher, who is shown the model answer
        out += ["<responseformat>editor</responseformat>", "<responserequired>1</responserequired>",
                "<responsefieldlines>5</responsefieldlines>", "<attachments>0</attachments>",
                "<attachmentsrequired>0</attachmentsrequired>",
                _text("graderinfo", html(str(exercise.answer))),
                _text("responsetemplate", "")]
    else:
        out.append("<usecase>0</usecase>")
        out += [_answer(100, inline(a, labels, citations), "moodle_auto_format") for a in exercise.accept]
    if exercise.hint:
        out.append(_text("hint", html(exercise.hint)))
    out.append("</question>")
    return "\n  ".join(out[:-1]) + "\n" + out[-1]


def moodle_xml(chapters: Chapters, root: str, labels=None, citations=None) -> str:
    """A Moodle XML question bank: a category question before each chapter's questions."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for title, exercises in chapters:
        chosen = [e for e in exercises if exportable(e)]
        if chosen:
            parts.append(f'<question type="category">\n  <category><text>{escape(category(root, title))}'
                         f'</text></category>\n</question>')
            parts += [moodle_question(e, labels, citations) for e in chosen]
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"


