"""``sphinx-build -b epub``: an EPUB 3 that epubcheck and DAISY Ace accept, byte-for-byte
reproducible.

Sphinx's own builder needs four things it cannot be configured to do: accessibility
metadata in the package document and a ``doc-toc`` navigation (our templates), ``lang`` on
every content page, the book's fonts and cover in the package before it is zipped, and a
zip whose entry times come from ``SOURCE_DATE_EPOCH`` rather than file mtimes.
"""

from __future__ import annotations

import html
import os
import time
import zipfile
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.builders.epub3 import Epub3Builder

from studyguide.epub.cover import draw_cover
from studyguide.epub.translator import EpubTranslator
from studyguide.fonts import copy_fonts

HERE = Path(__file__).parent


class StudyGuideEpubBuilder(Epub3Builder):
    template_dir = HERE / "templates"

    @property
    def html_tag(self) -> str:  # type: ignore[override]
        lang = self.config.language
        return (f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
                f'lang="{lang}" xml:lang="{lang}">')

    def init_js_files(self) -> None:
        self._js_files = []  # an e-reader need not run script, and EPUB must not depend on it

    def content_metadata(self) -> dict:
        metadata = super().content_metadata()
        metadata["accessibility_summary"] = (
            "Structured with headings, a navigation table of contents and an index; every "
            "figure has a text alternative and every exercise reads in order without script. "
            "Colour is never the only carrier of meaning."
        )
        # The edition and its commit (studyguide.revisions puts it in html_context): 1.1+abc1234.
        metadata["edition_token"] = html.escape(self.config.html_context.get("studyguide_edition_token", ""))
        return metadata

    @property
    def produced(self) -> Path:
        """The file this builder makes (the build driver publishes it)."""
        return Path(self.outdir) / f"{self.config.epub_basename}.epub"

    def handle_finish(self) -> None:
        static = Path(self.outdir) / "_static"
        copy_fonts(static / "fonts", licence=False)
        draw_cover(self.config, static / "cover.png")
        super().handle_finish()
        self.make_reproducible(self.produced)

    @staticmethod
    def make_reproducible(epub: Path) -> None:
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
        stamp = time.gmtime(max(epoch, 315532800))[:6]
        with zipfile.ZipFile(epub) as old:
            entries = [(info.filename, old.read(info)) for info in old.infolist()]
        tmp = epub.with_suffix(".epub.tmp")
        with zipfile.ZipFile(tmp, "w") as new:
            for name, data in entries:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                new.writestr(info, data)
        tmp.replace(epub)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx.builders.epub3")
    app.add_builder(StudyGuideEpubBuilder, override=True)
    app.set_translator("epub", EpubTranslator)
    app.add_html_theme("studyguide_epub", str(HERE / "theme"))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
