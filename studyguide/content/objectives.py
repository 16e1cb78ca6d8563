"""The ``{objectives}`` list that opens each chapter.

Objectives have keys because exercises name the objective they serve; the keys are stored
in the ``guide`` domain so that a misspelt key in an exercise file is caught at build time.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

LINE = re.compile(r"^(?P<key>[a-z0-9][a-z0-9-]*):\s+(?P<text>\S.*)$")


class Objectives(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        domain = self.env.domains["guide"]
        container = nodes.container(classes=["objectives"])
        container += nodes.rubric("", "Learning objectives")
        container += nodes.paragraph("", "After this chapter you should be able to:")
        items = nodes.bullet_list()
        for offset, line in enumerate(self.content):
            if not line.strip():
                continue
            lineno = self.content_offset + offset + 1
            match = LINE.match(line.strip())
            if not match:
                raise self.error(f"objective line {offset + 1} must read 'key: text', got {line.strip()!r}")
            key, text = match["key"], match["text"]
            node_id = f"objective-{self.env.docname.rsplit('/', 1)[-1]}-{key}"
            if not domain.note_objective(self.env.docname, key, text, node_id, lineno):
                raise self.error(f"objective key {key!r} is used twice in this chapter")
            inline, messages = self.state.inline_text(text, lineno)
            item = nodes.list_item("", nodes.paragraph("", "", *inline), ids=[node_id])
            items += item
            items += messages
        if not len(items):
            raise self.error("an objectives block needs at least one 'key: text' line")
        container += items
        return [container]


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.exercises.domain")
    app.add_directive("objectives", Objectives)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
