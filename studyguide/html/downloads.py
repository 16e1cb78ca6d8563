"""A 'Download the book' menu in the web edition's header, offering the PDF and EPUB.

The menu is one more button group in sphinx-book-theme's own header-button list (added
after the theme has built it), so it looks and behaves like the theme's buttons. The files
themselves are copied into ``downloads/`` of the HTML output by the build driver, which
learns where from the builder's ``studyguide_wants`` (path in the output: format), so the
site is self-contained.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from studyguide.settings import output_name

DOWNLOAD_DIR = "downloads"


def download_names(config) -> dict[str, str]:
    return {"pdf": output_name(config, "pdf"), "epub": f"{config.epub_basename}.epub"}


def offered(config) -> dict[str, str]:
    """The formats the menu offers, with their file names."""
    names = download_names(config)
    offer_epub = config.studyguide_edition == "student"  # the EPUB is the student's book
    return names if offer_epub else {"pdf": names["pdf"]}


def declare_wants(app: Sphinx) -> None:
    if app.builder.name in ("html", "dirhtml"):
        app.builder.studyguide_wants = {f"{DOWNLOAD_DIR}/{name}": fmt
                                        for fmt, name in offered(app.config).items()}


def add_download_menu(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if app.builder.name not in ("html", "dirhtml") or "header_buttons" not in context:
        return
    pathto = context["pathto"]
    names = download_names(app.config)
    offer_epub = "epub" in offered(app.config)
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
    app.connect("builder-inited", declare_wants)
    app.connect("html-page-context", add_download_menu, priority=600)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
