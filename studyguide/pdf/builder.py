"""``sphinx-build -b pdf``: the whole book as one print book, rendered by WeasyPrint.

The builder reuses Sphinx's single-page assembly and HTML translator (so every extension's
nodes render), but has its own theme: a print template (title page, copyright page,
contents, index) and a paged-media stylesheet. No web interface ever reaches the PDF.
The book is assembled as one document (``assembly.py``), written as chunks (``chunks.py``)
that are rendered side by side (``schedule.py``) and only when changed (``pool.py``), then
joined into one PDF (``merge.py``).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.singlehtml import SingleFileHTMLBuilder
from sphinx.errors import SphinxError
from sphinx.locale import __
from sphinx.util import logging
from sphinx.util.display import progress_message

from studyguide.doctrees import release
from studyguide.editions import policy
from studyguide.fonts import copy_fonts
from studyguide.pdf import JOIN_APART, JOIN_PLAN, assembly, chunks, pagemap
from studyguide.pdf.links import doc_anchor, slug
from studyguide.pdf.pool import Renderer
from studyguide.pdf.schedule import Schedule
from studyguide.pdf.translator import PrintTranslator
from studyguide.settings import PAPERS, build_date, iso_date, output_name

logger = logging.getLogger(__name__)
THEME_DIR = Path(__file__).parent / "theme"


class PDFBuilder(SingleFileHTMLBuilder):
    name = "pdf"
    epilog = __("The PDF is in %(outdir)s.")
    search = False
    add_permalinks = False
    html_scaled_image_link = False  # no link from a figure to its file: it would leave the book
    copysource = False
    # Paper cannot hand over a file: a {download} prints its text, as in the EPUB, and the
    # web edition offers the file.
    download_support = False
    supported_image_types = ["image/svg+xml", "image/png", "image/jpeg"]

    def init(self) -> None:
        super().init()
        self.renderer = Renderer(Path(self.outdir))
        self.previewed: list[tuple[chunks.Chunk, Path]] = []  # the preview's last chunks
        if not self.preview:  # the preview's workers stay warm for the next edit
            self.app.connect("build-finished", lambda _app, _exc: self.renderer.close())

    @property
    def preview(self) -> bool:
        """The print preview of ``make live PDF=1`` (``studyguide.live``): a build lays out
        only the chapters' chunks whose documents it read, and stops there. The folios, the
        index, the front matter and the join wait for page numbers from every chunk, so they
        are what a whole-book build is for."""
        return self.config.studyguide_print_preview

    whole: Whole | None = None  # the preview's last whole-book assembly

    def preview_part(self, docnames: set[str]) -> set[str] | None:
        """The documents the preview assembles: the chunks of ``docnames`` alone, once a
        whole-book assembly has planned the chunks; None for the whole book.

        Assembling copies and resolves every document of the book (seconds, and 20 times
        more on the 20x book), for the one chunk an edit changes. The whole book is
        assembled again when its shape may have changed: documents added or removed, a
        toctree changed, the root document read again, or most of the book to write.
        """
        whole, env = self.whole, self.env
        if whole is None or set(env.all_docs) != set(whole.read):
            return None
        root = self.config.root_doc
        toctrees = {d: list(c) for d, c in env.toctree_includes.items()}
        if env.all_docs[root] != whole.read[root] or toctrees != whole.toctrees:
            return None
        wanted = {
            d
            for _, stage, docs in whole.chunks
            if stage == chunks.BODY and docnames & set(docs)
            for d in docs
        }
        if any(d in toctrees for d in wanted) or len(wanted) * 2 > len(env.all_docs):
            return None
        laid_out = [d for _, _, docs in whole.chunks for d in docs]
        if any(laid_out.count(d) > 1 for d in wanted):
            return None  # a document laid out in pieces (chunks.pieces)
        return wanted

    def get_outdated_docs(self):
        if self.preview:
            return []  # Sphinx adds the documents it read: those are written
        return super().get_outdated_docs()

    def get_theme_config(self) -> tuple[str, dict[str, Any]]:
        return "studyguide_print", {}

    def init_js_files(self) -> None:
        self._js_files = []  # a PDF runs no script

    def init_css_files(self) -> None:
        self._css_files = []  # the print template links its one stylesheet itself

    @property
    def pdf_path(self) -> Path:
        name = output_name(self.config, "pdf")
        return Path(self.outdir) / (name.removesuffix(".pdf") + policy(self).file_suffix + ".pdf")

    produced = pdf_path  # what the build driver publishes

    # -- writing ---------------------------------------------------------------------------

    def write_documents(self, docnames) -> None:
        self.prepare_writing(self.env.all_docs.keys())
        with progress_message(__("assembling the print document"), nonl=False):
            partial = self.preview_part(set(docnames)) if self.preview else None
            book = assembly.assemble(self, only=partial)
        if partial is not None:  # its links to the rest of the book lead to what was there
            book.links.ids |= {i for i in self.whole.ids if not _owned(i, partial)}
            book.dangling = [(n, t) for n, t in book.dangling if t not in book.links.ids]
        for node, target in book.dangling:
            logger.warning(
                "link to %r points at nothing in the PDF",
                target,
                location=node,
                type="studyguide",
                subtype="pdf-link",
            )
        self.book = book
        self.doc_kinds, self.first_main_doc = book.doc_kinds, book.first_main_doc  # translator
        self.imgpath = "_images"
        self.post_process_images(book.tree)
        assembly.use_print_figures(book.tree, self.images, Path(self.srcdir))
        self.index = [] if partial is not None else assembly.index_entries(self, book.links)
        self.block_keys = pagemap.block_keys(book.tree, self.config.root_doc)
        if book.copyright is not None:
            self.block_keys.update(pagemap.block_keys(book.copyright, book.copyright["docname"]))
        titles = {doc: title.astext() for doc, title in self.env.titles.items()}
        if partial is not None:
            self.chunks = chunks.replan(self.whole.chunks, book.tree, titles)
        else:
            self.chunks = chunks.plan(book.tree, book.doc_kinds, titles, bool(self.index))
        if book.copyright is not None:  # printed on the front matter's title verso
            self.chunks[0].ids.update(chunks.ids_in([book.copyright]))
        for chunk in self.chunks:
            for copy, node in chunk.lent.items():
                if node in self.block_keys:
                    self.block_keys[copy] = self.block_keys[node]
        if self.preview:
            self.whole = Whole(
                read=dict(self.env.all_docs) if partial is None else self.whole.read,
                toctrees={d: list(c) for d, c in self.env.toctree_includes.items()},
                chunks=[(c.name, c.stage, c.docnames) for c in self.chunks]
                if partial is None
                else self.whole.chunks,
                ids=set(book.links.ids),
            )
        for chunk in self.chunks:
            chunks.point_links_across(chunk)
        self.page_numbers = chunks.PageNumbers()
        self.current_chunk: chunks.Chunk | None = None
        self.copy_image_files()
        self.copy_static_files()
        copy_fonts(Path(self.outdir) / "_static" / "fonts")
        if self.preview:
            self.renderer.forget_inputs()  # a figure may have been redrawn since the last edit
        self.schedule = Schedule(self.renderer, Path(self.outdir), self.chunks, self.page_numbers)
        with progress_message(__("writing the chapters")):
            self.schedule.start(
                self.write_chunk, dict(self.env.all_docs), only=set(docnames) if self.preview else None
            )

    def write_chunk(self, chunk: chunks.Chunk) -> Path:
        """Translate one chunk's documents and put them in the print template."""
        document = self.book.tree.copy()
        document.children = []
        document.extend(chunk.docs)
        document.settings = self.docsettings
        self.secnumbers = {}  # section numbers are already on the titles
        self.fignumbers = self.book.fignumbers
        self.current_docname = self.config.root_doc
        self.current_chunk = chunk
        visitor = self.create_translator(document, self)
        document.walkabout(visitor)
        ctx = self.get_doc_context(self.config.root_doc, "".join(visitor.fragment), "")
        self.handle_page(chunk.name, ctx, event_arg=document)
        document.children = []  # (the copy, garbage in a cycle, would keep them alive)
        if chunk.stage == chunks.BODY:
            self.drop(chunk)
        return self.schedule.html(chunk)

    def drop(self, chunk: chunks.Chunk) -> None:
        """Free a written chapter's part of the assembled book: the workers lay it out from
        its HTML, and what comes after (front matter, index) reads only the environment.
        The memory is reused by the chapters written after it (a process keeps what it
        has freed), so that the writing does not add to the assembly's own."""
        docs = chunk.drop_docs()
        gone = {id(doc) for doc in docs}
        self.book.tree.children = [c for c in self.book.tree.children if id(c) not in gone]
        for doc in docs:
            for node in doc.findall():
                self.block_keys.pop(id(node), None)  # its id may be a new node's once freed
            release(doc)

    def write_folios(self, folios: list[str], number: int) -> Path:
        """A piece of the book's folios (``number``, from 1: see ``Schedule.folio_pieces``),
        one page per arabic page."""
        path = Path(self.outdir) / f"folios-{number:02d}.html"
        path.write_text(
            self.templates.render(
                "folios.html",
                {
                    "language": self.config.language,
                    "doc_title": self.config.project,
                    "author": self.config.author,
                    "paper": PAPERS[self.config.studyguide_paper],
                    "folios": folios,
                    "print_layer": policy(self).stylesheet,
                },
            ),
            encoding="utf-8",
        )
        return path

    def page_label(self, uri: str) -> str | None:
        """The printed page number of a link's target (None within the chunk being written,
        where CSS ``target-counter`` gives it)."""
        anchor = uri.rpartition("#")[2]
        label = self.page_numbers.label(anchor)
        if label is None and self.current_chunk and anchor not in self.current_chunk.ids:
            raise SphinxError(f"the print book refers to #{anchor}, which is on none of its pages")
        return label

    def get_doc_context(self, docname: str, body: str, metatags: str) -> dict[str, Any]:
        # Not the single-page builder's context: it resolves and renders the whole book's
        # toctree for every page, which no print template shows (the contents is the front
        # matter's own). For each of the 20x book's 160 chunks that was a docutils
        # publication of a 20x toctree, most of the time and garbage of the writing.
        ctx = {
            "parents": [],
            "prev": None,
            "next": None,
            "rellinks": [],
            "title": self.config.html_title,
            "meta": None,
            "metatags": metatags,
            "sourcename": "",
            "toc": "",
            "display_toc": False,
        }
        cfg = self.config
        chunk = self.current_chunk
        front = chunk is None or chunk.stage == chunks.FRONT
        date = build_date(cfg)
        ctx.update(
            body=body,
            book_title=cfg.project,
            subtitle=cfg.studyguide_subtitle,
            author=cfg.author,
            edition=cfg.studyguide_edition,
            release=cfg.release,
            description=cfg.studyguide_description if front else "",
            copyright_line=cfg.copyright,
            # Only the front matter's metadata reaches the book, and it is laid out with a
            # stand-in date that the join replaces (merge.py): a new build date alone must
            # not lay any chunk out again (the front matter took 0.6 s after every edit).
            iso_date=chunks.PLACEHOLDER_DATE if front else "",
            human_date=time.strftime("%B %Y", date),
            paper=PAPERS[cfg.studyguide_paper],
            print_layer=policy(self).stylesheet,
            front=front,
            late_start=self.page_numbers.start_of(chunk) if chunk and chunk.stage == chunks.LATE else 0,
            contents=(
                assembly.print_contents(self.book, self.env, cfg.studyguide_copyright_doc) if front else []
            ),
            index=self.index if chunk and chunk.index else [],
            has_index=bool(self.index),
            href=lambda uri: chunks.href(uri, chunk) if chunk else uri,
            page_of=lambda uri: self.page_label(uri) if uri.startswith("#") else None,
            copyright_body=(
                self.render_partial(self.book.copyright)["fragment"] if front and self.book.copyright else ""
            ),
        )
        return ctx

    def get_relative_uri(self, from_: str, to: str, typ: str | None = None) -> str:
        return self.get_target_uri(to, typ)

    # -- finishing -------------------------------------------------------------------------

    def finish(self) -> None:
        if self.preview:
            return self.finish_preview()
        with progress_message(__("rendering the PDF with WeasyPrint"), nonl=False):
            self.schedule.render_rest(self.write_chunk, self.write_folios)
            self.book = None  # the doctree's memory is free for the join
            # Every page's number is known now: the EPUB, written beside this build, can
            # take them while the workers leave and the chunks are joined.
            self.write_page_map()
            self.app.emit(pagemap.WRITTEN)
            self.renderer.close()  # the workers' memory is free before the join needs its own
            pages, date = self.schedule.pages, iso_date(self.config)
            if os.environ.get(JOIN_APART, "").isdigit() and pages >= int(os.environ[JOIN_APART]):
                # The driver joins, once this process has gone (see studyguide.pdf).
                plan = self.schedule.join_plan(self.pdf_path, date)
                Path(self.outdir, JOIN_PLAN).write_text(json.dumps(plan), encoding="utf-8")
            else:
                pages = self.schedule.join(self.pdf_path, date)
        logger.info("%s: %d pages", self.pdf_path.name, pages)

    def finish_preview(self) -> None:
        """Wait for the chunks this build wrote; they are the preview's (``previewed``)."""
        schedule, self.schedule, self.book = getattr(self, "schedule", None), None, None
        self.previewed = [] if schedule is None else schedule.collect_started()

    def write_page_map(self) -> None:
        """What the EPUB needs to print this PDF's page numbers (see ``pagemap.py``), and
        which sources, as last read, the numbers hold for."""
        cfg = self.config
        pagemap.write(
            Path(self.outdir) / pagemap.PAGE_MAP,
            self.page_numbers.page_map(),
            pdf=self.pdf_path.name,
            format=self.name,
            edition=cfg.studyguide_edition,
            paper=cfg.studyguide_paper,
            release=cfg.release,
            read={doc: self.env.all_docs[doc] for doc in sorted(self.env.all_docs)},
        )


@dataclass
class Whole:
    """What the print preview keeps of its last whole-book assembly."""

    read: dict[str, object]  # env.all_docs then: when each document was read
    toctrees: dict[str, list[str]]
    chunks: list[tuple[str, int, list[str]]]  # each chunk's name, stage and documents
    ids: set[str]  # every anchor of the book, as renamed (links.LinkMap)


def _owned(anchor: str, docnames: set[str]) -> bool:
    """Whether ``anchor`` belongs to one of ``docnames`` (see links.scoped, links.doc_anchor)."""
    return any(anchor == doc_anchor(d) or anchor.startswith(f"{slug(d)}--") for d in docnames)


class LargePrintBuilder(PDFBuilder):
    """The print book in large print: its look is the format's entry in ``editions.FORMATS``."""

    name = "largeprint"


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.add_config_value("studyguide_print_preview", False, "", bool)  # set by studyguide.live
    app.add_html_theme("studyguide_print", str(THEME_DIR))
    app.add_event(pagemap.WRITTEN)
    app.add_builder(PDFBuilder)
    app.add_builder(LargePrintBuilder)
    app.set_translator("pdf", PrintTranslator)
    app.set_translator("largeprint", PrintTranslator)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
