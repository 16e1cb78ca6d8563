"""Accessibility fixes for the HTML the book is made of (web edition, EPUB and PDF alike).

The translator repairs the few places where Sphinx's and docutils' markup trips axe-core
and epubcheck; ``static/focus.css`` gives every control, the theme's too, a visible focus.

- toctree captions carry ``role="heading"`` but no ``aria-level`` (axe: aria-required-attr);
- bibliography entries use the DPUB role ``doc-biblioentry``, deprecated in ARIA and in
  EPUB 3.3 (axe: aria-deprecated-role; epubcheck: RSC-017); a list item says the same.

The theme's own markup is mended where it is written: ``templates/`` overrides a theme
component by name, through Sphinx's ``templates_path``, which is searched before the theme.

- the sidebar's search button shows "Search Ctrl+K" but is named "Search" alone
  (axe 4.14: label-content-name-mismatch, WCAG 2.5.3).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.writers.html5 import HTML5Translator

from studyguide.settings import add_static_dir

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"


class AccessibleHTMLTranslator(HTML5Translator):
    def visit_title(self, node: nodes.title) -> None:
        if isinstance(node.parent, addnodes.compact_paragraph) and node.parent.get("toctree"):
            self.body.append(
                self.starttag(node, "p", "", CLASS="caption", ROLE="heading", **{"aria-level": "2"})
            )
            self.body.append('<span class="caption-text">')
            self.context.append("</span></p>\n")
            return
        super().visit_title(node)

    def visit_citation(self, node: nodes.Element) -> None:
        if not isinstance(node.previous_sibling(), type(node)):
            self.body.append('<div role="list" class="citation-list">\n')
        self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def add_templates(app: Sphinx, config: Config) -> None:
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path = [*config.templates_path, str(TEMPLATES)]


def setup(app: Sphinx) -> dict:
    # pydata-sphinx-theme mixes its own translator into whatever is registered here.
    app.set_translator("html", AccessibleHTMLTranslator)
    app.set_translator("dirhtml", AccessibleHTMLTranslator)
    add_static_dir(app, STATIC)
    app.connect("config-inited", add_templates)
    app.add_css_file("focus.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
