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
from sphinx.util import logging

from studyguide.epub.cover import draw_cover
from studyguide.epub.translator import EpubTranslator
from studyguide.fonts import copy_fonts
from studyguide.pdf import pagemap

HERE = Path(__file__).parent
logger = logging.getLogger(__name__)


class StudyGuideEpubBuilder(Epub3Builder):
    template_dir = HERE / "templates"

    @property
    def html_tag(self) -> str:  # type: ignore[override]
        lang = self.config.language
        return (
            f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
            f'lang="{lang}" xml:lang="{lang}">'
        )

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
        source = self.print_map
        metadata["page_break_source"] = (
            f"{source['pdf']}: {self.config.project}, {source['edition']} edition "
            f"{source['release']}, the PDF on A4 paper"
            if source
            else ""
        )
        if source:
            metadata["accessibility_summary"] += (
                " Page-break markers and a page list give the page numbers of the printed (A4 PDF) edition."
            )
        return metadata

    # -- print page numbers --------------------------------------------------------------

    @property
    def print_map(self) -> dict | None:
        """The standard print book's page map, if the PDF of this edition, on A4, was built
        from the sources as they are now (the driver lets the EPUB start once it is written)."""
        if not hasattr(self, "_print_map"):
            found = pagemap.read(Path(self.outdir).parent / "pdf" / pagemap.PAGE_MAP)
            usable = (
                found is not None
                and found.get("format") == "pdf"
                and found.get("paper") == "a4"
                and found.get("edition") == self.config.studyguide_edition
                and found.get("read") == dict(sorted(self.env.all_docs.items()))
            )
            if found is not None and not usable:
                logger.info(
                    "the PDF's page map is for other sources or another edition: "
                    "no print page numbers in this EPUB (build pdf and epub together)"
                )
            self._print_map = found if usable else None
            self._breaks = pagemap.breaks_by_block(found["pages"]) if usable else {}
            self._written: dict[str, str] = {}  # page label -> href of its marker
        return self._print_map

    def get_outdated_docs(self):
        """With the PDF's page map, every page is written again: an edit anywhere
        can move the print page breaks of chapters it did not touch, and the page list
        names the marker of every page."""
        if (Path(self.outdir).parent / "pdf" / pagemap.PAGE_MAP).is_file():
            yield from sorted(self.env.found_docs)
            return
        yield from super().get_outdated_docs()

    def write_doc(self, docname: str, doctree) -> None:
        self._block_keys = pagemap.block_keys(doctree, docname) if self.print_map else {}
        self._writing = docname
        super().write_doc(docname, doctree)

    def page_labels_at(self, node_id: int) -> list[str]:
        key = getattr(self, "_block_keys", {}).get(node_id)
        return self._breaks.get(key, []) if key else []

    def pages_written(self, labels: list[str]) -> None:
        href = self.get_target_uri(self._writing)
        for label in labels:
            self._written[label] = f"{href}#page-{label}"

    def page_list(self) -> list[tuple[str, str]]:
        """The page list in print order; every page of the map must have its marker."""
        if not self.print_map:
            return []
        labels = [label for label, _ in self.print_map["pages"]]
        missing = [label for label in labels if label not in self._written]
        if missing:
            logger.warning(
                "the EPUB has no place for print pages %s of %s",
                ", ".join(missing),
                self.print_map["pdf"],
                type="studyguide",
                subtype="page-list",
            )
        return [(label, self._written[label]) for label in labels if label in self._written]

    def navigation_doc_metadata(self, navlist) -> dict:
        metadata = super().navigation_doc_metadata(navlist)
        metadata["page_list"] = self.page_list()
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
