"""The ``{debate}`` box that flags a contested claim.

A directive of its own (rather than a generic admonition with a class) so the text reads
the same in every chapter, the print CSS can style it, and tests can count the boxes.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.parsers.rst.directives.admonitions import BaseAdmonition
from sphinx.application import Sphinx


class Debate(BaseAdmonition):
    node_class = nodes.admonition
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"name": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        self.arguments = [f"Debate: {self.arguments[0]}"]
        self.options["class"] = ["debate"]
        return super().run()


def setup(app: Sphinx) -> dict:
    app.add_directive("debate", Debate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
