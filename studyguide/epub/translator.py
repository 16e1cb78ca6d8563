"""HTML translation for the EPUB: markup that epubcheck and reading systems accept.

Docutils marks bibliography entries with the DPUB role ``doc-biblioentry``, which EPUB 3.3
deprecates (epubcheck warns on every entry); a plain list item says the same thing.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.writers.html5 import HTML5Translator


class EpubTranslator(HTML5Translator):
    def visit_citation(self, node: nodes.Element) -> None:
        if not isinstance(node.previous_sibling(), type(node)):
            self.body.append('<div role="list" class="citation-list">\n')
        self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))
