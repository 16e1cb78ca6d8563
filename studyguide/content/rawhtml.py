"""Raw HTML in a chapter or an exercise: a few harmless inline elements, nothing else.

MyST passes any HTML an author types straight into the web page, the EPUB and the PDF's
HTML. A ``<script>``, an ``<iframe>``, a remote ``<img>`` or stylesheet, a ``style`` with
``url()`` or an ``onerror`` handler would run code in readers' browsers, load from other
origins or read local files; a stray ``<div>`` breaks the EPUB's XHTML. Everything a
chapter needs has a MyST form (figures, links, tables, admonitions), so raw HTML is
limited to the inline elements MyST has no syntax for (the list is ``ALLOWED`` and
CONTRIBUTING.md), each with only the attributes listed, balanced within its paragraph.

The check runs when a document is read, on the ``raw`` nodes MyST makes (they keep the
file and line, also for exercise text, which the exercises directive parses with the
YAML's lines), so every format refuses the same input with the same message.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from studyguide.content.locations import location

logger = logging.getLogger(__name__)

# element -> the attributes it may carry, each with the pattern its value must match
ALLOWED: dict[str, dict[str, re.Pattern]] = {
    "br": {},
    "sub": {},
    "sup": {},
    "kbd": {},
    "abbr": {"title": re.compile(r"[^<>]*")},
    "span": {"lang": re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")},
}
VOID = {"br"}
SUMMARY = "<br>, <sub>, <sup>, <kbd>, <abbr title> and <span lang>"


class _Fragments(HTMLParser):
    """Reads the raw HTML of one paragraph, piece by piece, and lists what is not allowed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.refused: set[str] = set()  # their end tags need no second message
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in ALLOWED:
            self.problems.append(f"the HTML element <{tag}> is not allowed")
            self.refused.add(tag)
            return
        for name, value in attrs:
            pattern = ALLOWED[tag].get(name)
            if pattern is None:
                self.problems.append(f"the attribute {name!r} is not allowed on <{tag}>")
            elif not pattern.fullmatch(value or ""):
                self.problems.append(f"{name}={value!r} is not a valid value on <{tag}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ALLOWED and tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED:
            if tag not in self.refused:
                self.problems.append(f"the HTML element </{tag}> is not allowed")
            return
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes nothing that is open here")
        else:
            self.open.pop()

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"<!{decl}> is not allowed")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"<?{data}> is not allowed")

    unknown_decl = handle_decl


def report(node: nodes.Node, problem: str) -> None:
    where = location(node) if isinstance(node.parent, nodes.TextElement) else node
    logger.warning(
        "%s: raw HTML may only use %s (see CONTRIBUTING.md)",
        problem,
        SUMMARY,
        location=where,
        type="studyguide",
        subtype="raw_html",
    )


def check_raw_html(app: Sphinx, doctree: nodes.document) -> None:
    groups: dict[int, list[nodes.raw]] = {}
    for raw in doctree.findall(nodes.raw):
        if "html" in raw.get("format", "").split():
            groups.setdefault(id(raw.parent), []).append(raw)
    for pieces in groups.values():
        parser = _Fragments()
        for raw in pieces:
            parser.feed(raw.astext())
            parser.goahead(True)  # an unfinished tag at the end of one piece is one too
            if parser.problems:
                report(raw, parser.problems[0])
                parser.problems.clear()
                raw.parent.remove(raw)  # no format gets it, even though the build stops
        if parser.open:
            report(pieces[-1], f"<{parser.open[-1]}> is never closed in this paragraph")


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", check_raw_html)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
