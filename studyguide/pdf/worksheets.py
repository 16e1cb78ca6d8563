"""``sphinx-build -b worksheets``: for each chapter, a printable worksheet and an answer sheet.

A worksheet is the chapter's exercises on their own, with name, class and date fields and
ruled lines sized to each question (``exercise_lines``); the answer sheet, for the teacher,
has each exercise's number and its solution with marking guidance. Both are cut from the
chapter's own doctree, so they always match the book, and rendered like the book's PDF;
the same doctree is also written as DOCX (``studyguide.docx``), for teachers to adapt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.utils import new_document
from sphinx.application import Sphinx
from sphinx.locale import __
from sphinx.util import logging
from sphinx.util.display import progress_message

from studyguide.doctrees import release
from studyguide.exercises import nodes as ex
from studyguide.exercises.answer_key import chapters_in_order
from studyguide.exercises.placement import chapter_number
from studyguide.fonts import copy_fonts
from studyguide.pdf.builder import PDFBuilder
from studyguide.settings import PAPERS, iso_date

logger = logging.getLogger(__name__)
KINDS = {"worksheet": "Review exercises", "answers": "Answer sheet for teachers"}


def _unlink(tree: nodes.Node) -> None:
    """A sheet stands alone: links into the book become plain text."""
    for ref in list(tree.findall(nodes.reference)):
        if ref.get("refuri", "").startswith("#") or ref.get("refid") or ref.get("internal"):
            ref.replace_self(nodes.inline("", "", *ref.children))


class WorksheetBuilder(PDFBuilder):
    name = "worksheets"
    epilog = __("The worksheets are in %(outdir)s/pdf.")

    @property
    def produced(self) -> Path:
        """The folder of sheets (the build driver publishes it)."""
        return Path(self.outdir) / "pdf"

    def write_documents(self, _docnames) -> None:
        self.prepare_writing(self.env.all_docs.keys())
        self.sheets: list[tuple[str, Path]] = []
        for docname in chapters_in_order(self.env):
            for kind in ("worksheet", "answers"):
                with progress_message(f"{kind} for {docname}"):
                    self.write_sheet(docname, kind)

    def sheet_doctree(self, docname: str, kind: str) -> nodes.document:
        chapter = self.env.get_doctree(docname)
        container = next(n for n in chapter.findall(nodes.container) if "exercises" in n["classes"])
        document = new_document(str(self.env.doc2path(docname)), chapter.settings)
        document["docname"] = docname
        document += container.deepcopy()
        release(chapter)  # read for this sheet only
        if kind == "answers":
            document["keep_solutions"] = True
            for exercise in document.findall(ex.exercise):
                exercise.children = [
                    c for c in exercise.children if isinstance(c, (ex.exercise_title, ex.exercise_solution))
                ]
        self.env.resolve_references(document, docname, self)
        _unlink(document)
        return document

    def write_sheet(self, docname: str, kind: str) -> None:
        doctree = self.sheet_doctree(docname, kind)
        self.current_docname = docname
        self.fignumbers, self.secnumbers = {}, {}
        doctree.settings = self.docsettings
        visitor = self.create_translator(doctree, self)
        doctree.walkabout(visitor)
        number = chapter_number(self.env, docname)
        title = self.env.titles[docname].astext()
        stem = f"chapter-{number}-{kind}"
        ctx: dict[str, Any] = {
            "body": "".join(visitor.fragment),
            "kind": kind,
            "kind_label": KINDS[kind],
            "number": number,
            "chapter_title": title,
            "book_title": self.config.project,
            "language": self.config.language,
            "author": self.config.author,
            "paper": PAPERS[self.config.studyguide_paper],
            "iso_date": iso_date(self.config),
        }
        html = self.templates.render("worksheet.html", ctx)
        path = Path(self.outdir) / f"{stem}.html"
        path.write_text(html, encoding="utf-8")
        self.sheets.append((stem, path))
        from studyguide.docx import Head, sheet_docx  # python-docx: only for the formats with sheets

        head = Head(
            f"{self.config.project}: a study guide",
            f"Chapter {number}: {title}",
            KINDS[kind],
            fields=kind == "worksheet",
            author=self.config.author,
        )
        self.sheet_dir.mkdir(exist_ok=True)
        (self.sheet_dir / f"{stem}.docx").write_bytes(
            sheet_docx(doctree, head, Path(self.srcdir), self.config.studyguide_paper)
        )

    @property
    def sheet_dir(self) -> Path:
        """Where the finished sheets go."""
        return self.produced

    def finish(self) -> None:
        self.sheet_dir.mkdir(exist_ok=True)
        self.render_all(self.sheet_dir)

    def render_all(self, target_dir: Path) -> None:
        self.copy_static_files()
        copy_fonts(Path(self.outdir) / "_static" / "fonts")
        with progress_message(__("rendering the sheets"), nonl=False):
            jobs = [
                (stem, self.renderer.submit(html, target_dir / f"{stem}.pdf")) for stem, html in self.sheets
            ]
            for stem, job in jobs:
                logger.info("%s.pdf: %d pages", stem, job.result()["pages"])
        current = {f"{stem}.pdf" for stem, _html in self.sheets}
        for old in target_dir.glob("*.pdf"):  # a removed chapter's sheets are not published
            if old.name not in current:
                old.unlink()


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.pdf.builder")
    app.add_builder(WorksheetBuilder)
    app.set_translator("worksheets", app.registry.translators["pdf"])
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
