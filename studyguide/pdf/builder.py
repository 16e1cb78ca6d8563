"""``sphinx-build -b pdf``: the whole book as one print book, rendered by WeasyPrint.

The builder reuses Sphinx's single-page assembly and HTML translator (so every extension's
nodes render), but has its own theme: a print template (title page, copyright page,
contents, index) and a paged-media stylesheet. No web interface ever reaches the PDF.
The assembled book is written as chunks (``chunks.py``) that are rendered side by side
and only when changed (``pool.py``), then joined into one PDF (``merge.py``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.singlehtml import SingleFileHTMLBuilder
from sphinx.environment.adapters.indexentries import IndexEntries
from sphinx.errors import SphinxError
from sphinx.locale import __
from sphinx.util import logging
from sphinx.util.display import progress_message
from sphinx.util.nodes import inline_all_toctrees

from studyguide.figures import print_variant
from studyguide.fonts import copy_fonts
from studyguide.pdf import chunks, contents
from studyguide.pdf.translator import PrintTranslator
from studyguide.pdf.links import LinkMap, doc_anchor, scoped
from studyguide.settings import PAPERS, build_date, output_name

logger = logging.getLogger(__name__)
THEME_DIR = Path(__file__).parent / "theme"


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


class PDFBuilder(SingleFileHTMLBuilder):
    name = "pdf"
    epilog = __("The PDF is in %(outdir)s.")
    search = False
    add_permalinks = False
    html_scaled_image_link = False  # no link from a figure to its file: it would leave the book
    copysource = False
    supported_image_types = ["image/svg+xml", "image/png", "image/jpeg"]

    def init(self) -> None:
        super().init()
        from studyguide.pdf.pool import Renderer

        self.renderer = Renderer(Path(self.outdir))
        self.app.connect("build-finished", lambda _app, _exc: self.renderer.close())

    def get_theme_config(self) -> tuple[str, dict[str, Any]]:
        return "studyguide_print", {}

    def init_js_files(self) -> None:
        self._js_files = []  # a PDF runs no script

    def init_css_files(self) -> None:
        self._css_files = []  # the print template links its one stylesheet itself

    @property
    def pdf_path(self) -> Path:
        return Path(self.outdir) / output_name(self.config, "pdf")

    produced = pdf_path  # what the build driver publishes

    # -- assembly --------------------------------------------------------------------------

    def assemble_doctree(self) -> nodes.document:
        root = self.config.root_doc
        tree = self.env.get_doctree(root)
        self.parts = contents.toctree_parts(tree)
        self.doc_kinds = {doc: part.kind for part in self.parts for doc in part.docnames}
        # Arabic page 1 is the first page after the front matter.
        self.first_main_doc = next(
            (d for p in self.parts if p.kind != "front" for d in p.docnames), None)
        tree = inline_all_toctrees(self, set(), root, tree, lambda s: s, [root])
        tree["docname"] = root
        self._unwrap_root(tree)
        self.env.resolve_references(tree, root, self)
        self._number_sections(tree)
        figure_numbers = self._collect_figure_numbers()
        self.links = LinkMap(tree, root)
        self.copyright_node = self._detach(tree, self.config.studyguide_copyright_doc)
        self.renamed_fignumbers = {
            figtype: {self._scope(doc, fid): num for (doc, fid), num in numbers.items()}
            for figtype, numbers in figure_numbers.items()
        }
        for node, target in self.links.dangling(tree):
            logger.warning(
                "link to %r points at nothing in the PDF", target,
                location=node, type="studyguide", subtype="pdf-link",
            )
        return tree

    @staticmethod
    def _scope(docname: str, node_id: str) -> str:
        return scoped(docname, node_id)

    @staticmethod
    def _unwrap_root(tree: nodes.document) -> None:
        """Lift the chapters out of the root page's section, so each starts at <h1>.

        The title page stands in for the root page's own title and text.
        """
        for section in [c for c in tree.children if isinstance(c, nodes.section)]:
            documents = list(section.findall(addnodes.start_of_file))
            top = [d for d in documents if not any(a in documents for a in _ancestors(d))]
            section.replace_self(top)

    @staticmethod
    def _detach(tree: nodes.document, docname: str) -> nodes.Element | None:
        """Take the copyright document out of the flow: the template prints it on the verso."""
        for sof in tree.findall(addnodes.start_of_file):
            if sof["docname"] == docname:
                sof.parent.remove(sof)
                return sof
        return None

    def _number_sections(self, tree: nodes.document) -> None:
        """Put each section's number on its title, where the translator looks first."""
        for section in tree.findall(nodes.section):
            numbers = self.env.toc_secnumbers.get(section.get("docname", ""), {})
            if not section["ids"] or not numbers:
                continue
            number = numbers.get("#" + section["ids"][0])
            if number is None and not isinstance(section.parent, nodes.section):
                number = numbers.get("")
            if number:
                section[0]["secnumber"] = number

    def _collect_figure_numbers(self) -> dict:
        """Every document's figure numbers, keyed by (document, original id), before renaming."""
        found: dict[str, dict[tuple[str, str], tuple[int, ...]]] = {}
        for docname, per_type in self.env.toc_fignumbers.items():
            for figtype, numbers in per_type.items():
                for fid, num in numbers.items():
                    found.setdefault(figtype, {})[(docname, fid)] = num
        return found

    # -- writing ---------------------------------------------------------------------------

    def write_documents(self, _docnames) -> None:
        self.prepare_writing(self.env.all_docs.keys())
        with progress_message(__("assembling the print document"), nonl=False):
            doctree = self.assemble_doctree()
        self.imgpath = "_images"
        self.post_process_images(doctree)
        self._use_print_figures(doctree)
        self.index = self._index_entries()
        titles = {doc: title.astext() for doc, title in self.env.titles.items()}
        self.chunks = chunks.plan(doctree, self.doc_kinds, titles, bool(self.index))
        if self.copyright_node is not None:  # printed on the front matter's title verso
            self.chunks[0].ids.update(chunks.ids_in([self.copyright_node]))
        for chunk in self.chunks:
            chunks.point_links_across(chunk)
        self.assembled = doctree
        self.page_numbers = chunks.PageNumbers()
        self.current_chunk: chunks.Chunk | None = None
        # Each chapter goes to a renderer as soon as it is written, the slowest first,
        # so the workers start while the rest are still being translated.
        self.copy_image_files()
        self.copy_static_files()
        copy_fonts(Path(self.outdir) / "_static" / "fonts")
        body = [c for c in self.chunks if c.stage == chunks.BODY]
        cost = self.renderer.previous_seconds([self._html(c) for c in body])
        if None in cost:  # a first build: longer text, longer layout
            cost = [sum(len(d.astext()) for d in c.docs) for c in body]
        self.jobs = {}
        with progress_message(__("writing the chapters")):
            for _, chunk in sorted(zip(cost, body), key=lambda pair: -pair[0]):
                self.jobs[chunk.name] = self.renderer.submit(self.write_chunk(chunk), self._pdf(chunk))

    def _html(self, chunk: chunks.Chunk) -> Path:
        return Path(self.outdir) / f"{chunk.name}.html"

    def _pdf(self, chunk: chunks.Chunk) -> Path:
        return Path(self.outdir) / "_chunks" / f"{chunk.name}.pdf"

    def write_chunk(self, chunk: chunks.Chunk) -> Path:
        """Translate one chunk's documents and put them in the print template."""
        document = self.assembled.copy()
        document.children = []
        document.extend(chunk.docs)
        document.settings = self.docsettings
        self.secnumbers = {}  # section numbers are already on the titles
        self.fignumbers = self.renamed_fignumbers
        self.current_docname = self.config.root_doc
        self.current_chunk = chunk
        visitor = self.create_translator(document, self)
        document.walkabout(visitor)
        ctx = self.get_doc_context(self.config.root_doc, "".join(visitor.fragment), "")
        self.handle_page(chunk.name, ctx, event_arg=document)
        return self._html(chunk)

    def _use_print_figures(self, tree: nodes.document) -> None:
        """Where a figure has a print variant (real text, see ``figures/svg.py``), use it."""
        for image in tree.findall(nodes.image):
            uri = image["uri"]
            variant = print_variant(Path(uri)).as_posix()
            if uri.endswith(".svg") and uri in self.images and (Path(self.srcdir) / variant).is_file():
                self.images[variant] = print_variant(Path(self.images[uri])).name
                image["uri"] = variant
        used = {image["uri"] for image in tree.findall(nodes.image)}
        for source in [s for s in self.images if s not in used]:
            del self.images[source]  # the screen versions stay out of the PDF's folder

    def page_label(self, uri: str) -> str | None:
        """The printed page number of a link's target (None within the chunk being written,
        where CSS ``target-counter`` gives it)."""
        anchor = uri.rpartition("#")[2]
        label = self.page_numbers.label(anchor)
        if label is None and self.current_chunk and anchor not in self.current_chunk.ids:
            raise SphinxError(f"the print book refers to #{anchor}, which is on none of its pages")
        return label

    def get_doc_context(self, docname: str, body: str, metatags: str) -> dict[str, Any]:
        ctx = super().get_doc_context(docname, body, metatags)
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
            # Only the front matter's metadata reaches the book: other chunks leave dates
            # out, so a new build date does not make them render again.
            iso_date=time.strftime("%Y-%m-%dT%H:%M:%SZ", date) if front else "",
            human_date=time.strftime("%B %Y", date),
            paper=PAPERS[cfg.studyguide_paper],
            front=front,
            late_start=self.page_numbers.start_of(chunk) if chunk and chunk.stage == chunks.LATE else 0,
            contents=self._contents() if front else [],
            index=self.index if chunk and chunk.index else [],
            has_index=bool(self.index),
            href=lambda uri: chunks.href(uri, chunk) if chunk else uri,
            page_of=lambda uri: self.page_label(uri) if uri.startswith("#") else None,
            copyright_body=(
                self.render_partial(self.copyright_node)["fragment"]
                if front and self.copyright_node else ""
            ),
        )
        return ctx

    def _contents(self) -> list:
        """The contents in print order: the copyright page (the title's verso) comes first."""
        toc = contents.table_of_contents(self.parts, self.env, self.links)
        verso = f"#{doc_anchor(self.config.studyguide_copyright_doc)}"
        for part, entries in toc:
            if part.kind == "front":
                entries.sort(key=lambda entry: entry.href != verso)
        return toc

    def _index_entries(self) -> list:
        entries = IndexEntries(self.env).create_index(self)
        return contents.rewrite_index(entries, self.links)

    def get_relative_uri(self, from_: str, to: str, typ: str | None = None) -> str:
        return self.get_target_uri(to, typ)

    # -- finishing -------------------------------------------------------------------------

    def finish(self) -> None:
        with progress_message(__("rendering the PDF with WeasyPrint"), nonl=False):
            pages = self._render()
        logger.info("%s: %d pages", self.pdf_path.name, pages)

    def _render(self) -> int:
        """Chapters first, on every core; then what needs their page numbers; then join."""
        from studyguide.pdf.merge import merge

        numbers = self.page_numbers

        def collect(chunk: chunks.Chunk, future) -> None:
            result = future.result()
            if chunk.stage != chunks.FRONT:
                numbers.place(chunk, result["pages"], result["anchors"])
            note = " (unchanged)" if result["cached"] else ""
            logger.info("%s: %d pages%s", chunk.label, result["pages"], note)

        for chunk in self.chunks:
            if chunk.stage == chunks.BODY:
                collect(chunk, self.jobs[chunk.name])

        # Now the front matter (its contents) and the index can print every page number,
        # side by side, while the chapters' folios are drawn.
        out = Path(self.outdir)
        (out / "folios.html").write_text(self.templates.render("folios.html", {
            "language": self.config.language, "doc_title": self.config.project,
            "author": self.config.author, "paper": PAPERS[self.config.studyguide_paper],
            "folios": numbers.folios(),
        }), encoding="utf-8")
        folios = self.renderer.submit(out / "folios.html", out / "_chunks" / "folios.pdf")
        late = [c for c in self.chunks if c.stage == chunks.LATE]
        for chunk in late:
            numbers.start_of(chunk)
        jobs = [(c, self.renderer.submit(self.write_chunk(c), self._pdf(c))) for c in [*late, self.chunks[0]]]
        for chunk, job in jobs:
            collect(chunk, job)
        folios.result()
        self.renderer.close()  # the workers' memory is free before the join needs its own
        self.assembled = None
        front = self.chunks[0]
        return merge(self._pdf(front),
                     [(self._pdf(c), numbers.blank_before[c.name]) for c in self.chunks[1:]],
                     out / "_chunks" / "folios.pdf", numbers.blanks, self.pdf_path)


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.add_html_theme("studyguide_print", str(THEME_DIR))
    app.add_builder(PDFBuilder)
    app.set_translator("pdf", PrintTranslator)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
