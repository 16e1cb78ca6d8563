"""Links and images with a ``javascript:``, ``vbscript:``, ``file:`` or ``data:`` URL.

markdown-it (under MyST) refuses these schemes, as CommonMark recommends, but silently: the
link is left as its literal Markdown text, so ``[notes](file:///etc/passwd)`` is published
as those characters with exit 0 and the author never learns that the link is gone. The
refused link survives only as text, so that is where it is found: in the text of every
paragraph, title and table cell after a document is read (chapters, included files and
exercise text alike), at the line it is on. Text in code is left alone. A link that did
become a reference (MyST accepts ``data:image/...``) is checked by its URL.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from studyguide.content.locations import location

logger = logging.getLogger(__name__)
REFUSED = ("javascript", "vbscript", "file", "data")  # markdown-it's BAD_PROTO_RE
# a destination as it is left in the text: "](url", "]: url" (a definition) or "<url>"
LEFT_AS_TEXT = re.compile(r"(?:\]\(\s*<?|\]:\s*<?|<)\s*(" + "|".join(REFUSED) + r")\s*:", re.IGNORECASE)
SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*)\s*:", re.IGNORECASE)
CODE = (nodes.literal, nodes.literal_block, nodes.raw, nodes.comment, nodes.math, nodes.math_block)


def report(scheme: str, where) -> None:
    logger.warning(
        "a %s: link or image is not allowed (it would run code or read a local "
        "file); link to an http(s) address or use a file of the book",
        scheme.lower(),
        location=where,
        type="studyguide",
        subtype="url",
    )


def check_urls(app: Sphinx, doctree: nodes.document) -> None:
    seen = set()
    for text in doctree.findall(nodes.Text):
        matches = list(LEFT_AS_TEXT.finditer(text))  # (rare: looked for before the ancestors)
        if not matches or any(isinstance(a, CODE) for a in _ancestors(text)):
            continue
        for match in matches:
            where = location(text, match.start())
            if (match[1].lower(), str(where)) not in seen:
                seen.add((match[1].lower(), str(where)))
                report(match[1], where)
    for ref in list(doctree.findall(nodes.reference)):
        scheme = SCHEME.match(ref.get("refuri", ""))
        if scheme and scheme[1].lower() in REFUSED:
            report(scheme[1], ref)
            ref.replace_self(ref.children)


def _ancestors(node: nodes.Node):
    while node is not None:
        yield node
        node = node.parent


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", check_urls)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
