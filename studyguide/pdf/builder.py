"""``sphinx-build -b pdf``: the whole book as one print document, rendered by WeasyPrint.

The builder reuses Sphinx's single-page assembly and HTML translator (so every extension's
nodes render), but has its own theme: a print template (title page, copyright page,
contents, index) and a paged-media stylesheet. No web interface ever reaches the PDF.
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
from sphinx.locale import __
from sphinx.util import logging
from sphinx.util.display import progress_message
from sphinx.util.nodes import inline_all_toctrees

from studyguide.fonts import copy_fonts
from studyguide.pdf import contents
from studyguide.pdf.translator import PrintTranslator
from studyguide.pdf.links import LinkMap, scoped
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

    def get_theme_config(self) -> tuple[str, dict[str, Any]]:
        return "studyguide_print", {}

    def init_js_files(self) -> None:
        self._js_files = []  # a PDF runs no script

    def init_css_files(self) -> None:
        self._css_files = []  # the print template links its one stylesheet itself

    @property
    def pdf_path(self) -> Path:
        return Path(self.outdir) / output_name(self.config, "pdf")

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
        self.fignumbers = {
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
        with progress_message(__("writing the print document")):
            self.write_doc_serialized(self.config.root_doc, doctree)
            self.write_doc(self.config.root_doc, doctree)

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        # write_doc() reads figure numbers from the environment; lend it the renamed ones.
        saved = self.env.toc_fignumbers.get(docname)
        self.env.toc_fignumbers[docname] = self.fignumbers
        try:
            super().write_doc(docname, doctree)
        finally:
            if saved is None:
                del self.env.toc_fignumbers[docname]
            else:
                self.env.toc_fignumbers[docname] = saved

    def get_doc_context(self, docname: str, body: str, metatags: str) -> dict[str, Any]:
        ctx = super().get_doc_context(docname, body, metatags)
        cfg = self.config
        date = build_date(cfg)
        ctx.update(
            body=body,
            book_title=cfg.project,
            subtitle=cfg.studyguide_subtitle,
            author=cfg.author,
            edition=cfg.studyguide_edition,
            release=cfg.release,
            description=cfg.studyguide_description,
            copyright_line=cfg.copyright,
            iso_date=time.strftime("%Y-%m-%dT%H:%M:%SZ", date),
            human_date=time.strftime("%B %Y", date),
            paper=PAPERS[cfg.studyguide_paper],
            contents=contents.table_of_contents(self.parts, self.env, self.links),
            index=self._index_entries(),
            copyright_body=(
                self.render_partial(self.copyright_node)["fragment"] if self.copyright_node else ""
            ),
        )
        return ctx

    def write_doc_serialized(self, docname: str, doctree: nodes.document) -> None:
        self.imgpath = "_images"
        self.post_process_images(doctree)

    def _index_entries(self) -> list:
        entries = IndexEntries(self.env).create_index(self)
        return contents.rewrite_index(entries, self.links)

    def get_relative_uri(self, from_: str, to: str, typ: str | None = None) -> str:
        return self.get_target_uri(to, typ)

    # -- finishing -------------------------------------------------------------------------

    def finish(self) -> None:
        self.copy_image_files()
        self.copy_static_files()
        copy_fonts(Path(self.outdir) / "_static" / "fonts")
        from studyguide.pdf import render  # WeasyPrint loads Pango: only when a PDF is made

        html = Path(self.outdir) / f"{self.config.root_doc}.html"
        with progress_message(__("rendering the PDF with WeasyPrint")):
            pages = render.write_pdf(html, self.pdf_path, Path(self.outdir), logger.info)
        logger.info("%s: %d pages", self.pdf_path.name, pages)


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.add_html_theme("studyguide_print", str(THEME_DIR))
    app.add_builder(PDFBuilder)
    app.set_translator("pdf", PrintTranslator)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
