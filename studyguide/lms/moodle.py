"""Moodle XML: a question bank with categories, feedback and hints, for Moodle's importer.

Written with lxml, so every text is escaped by the XML library; HTML texts go in CDATA
sections, as Moodle's own export writes them.
"""

from __future__ import annotations

from html import escape

from lxml import etree

from studyguide.lms.text import NO_EDITION, Chapters, Edition, Question, category, exportable, manual, pairs

MOODLE_TYPES = {
    "multiple-choice": "multichoice",
    "true-false": "truefalse",
    "matching": "matching",
    "ordering": "matching",
    "short-answer": "shortanswer",
}


def _sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _text(parent, tag: str, html: str, **attrs) -> etree._Element:
    """``<tag format="html"><text><![CDATA[html]]></text></tag>``."""
    element = _sub(parent, tag, format="html", **attrs)
    _sub(element, "text").text = etree.CDATA(html) if html else ""
    return element


def _choice_html(text: str) -> str:
    return f"<p>{escape(text, quote=False)}</p>"


def _answer(parent, fraction: int, text: str, fmt: str = "html") -> None:
    answer = _sub(parent, "answer", fraction=str(fraction), format=fmt)
    _sub(answer, "text").text = etree.CDATA(text) if fmt == "html" else text
    _text(answer, "feedback", "")


def moodle_question(quiz, question: Question, edition: Edition = NO_EDITION) -> None:
    exercise = question.exercise
    kind = "essay" if manual(exercise) else MOODLE_TYPES[exercise.type]
    out = _sub(quiz, "question", type=kind)
    _sub(_sub(out, "name"), "text", exercise.id)
    _text(out, "questiontext", question.prompt.html)
    _text(out, "generalfeedback", question.feedback.html)
    _sub(out, "defaultgrade", "1")
    _sub(out, "penalty", {"truefalse": "1", "essay": "0"}.get(kind, "0.3333333"))
    _sub(out, "hidden", "0")
    _sub(out, "idnumber", exercise.id)
    if kind == "multichoice":
        _sub(out, "single", "true")
        _sub(out, "shuffleanswers", "true")
        _sub(out, "answernumbering", "abc")
        for choice in exercise.choices:
            _answer(out, 100 if choice == exercise.answer else 0, _choice_html(choice))
    elif kind == "truefalse":
        _answer(out, 100 if exercise.answer else 0, "true", "moodle_auto_format")
        _answer(out, 0 if exercise.answer else 100, "false", "moodle_auto_format")
    elif kind == "matching":
        _sub(out, "shuffleanswers", "true")
        for left, right in pairs(exercise):
            sub = _text(out, "subquestion", _choice_html(left))
            _sub(_sub(sub, "answer"), "text", right)
    elif kind == "essay":  # marked by a teacher, who is shown the model answer
        for tag, value in (
            ("responseformat", "editor"),
            ("responserequired", "1"),
            ("responsefieldlines", "5"),
            ("attachments", "0"),
            ("attachmentsrequired", "0"),
        ):
            _sub(out, tag, value)
        _text(out, "graderinfo", f"<p>{escape(str(exercise.answer))}</p>{question.feedback.html}")
        _text(out, "responsetemplate", "")
    else:
        _sub(out, "usecase", "0")
        for accepted in exercise.accept:
            _answer(out, 100, accepted, "moodle_auto_format")
    if question.hint is not None:
        _text(out, "hint", question.hint.html)
    note = edition.note(exercise.id)
    if note:  # the same idnumber, so Moodle updates the question; the tag says why
        _sub(_sub(_sub(out, "tags"), "tag"), "text", note.replace(" ", "-"))


def moodle_xml(chapters: Chapters, root: str, edition: Edition = NO_EDITION) -> str:
    """A Moodle XML question bank: a category question before each chapter's questions."""
    quiz = etree.Element("quiz")
    if edition.stamp:  # before <quiz>, so a reader of the questions meets only questions
        quiz.addprevious(etree.Comment(f" {root}: {edition.stamp} "))
    for title, questions in chapters:
        chosen = [q for q in questions if exportable(q.exercise)]
        if chosen:
            head = _sub(quiz, "question", type="category")
            _sub(_sub(head, "category"), "text", category(root, title))
            if edition.stamp:  # the category's description on the platform
                _text(head, "info", f"<p>{escape(edition.stamp, quote=False)}</p>")
            for question in chosen:
                moodle_question(quiz, question, edition)
    etree.indent(quiz, space="  ")
    return etree.tostring(
        quiz.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True
    ).decode("utf-8")
