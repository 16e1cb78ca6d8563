"""HTML translation for the EPUB: the accessible markup shared with the web edition, and
the print edition's page-break markers.

A marker opens the block the PDF's page starts with (see ``studyguide/pdf/pagemap.py``):
right after the block's own tag, or, for a block written without one (a compact list
item's paragraph), before its first text, so it is always where a ``<span>`` may stand.
"""

from __future__ import annotations

from html import escape

from docutils import nodes

from studyguide.html.accessibility import AccessibleHTMLTranslator


def marker(label: str) -> str:
    label = escape(label, quote=True)
    return f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{label}" aria-label="{label}"></span>'


class EpubTranslator(AccessibleHTMLTranslator):
    def __init__(self, document, builder) -> None:
        super().__init__(document, builder)
        self._pending: tuple[int, list[str]] | None = None  # (block, its page labels)

    def dispatch_visit(self, node: nodes.Node) -> None:
        labels = self.builder.page_labels_at(id(node))
        if labels:
            waiting = self._pending[1] if self._pending else []
            self._pending = (id(node), [*waiting, *labels])
        super().dispatch_visit(node)

    def _flush(self) -> str:
        labels = self._pending[1]
        self._pending = None
        self.builder.pages_written(labels)
        return "".join(marker(label) for label in labels)

    def starttag(self, node, tagname, suffix="\n", empty=False, **attributes):
        tag = super().starttag(node, tagname, suffix, empty, **attributes)
        if self._pending and self._pending[0] == id(node) and not empty:
            return tag + self._flush()
        return tag

    def visit_Text(self, node: nodes.Text) -> None:
        if self._pending:
            self.body.append(self._flush())
        super().visit_Text(node)
