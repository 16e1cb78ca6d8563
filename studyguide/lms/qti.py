"""QTI 2.1: the IMS standard question format, as a content package (a zip with a manifest).

Unlike GIFT and Moodle XML it has a native ordering interaction, so chronology exercises
stay orderings. Items are written with lxml (every text escaped by the XML library) and
deterministically (fixed zip times, sorted manifest), so the same book gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from studyguide.lms.text import NO_EDITION, Chapters, Edition, Question, category, exportable, manual

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
TEMPLATES = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"
STAMP = (1980, 1, 1, 0, 0, 0)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.SubElement(parent, _q(tag), attrs)
    element.text = text
    return element


def _choices(parent, tag: str, items: list[str], prefix: str, **attrs) -> None:
    for i, text in enumerate(items):
        _sub(parent, tag, text, identifier=f"{prefix}{i}", **attrs)


def _correct(declaration, values: list[str]) -> None:
    correct = _sub(declaration, "correctResponse")
    for value in values:
        _sub(correct, "value", value)


def _paragraphs(parent, paragraphs: list[str]) -> None:
    for text in paragraphs:
        _sub(parent, "p", text)


def item(question: Question) -> etree._Element:
    """One assessmentItem: a response declaration with the correct answer, and the interaction."""
    exercise = question.exercise
    root = etree.Element(
        _q("assessmentItem"),
        nsmap={None: NS},
        identifier=exercise.id,
        title=exercise.id,
        adaptive="false",
        timeDependent="false",
    )
    declaration = _sub(root, "responseDeclaration", identifier="RESPONSE")
    _sub(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    _sub(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="single", baseType="identifier")
    body = _sub(root, "itemBody")
    _paragraphs(body, question.prompt.paragraphs)
    if exercise.type in ("multiple-choice", "true-false"):
        options = exercise.choices if exercise.type == "multiple-choice" else ["True", "False"]
        correct = (
            options.index(exercise.answer)
            if exercise.type == "multiple-choice"
            else 0
            if exercise.answer
            else 1
        )
        declaration.set("cardinality", "single")
        declaration.set("baseType", "identifier")
        _correct(declaration, [f"C{correct}"])
        interaction = _sub(
            body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false", maxChoices="1"
        )
        _choices(interaction, "simpleChoice", options, "C")
    elif exercise.type == "ordering":
        shown = exercise.shuffled(exercise.answer)
        declaration.set("cardinality", "ordered")
        declaration.set("baseType", "identifier")
        _correct(declaration, [f"E{shown.index(e)}" for e in exercise.answer])
        interaction = _sub(body, "orderInteraction", responseIdentifier="RESPONSE", shuffle="false")
        _choices(interaction, "simpleChoice", shown, "E")
    elif exercise.type == "matching":
        left, right = list(exercise.answer), exercise.shuffled(list(exercise.answer.values()))
        declaration.set("cardinality", "multiple")
        declaration.set("baseType", "directedPair")
        _correct(declaration, [f"L{i} R{right.index(exercise.answer[item])}" for i, item in enumerate(left)])
        interaction = _sub(
            body,
            "matchInteraction",
            responseIdentifier="RESPONSE",
            shuffle="false",
            maxAssociations=str(len(left)),
        )
        for items, prefix in ((left, "L"), (right, "R")):
            _choices(
                _sub(interaction, "simpleMatchSet"), "simpleAssociableChoice", items, prefix, matchMax="1"
            )
    elif manual(exercise):  # a teacher marks it: no correct response, no response processing
        declaration.set("cardinality", "single")
        declaration.set("baseType", "string")
        _sub(body, "extendedTextInteraction", responseIdentifier="RESPONSE", expectedLines="5")
    else:  # short answer with accepted answers
        declaration.set("cardinality", "single")
        declaration.set("baseType", "string")
        _correct(declaration, [exercise.accept[0]])
        mapping = _sub(declaration, "mapping", defaultValue="0")
        for accepted in exercise.accept:
            _sub(mapping, "mapEntry", mapKey=accepted, mappedValue="1")
        _sub(body, "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="30")
    if not manual(exercise):
        template = "map_response" if exercise.type == "short-answer" else "match_correct"
        _sub(root, "responseProcessing", template=TEMPLATES + template)
    feedback = _sub(
        root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier="SOLUTION", showHide="hide"
    )
    _paragraphs(feedback, question.feedback.paragraphs)
    return root


def item_xml(question: Question) -> bytes:
    return etree.tostring(item(question), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _lom(parent, label: str = "", version: str = "") -> None:
    """LOM metadata: ``general/keyword`` (the category), ``lifeCycle/version`` (the edition)."""
    lom = etree.SubElement(parent, f"{{{LOM}}}lom", nsmap={None: LOM})
    if label:
        keyword = etree.SubElement(etree.SubElement(lom, f"{{{LOM}}}general"), f"{{{LOM}}}keyword")
        etree.SubElement(keyword, f"{{{LOM}}}string").text = label
    if version:
        held = etree.SubElement(etree.SubElement(lom, f"{{{LOM}}}lifeCycle"), f"{{{LOM}}}version")
        etree.SubElement(held, f"{{{LOM}}}string").text = version


def manifest(entries: list[tuple[str, str, str]], edition: Edition = NO_EDITION) -> bytes:
    """entries: (identifier, file name, category label)."""
    root = etree.Element(f"{{{CP}}}manifest", nsmap={None: CP}, identifier="studyguide")
    if edition.stamp:
        _lom(etree.SubElement(root, f"{{{CP}}}metadata"), version=edition.stamp)
    etree.SubElement(root, f"{{{CP}}}organizations")
    resources = etree.SubElement(root, f"{{{CP}}}resources")
    for ident, href, label in entries:
        resource = etree.SubElement(
            resources, f"{{{CP}}}resource", identifier=ident, type="imsqti_item_xmlv2p1", href=href
        )
        _lom(etree.SubElement(resource, f"{{{CP}}}metadata"), label, edition.note(ident.removeprefix("res-")))
        etree.SubElement(resource, f"{{{CP}}}file", href=href)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def qti_package(chapters: Chapters, root: str, edition: Edition = NO_EDITION) -> bytes:
    """A zip holding imsmanifest.xml and one item file per exportable exercise."""
    files, entries = {}, []
    for title, questions in chapters:
        for question in (q for q in questions if exportable(q.exercise)):
            href = f"items/{question.exercise.id}.xml"
            files[href] = item_xml(question)
            entries.append((f"res-{question.exercise.id}", href, category(root, title)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [("imsmanifest.xml", manifest(entries, edition)), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
