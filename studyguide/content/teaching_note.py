"""The ``{teaching-note}`` block: advice for teachers, printed only in the instructor edition.

The note is always parsed and kept in the doctree, marked as teaching notes;
``studyguide.editions`` drops it at write time from the editions that do not show them.
That keeps one parse for every edition.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst.directives.admonitions import BaseAdmonition
from sphinx.application import Sphinx

from studyguide.editions import TEACHING_NOTES


class TeachingNote(BaseAdmonition):
    node_class = nodes.admonition
    has_content = True
    required_arguments = 0
    optional_arguments = 0

    def run(self) -> list[nodes.Node]:
        self.arguments = ["Teaching note"]
        self.options["class"] = ["teaching-note"]
        (node, *messages) = super().run()
        node["material"] = TEACHING_NOTES
        return [node, *messages]


def setup(app: Sphinx) -> dict:
    app.add_directive("teaching-note", TeachingNote)
    app.setup_extension("studyguide.editions")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
