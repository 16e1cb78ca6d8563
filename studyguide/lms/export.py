"""Write the auto-gradable exercises as a GIFT file and a Moodle XML question bank.

Two layers, so the formats can be tested without Sphinx: ``gift()`` and ``moodle_xml()``
turn plain data (chapter titles and ``Exercise`` objects) into text, and ``write_all()``
only gathers that data from the finished build. Output depends on nothing but the input
(no dates, no sets, no hash order), so the same book gives the same bytes.

Only what a platform can mark on its own is exported: multiple choice, true or false,
matching, ordering and short answers that list ``accept`` answers. Moodle core has no
ordering question, so an ordering becomes a matching of each event to its position.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

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
    """A short answer is only machine-markable when the author listed answers to accept."""
    return exercise.auto_graded or (exercise.type == "short-answer" and bool(exercise.accept))


# -- MyST to plain text ----------------------------------------------------------------------

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


def _pairs(exercise: Exercise) -> list[tuple[str, str]]:
    """Left and right of a matching question; an ordering pairs each event with its place.

    The events of an ordering are listed in the book's shuffled order: listing them in
    the answer's order would give the answer away wherever the platform does not shuffle.
    """
    if exercise.type == "ordering":
        place = {event: str(i) for i, event in enumerate(exercise.answer, 1)}
        return [(event, place[event]) for event in exercise.shuffled(exercise.answer)]
    return list(exercise.answer.items())


def _prompt(exercise: Exercise, labels, citations) -> list[str]:
    paragraphs = plain(exercise.prompt, labels, citations)
    if exercise.type == "ordering":
        paragraphs.append(ORDER_NOTE.format(n=len(exercise.answer)))
    return paragraphs


# -- GIFT --------------------------------------------------------------------------------------

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
             f"::{escape_gift(exercise.id)}::{_gift_text(_prompt(exercise, labels, citations))}{{"]
    if exercise.type == "multiple-choice":
        lines += [("\t=" if choice == exercise.answer else "\t~") + text(choice)
                  for choice in exercise.choices]
    elif exercise.type == "true-false":
        lines[-1] += "T" if exercise.answer else "F"
    elif exercise.type in ("matching", "ordering"):
        lines += [f"\t={text(left)} -> {text(right)}" for left, right in _pairs(exercise)]
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
    blocks = [f"// {root}: auto-gradable review exercises (GIFT format)"]
    for title, exercises in chapters:
        chosen = [e for e in exercises if exportable(e)]
        if chosen:
            blocks.append(f"$CATEGORY: {category(root, title)}")
            blocks += [gift_question(e, labels, citations) for e in chosen]
    return "\n\n".join(blocks) + "\n"


def category(root: str, title: str) -> str:
    """Moodle splits category paths at ``/``; a slash inside a name is written ``//``."""
    return "/".join(part.replace("/", "//") for part in (root, title))


# -- Moodle XML --------------------------------------------------------------------------------

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

    kind = MOODLE_TYPES[exercise.type]
    out = [f'<question type="{kind}">',
           f"<name><text>{escape(exercise.id)}</text></name>",
           _text("questiontext", _html(_prompt(exercise, labels, citations))),
           _text("generalfeedback", html(exercise.solution)),
           "<defaultgrade>1</defaultgrade>",
           f"<penalty>{'1' if kind == 'truefalse' else '0.3333333'}</penalty>",
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
                for left, right in _pairs(exercise)]
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


# -- From the Sphinx build -----------------------------------------------------------------

def _citations(env) -> dict[str, str]:
    """``key -> "Author Year"`` from sphinxcontrib-bibtex, so feedback names the work."""
    try:
        entries = env.domains["cite"].bibdata.data.entries
    except (KeyError, AttributeError):
        return {}
    out = {}
    for key, entry in entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [" ".join(p.last_names) for p in people]
        who = names[0] + " et al." if len(names) > 2 else " and ".join(names)
        out[key] = " ".join(part for part in (who, entry.fields.get("year", "")) if part) or key
    return out


def write_all(builder) -> None:
    """Gather the chapters in book order and write ``<basename>.gift`` and ``-moodle.xml``."""
    env = builder.env
    found = env.domains["guide"].all_exercises()
    docs = sorted((d for d in found if d in env.all_docs),
                  key=lambda d: (tuple(env.toc_secnumbers.get(d, {}).get("", (999,))), d))
    chapters = [(env.titles[d].astext(), list(found[d])) for d in docs]
    labels = {name: title for name, (_doc, _id, title) in env.domains.standard_domain.labels.items()
              if title}
    citations = _citations(env)
    root, base = builder.config.project, builder.config.studyguide_basename
    outdir = Path(builder.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for name, text in ((f"{base}.gift", gift(chapters, root, labels, citations)),
                       (f"{base}-moodle.xml", moodle_xml(chapters, root, labels, citations))):
        (outdir / name).write_text(text, encoding="utf-8", newline="\n")
