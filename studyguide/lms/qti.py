"""QTI 2.1: the IMS standard question format, as a content package (a zip with a manifest).

Unlike GIFT and Moodle XML it has a native ordering interaction, so chronology exercises
stay orderings. Items are written deterministically (fixed zip times, sorted manifest), so
the same book gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from html import escape

from studyguide.exercises.model import Exercise
from studyguide.lms.text import Chapters, category, exportable, inline, manual, plain, prompt

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
STAMP = (1980, 1, 1, 0, 0, 0)


def _paragraphs(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)


def _choices(tag: str, items: list[str], prefix: str) -> str:
    return "".join(f'<{tag} identifier="{prefix}{i}">{escape(text, quote=False)}</{tag}>'
                   for i, text in enumerate(items))


def item_xml(exercise: Exercise, labels=None, citations=None) -> str:
    """One assessmentItem: a response declaration with the correct answer, and the interaction."""
    def text(myst: str) -> str:
        return inline(myst, labels, citations)

    body = _paragraphs(prompt(exercise, labels, citations))
    if exercise.type in ("multiple-choice", "true-false"):
        options = exercise.choices if exercise.type == "multiple-choice" else ["True", "False"]
        correct = (options.index(exercise.answer) if exercise.type == "multiple-choice"
                   else 0 if exercise.answer else 1)
        declaration = ('cardinality="single" baseType="identifier"',
                       f"<correctResponse><value>C{correct}</value></correctResponse>")
        interaction = (f'<choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">'
                       f"{_choices('simpleChoice', [text(o) for o in options], 'C')}</choiceInteraction>")
    elif exercise.type == "ordering":
        shown = exercise.shuffled(exercise.answer)
        declaration = ('cardinality="ordered" baseType="identifier"', "<correctResponse>" + "".join(
            f"<value>E{shown.index(e)}</value>" for e in exercise.answer) + "</correctResponse>")
        interaction = (f'<orderInteraction responseIdentifier="RESPONSE" shuffle="false">'
                       f"{_choices('simpleChoice', [text(e) for e in shown], 'E')}</orderInteraction>")
    elif exercise.type == "matching":
        left, right = list(exercise.answer), exercise.shuffled(list(exercise.answer.values()))
        declaration = ('cardinality="multiple" baseType="directedPair"', "<correctResponse>" + "".join(
            f"<value>L{i} R{right.index(exercise.answer[item])}</value>" for i, item in enumerate(left))
            + "</correctResponse>")
        sets = (f"<simpleMatchSet>{_choices('simpleAssociableChoice', [text(x) for x in left], 'L')}"
                f"</simpleMatchSet><simpleMatchSet>"
                f"{_choices('simpleAssociableChoice', [text(x) for x in right], 'R')}</simpleMatchSet>")
        sets = sets.replace("<simpleAssociableChoice ", '<simpleAssociableChoice matchMax="1" ')
        interaction = (f'<matchInteraction responseIdentifier="RESPONSE" shuffle="false" '
                       f'maxAssociations="{len(left)}">{sets}</matchInteraction>')
    elif manual(exercise):  # a teacher marks it: no correct response, no response processing
        declaration = ('cardinality="single" baseType="string"', "")
        interaction = '<extendedTextInteraction responseIdentifier="RESPONSE" expectedLines="5"/>'
    else:  # short answer with accepted answers
        mapping = "".join(f'<mapEntry mapKey="{escape(text(a))}" mappedValue="1"/>' for a in exercise.accept)
        declaration = ('cardinality="single" baseType="string"',
                       f"<correctResponse><value>{escape(text(exercise.accept[0]), quote=False)}</value>"
                       f'</correctResponse><mapping defaultValue="0">{mapping}</mapping>')
        interaction = '<textEntryInteraction responseIdentifier="RESPONSE" expectedLength="30"/>'
    cardinality, correct = declaration
    feedback = _paragraphs(plain(exercise.solution, labels, citations))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<assessmentItem xmlns="{NS}" identifier="{exercise.id}" title="{escape(exercise.id)}" '
        f'adaptive="false" timeDependent="false">\n'
        f'<responseDeclaration identifier="RESPONSE" {cardinality}>{correct}</responseDeclaration>\n'
        f'<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>\n'
        f'<outcomeDeclaration identifier="FEEDBACK" cardinality="single" baseType="identifier"/>\n'
        f"<itemBody>{body}{interaction}</itemBody>\n"
        + ("" if manual(exercise) else
           f'<responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/'
           f'{"map_response" if exercise.type == "short-answer" else "match_correct"}"/>\n') +
        f'<modalFeedback outcomeIdentifier="FEEDBACK" identifier="SOLUTION" showHide="hide">'
        f"{feedback}</modalFeedback>\n"
        f"</assessmentItem>\n"
    )


def manifest(entries: list[tuple[str, str, str]]) -> str:
    """entries: (identifier, file name, category label)."""
    resources = "".join(
        f'<resource identifier="{ident}" type="imsqti_item_xmlv2p1" href="{href}">'
        f'<metadata><lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><keyword><string>'
        f"{escape(label)}</string></keyword></general></lom></metadata>"
        f'<file href="{href}"/></resource>'
        for ident, href, label in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="{CP}" identifier="studyguide">'
            f"<organizations/><resources>{resources}</resources></manifest>\n")


def qti_package(chapters: Chapters, root: str, labels=None, citations=None) -> bytes:
    """A zip holding imsmanifest.xml and one item file per exportable exercise."""
    files, entries = {}, []
    for title, exercises in chapters:
        for exercise in (e for e in exercises if exportable(e)):
            href = f"items/{exercise.id}.xml"
            files[href] = item_xml(exercise, labels, citations)
            entries.append((f"res-{exercise.id}", href, category(root, title)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [("imsmanifest.xml", manifest(entries)), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
