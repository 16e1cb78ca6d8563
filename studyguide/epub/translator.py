"""HTML translation for the EPUB: the accessible markup shared with the web edition."""

from __future__ import annotations

from studyguide.html.accessibility import AccessibleHTMLTranslator


class EpubTranslator(AccessibleHTMLTranslator):
    pass
