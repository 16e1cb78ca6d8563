"""HTML translation for the print document.

Each included document becomes a ``<section class="doc" data-kind=...>`` wrapper instead of
an empty marker span, so the print stylesheet can start chapters on a right-hand page,
switch page styles between front matter and body, and set running heads per chapter.
"""

from __future__ import annotations

from docutils import nodes

from studyguide.html.accessibility import AccessibleHTMLTranslator
from studyguide.pdf import pagemap


class PrintTranslator(AccessibleHTMLTranslator):
    def starttag(self, node, tagname, suffix="\n", empty=False, **attributes):
        """Each block's first tag names it, so the renderer can say which page it starts on."""
        key = getattr(self.builder, "block_keys", {}).get(id(node))
        if key is not None:
            named = self.__dict__.setdefault("_named_blocks", set())
            if key not in named:
                named.add(key)
                attributes[pagemap.ATTRIBUTE] = key
        return super().starttag(node, tagname, suffix, empty, **attributes)

    def visit_start_of_file(self, node: nodes.Element) -> None:
        self.docnames.append(node["docname"])
        kind = self.builder.doc_kinds.get(node["docname"], "back")
        first = " doc-first-main" if node["docname"] == self.builder.first_main_doc else ""
        if node.get("continued"):  # a later piece of a long document (chunks.pieces)
            title = self.builder.env.titles[node["docname"]].astext()
            self.body.append(f'<div class="doc doc-{kind} doc-continued" data-title="{self.attval(title)}">')
            return
        self.body.append(f'<div class="doc doc-{kind}{first}" id="document-{node["docname"]}">')

    def depart_start_of_file(self, node: nodes.Element) -> None:
        self.body.append("</div>")
        self.docnames.pop()

    def visit_table(self, node: nodes.Element) -> None:
        """Mark tables that need cells broken anywhere to fit the page.

        Breaking anywhere makes WeasyPrint measure every possible break in every cell
        (seconds for the timeline), so only wide tables, or ones with a very long word, get it.
        """
        columns = max((g.get("cols", 0) for g in node.findall(nodes.tgroup)), default=0)
        longest = max((len(w) for w in node.astext().split()), default=0)
        if columns >= 5 or longest > 30:
            node["classes"].append("wide-table")
        super().visit_table(node)
