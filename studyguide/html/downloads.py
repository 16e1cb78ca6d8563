"""A 'Download the book' menu in the web edition's header, offering the PDF and EPUB.

The menu is one more button group in sphinx-book-theme's own header-button list (added
after the theme has built it), so it looks and behaves like the theme's buttons. The files
themselves are copied into ``downloads/`` of the HTML output by the build driver once
the PDF and EPUB of the same build exist, so the site is self-contained.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from studyguide.settings import output_name

DOWNLOAD_DIR = "downloads"


def download_names(config) -> dict[str, str]:
    return {"pdf": output_name(config, "pdf"), "epub": f"{config.epub_basename}.epub"}


def add_download_menu(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if app.builder.name not in ("html", "dirhtml") or "header_buttons" not in context:
        return
    pathto = context["pathto"]
    names = download_names(app.config)
    offer_epub = app.config.studyguide_edition == "student"  # the EPUB is the student's book
    buttons = [
        {"type": "link", "url": pathto(f"{DOWNLOAD_DIR}/{names['pdf']}", 1), "text": "PDF (print)",
         "tooltip": "Download the book as PDF", "icon": "fas fa-file-pdf", "label": "download-book-pdf"},
        {"type": "link", "url": pathto(f"{DOWNLOAD_DIR}/{names['epub']}", 1), "text": "EPUB (e-reader)",
         "tooltip": "Download the book as EPUB", "icon": "fas fa-book", "label": "download-book-epub"},
    ][: 2 if offer_epub else 1]
    context["header_buttons"].insert(0, {
        "type": "group", "tooltip": "Download the book", "icon": "fas fa-download",
        "buttons": buttons, "label": "download-book-buttons",
    })


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.connect("html-page-context", add_download_menu, priority=600)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
