"""Catch the source mistakes that Sphinx and MyST let through or crash on, with file and line.

- A file that is not UTF-8 makes Sphinx 9 stop with a bare ``UnicodeDecodeError``; here it
  is reported with the line of the first bad byte and left out of the read.
- A document left out of every toctree is reported with a line (Sphinx gives none).
- An unclosed code or directive fence is valid CommonMark (it runs to the end of the
  file), so MyST says nothing while the rest of the chapter silently disappears.
"""

from __future__ import annotations

import re

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}|:{3,})(.*)$")


def check_encoding(app: Sphinx, env, docnames: list[str]) -> None:
    for docname in list(docnames):
        path = env.doc2path(docname)
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            logger.warning(
                "the file is not UTF-8 text (byte %#x); save it as UTF-8",
                data[err.start],
                location=f"{path}:{line}",
                type="studyguide",
                subtype="encoding",
            )
            docnames.remove(docname)


def unclosed_fence(text: str) -> int | None:
    """Line number of a fence opened and never closed, if any."""
    open_char, open_len, open_line = "", 0, 0
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if not match:
            continue
        marks, rest = match[1], match[2].strip()
        if open_char:
            if marks[0] == open_char and len(marks) >= open_len and not rest:
                open_char = ""
        elif marks[0] != ":" or rest:  # a bare ':::' closes; it never opens
            open_char, open_len, open_line = marks[0], len(marks), number
    return open_line if open_char else None


def check_fences(app: Sphinx, docname: str, source: list[str]) -> None:
    line = unclosed_fence(source[0])
    if line:
        logger.warning(
            "this fence is never closed, so everything after it is swallowed",
            location=(docname, line),
            type="studyguide",
            subtype="fence",
        )


def check_in_toctree(app: Sphinx, env) -> None:
    """Sphinx says 'not included in any toctree' without a line; point at the file itself."""
    included = set().union(*env.included.values())
    for docname in sorted(env.all_docs):
        if (
            docname in env.files_to_rebuild
            or docname == app.config.root_doc
            or docname in included
            or "orphan" in env.metadata.get(docname, {})
        ):
            continue
        logger.warning(
            "this document is not listed in any toctree: add it to %s",
            env.doc2path(app.config.root_doc).name,
            location=(docname, 1),
            type="studyguide",
            subtype="toctree",
        )


def setup(app: Sphinx) -> dict:
    app.connect("env-check-consistency", check_in_toctree)
    app.connect("env-before-read-docs", check_encoding)
    app.connect("source-read", check_fences)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
