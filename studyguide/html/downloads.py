"""A 'Download the book' menu in the web edition's header, offering the PDF and EPUB.

The menu is one more button group in sphinx-book-theme's own header-button list (added
after the theme has built it), so it looks and behaves like the theme's buttons. The files
themselves are copied into ``downloads/`` of the HTML output by the build driver when it
publishes (``declare_wants`` says which), so the site is self-contained.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from studyguide.editions import policy
from studyguide.settings import output_name

DOWNLOAD_DIR = "downloads"
BUTTONS = {  # how each downloadable format is offered
    "pdf": {"text": "PDF (print)", "tooltip": "Download the book as PDF", "icon": "fas fa-file-pdf"},
    "epub": {"text": "EPUB (e-reader)", "tooltip": "Download the book as EPUB", "icon": "fas fa-book"},
}


def download_names(config) -> dict[str, str]:
    return {"pdf": output_name(config, "pdf"), "epub": f"{config.epub_basename}.epub"}


def offered(builder) -> tuple[str, ...]:
    """The formats this build's menu offers (none: no menu), as the edition's rules say."""
    return policy(builder).downloads


def declare_wants(app: Sphinx) -> None:
    """Tell the build driver which other formats' files this build links to, and where it
    wants their copies (the driver copies them in when it publishes, so the site is whole)."""
    names = download_names(app.config)
    app.builder.studyguide_wants = {f"{DOWNLOAD_DIR}/{names[fmt]}": fmt for fmt in offered(app.builder)}


def add_download_menu(app: Sphinx, pagename, templatename, context, doctree) -> None:
    formats = offered(app.builder)
    if not formats or "header_buttons" not in context:
        return
    pathto = context["pathto"]
    names = download_names(app.config)
    buttons = [
        {
            "type": "link",
            "url": pathto(f"{DOWNLOAD_DIR}/{names[fmt]}", 1),
            **BUTTONS[fmt],
            "label": f"download-book-{fmt}",
        }
        for fmt in formats
    ]
    context["header_buttons"].insert(
        0,
        {
            "type": "group",
            "tooltip": "Download the book",
            "icon": "fas fa-download",
            "buttons": buttons,
            "label": "download-book-buttons",
        },
    )


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.connect("builder-inited", declare_wants)
    app.connect("html-page-context", add_download_menu, priority=600)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
