"""One report per problem, naming the file and line where the problem is.

- A document without a title (an empty chapter file, say) is reported once, at the file
  itself. Sphinx instead warns at the toctree that lists it, and again each time any page's
  navigation is drawn (once per page of the web edition), never naming the empty file.
- A warning Sphinx would print twice with the same words at the same place (two broken
  references on one line) is printed once.
- A glossary in a MyST file reports a duplicate term at the duplicate's own line. MyST hands
  directives their content numbered from 0, not by the file's lines, so Sphinx's glossary
  gave each term its position inside the directive as its line.
"""

from __future__ import annotations

import logging

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.domains.std import Glossary
from sphinx.util import logging as sphinx_logging
from sphinx.util.logging import WarningStreamHandler

logger = sphinx_logging.getLogger(__name__)


def check_title(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.current_document.docname
    if doctree.next_node(nodes.title) is not None or "orphan" in app.env.metadata.get(docname, {}):
        return
    empty = not doctree.astext().strip()
    logger.warning(
        "this document is empty: write its title as a first '# ' heading"
        if empty
        else "this document has no title: start it with a '# ' heading, so that contents and "
        "navigation can name it",
        location=(docname, 1),
        type="studyguide",
        subtype="title",
    )


def replace_no_title_warning(app: Sphinx, config: Config) -> None:
    """``check_title`` says it once, at the file: Sphinx's own warning goes."""
    if "toc.no_title" not in config.suppress_warnings:
        config.suppress_warnings = [*config.suppress_warnings, "toc.no_title"]


class OnceAtEachPlace(logging.Filter):
    """Let a warning through the first time its text and place are seen."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (str(getattr(record, "location", "") or ""), record.getMessage())
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def print_each_warning_once(app: Sphinx) -> None:
    # Sphinx's handler turns the record's location into "file:line" with its own filters;
    # this one runs after them, so two records for one place compare equal.
    for handler in logging.getLogger(sphinx_logging.NAMESPACE).handlers:
        if isinstance(handler, WarningStreamHandler) and not any(
            isinstance(f, OnceAtEachPlace) for f in handler.filters
        ):
            handler.addFilter(OnceAtEachPlace())


class FileLinesGlossary(Glossary):
    def run(self) -> list[nodes.Node]:
        from myst_parser.mocking import MockState

        if isinstance(self.state, MockState):  # a MyST file: see the module's docstring
            first = self.lineno + 1 + self.content_offset
            self.content = StringList(
                list(self.content),
                items=[(source, first + i) for i, (source, _) in enumerate(self.content.items)],
            )
            # MyST's nested parse (the definitions) counts from the directive's line plus
            # the offset it is given, which is now the file's own (1-based) line number.
            # The state belongs to this directive alone.
            self.state._lineno = -1
        return super().run()


def setup(app: Sphinx) -> dict:
    print_each_warning_once(app)
    app.connect("config-inited", replace_no_title_warning)
    app.connect("doctree-read", check_title)
    app.add_directive_to_domain("std", "glossary", FileLinesGlossary, override=True)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
