"""``sphinx-build -b epub``: an EPUB 3 that epubcheck and DAISY Ace accept, byte-for-byte
reproducible.

Sphinx's own builder needs four things it cannot be configured to do: accessibility
metadata in the package document and a ``doc-toc`` navigation (our templates), ``lang`` on
every content page, the book's fonts and cover in the package before it is zipped, and a
zip whose entry times come from ``SOURCE_DATE_EPOCH`` rather than file mtimes.
"""

from __future__ import annotations

import html
import json
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
            self._placed: dict[str, list[str]] = {}  # document written now -> its markers
        return self._print_map

    def get_outdated_docs(self):
        """With the PDF's page map, a page is written again when its print page breaks
        moved (an edit to one chapter moves those of the chapters after it only when it
        changes that chapter's page count), when its document was read since the page was
        written (the parse beside this process rereads a document whose exercise file
        changed, whatever the source's mtime), or when Sphinx's own rules say so."""
        last = self._last_breaks
        if self.print_map is None:  # no markers now: none may be kept from the last pages
            if (Path(self.outdir).parent / "pdf" / pagemap.PAGE_MAP).is_file():
                yield from sorted(self.env.found_docs)
            else:
                yield from super().get_outdated_docs()
            return
        outdated = set(super().get_outdated_docs())
        for docname in sorted(self.env.found_docs):
            page = Path(self.get_outfilename(docname))
            if (
                docname in outdated
                or last.get(docname, {}).get("breaks") != self._breaks_of(docname)
                or not page.is_file()
                or page.stat().st_mtime_ns // 1000 < self.env.all_docs.get(docname, 0)
            ):
                yield docname

    @property
    def _breaks_file(self) -> Path:
        """Each page's print page breaks as last written, and the markers it holds."""
        out = Path(self.outdir)
        return out.with_name(out.name + ".breaks")

    @property
    def _last_breaks(self) -> dict:
        """What ``_breaks_file`` said when this build began; the file is gone meanwhile,
        so that a build stopped halfway writes every page again next time."""
        if not hasattr(self, "_last"):
            path = self._breaks_file
            self._last = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
            path.unlink(missing_ok=True)
        return self._last

    def _breaks_of(self, docname: str) -> dict[str, list[str]]:
        if not hasattr(self, "_by_doc"):
            self._by_doc: dict[str, dict[str, list[str]]] = {}
            for key, labels in self._breaks.items():  # keys are "docname:n" (pagemap.py)
                self._by_doc.setdefault(key.rpartition(":")[0], {})[key] = labels
        return self._by_doc.get(docname, {})

    def write_doc(self, docname: str, doctree) -> None:
        self._block_keys = pagemap.block_keys(doctree, docname) if self.print_map else {}
        self._writing = docname
        self._placed[docname] = []
        super().write_doc(docname, doctree)

    def page_labels_at(self, node_id: int) -> list[str]:
        key = getattr(self, "_block_keys", {}).get(node_id)
        return self._breaks.get(key, []) if key else []

    def pages_written(self, labels: list[str]) -> None:
        self._placed[self._writing].extend(labels)

    def page_list(self) -> list[tuple[str, str]]:
        """The page list in print order; every page of the map must have its marker (on a
        page written now, or on one kept from the last build with the same breaks)."""
        if not self.print_map:
            return []
        kept = {
            doc: facts["placed"] for doc, facts in self._last_breaks.items() if doc in self.env.found_docs
        }
        for docname, labels in {**kept, **self._placed}.items():
            href = self.get_target_uri(docname)
            for label in labels:
                self._written[label] = f"{href}#page-{label}"
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
        out = Path(self.outdir)
        draw_cover(self.config, static / "cover.png", stamp=out.with_name(out.name + ".cover"))
        super().handle_finish()
        if self.print_map:  # the pages are written: say with which breaks
            facts = dict(self._last_breaks)
            facts.update(
                {
                    doc: {"breaks": self._breaks_of(doc), "placed": placed}
                    for doc, placed in self._placed.items()
                }
            )
            kept = {doc: facts[doc] for doc in sorted(self.env.found_docs) if doc in facts}
            self._breaks_file.write_text(json.dumps(kept, sort_keys=True), encoding="utf-8")

    def build_epub(self) -> None:
        """Sphinx's zip, in the same order, with every entry's time from SOURCE_DATE_EPOCH
        and the same permissions, so the same sources give the same bytes. (Written once:
        re-packing Sphinx's own zip compressed every file twice.)"""
        out = Path(self.outdir)
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
        stamp = time.gmtime(max(epoch, 315532800))[:6]
        names = ["mimetype", "META-INF/container.xml", "content.opf", "toc.ncx", *self.files]
        tmp = self.produced.with_suffix(".epub.tmp")
        with zipfile.ZipFile(tmp, "w") as epub:
            for name in names:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                epub.writestr(info, (out / name).read_bytes())
        tmp.replace(self.produced)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx.builders.epub3")
    app.add_builder(StudyGuideEpubBuilder, override=True)
    app.set_translator("epub", EpubTranslator)
    app.add_html_theme("studyguide_epub", str(HERE / "theme"))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
