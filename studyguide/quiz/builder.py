"""``sphinx-build -b quiz``: a quiz file's papers, answer keys and question bank.

The exercises are copied from the chapters' own doctrees, as the worksheets are, so a quiz
prints exactly what the book prints; each version's order and choices come from
``spec.versions`` and are only applied here. The papers and keys go through the print
pipeline (template ``quiz.html``, WeasyPrint), and as DOCX for a teacher to edit
(``studyguide.docx``); the bank through ``studyguide.lms``, with the quiz as its one category. The quiz file comes from ``QUIZ=`` (``studyguide_quiz``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.utils import new_document
from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.util import logging
from sphinx.util.display import progress_message

from studyguide.exercises import nodes as ex
from studyguide.exercises.answer_key import chapters_in_order
from studyguide.exercises.placement import chapter_number
from studyguide.lms.gift import gift
from studyguide.lms.moodle import moodle_xml
from studyguide.lms.qti import qti_package
from studyguide.lms.questions import _prints_the_answer, question
from studyguide.pdf.worksheets import WorksheetBuilder, _unlink
from studyguide.quiz import spec
from studyguide.settings import PAPERS, iso_date

logger = logging.getLogger(__name__)
FILES = "files"  # the finished outputs, published by the build driver as _build/quiz/<name>/


def _marks(n: int) -> str:
    return f"{n} mark" if n == 1 else f"{n} marks"


class QuizBuilder(WorksheetBuilder):
    name = "quiz"
    epilog = "The quiz is in %(outdir)s/" + FILES + "."

    @property
    def produced(self) -> Path:
        """The quiz's files (the build driver publishes this folder)."""
        return Path(self.outdir) / FILES

    def write_documents(self, _docnames) -> None:
        self.prepare_writing(self.env.all_docs.keys())
        self.sheets = []
        self.quiz = None
        source = self.config.studyguide_quiz
        if not source:
            raise SphinxError("no quiz file: run `make quiz QUIZ=quizzes/<name>.yaml`")
        try:
            quiz = spec.read(Path(source))
            items = spec.select(quiz, self.bank())
        except spec.QuizFileError as err:
            for problem in err.problems:
                logger.warning(
                    problem.message,
                    location=f"{problem.path}:{problem.line}",
                    type="studyguide",
                    subtype="quiz",
                )
            return
        self.quiz, self.items = quiz, items
        out = self.sheet_dir
        if out.exists():
            for stale in out.iterdir():  # another quiz, or fewer versions, last time
                stale.unlink()
        out.mkdir(exist_ok=True)
        for version in spec.versions(quiz, items):
            for kind in ("paper", "key"):
                with progress_message(f"{quiz.name} version {version.letter} {kind}"):
                    self.write_version(quiz, version, kind)

    def bank(self) -> list[spec.Chapter]:
        domain = self.env.domains["guide"]
        return [
            spec.Chapter(
                Path(found[0].path).stem,
                docname,
                chapter_number(self.env, docname),
                self.env.titles[docname].astext(),
                list(found),
            )
            for docname in chapters_in_order(self.env)
            if (found := domain.exercises(docname))
        ]

    def exercise_node(self, item: spec.Item) -> ex.exercise:
        """A fresh copy of the exercise as its chapter parsed it (solution included)."""
        tree = self.env.get_doctree(item.chapter.docname)
        node = next(n for n in tree.findall(ex.exercise) if n["exercise_id"] == item.exercise.id)
        return node.deepcopy()

    def resolved(self, quiz: spec.Quiz, exercises: list[ex.exercise]) -> nodes.document:
        document = new_document(str(quiz.path), self.env.get_doctree(self.config.root_doc).settings)
        document["docname"] = self.config.root_doc
        document["keep_solutions"] = True  # this builder decides where each solution goes
        container = nodes.container(classes=["exercises"])
        container.extend(exercises)
        document += container
        self.env.resolve_references(document, self.config.root_doc, self)
        _unlink(document)
        return document

    def write_version(self, quiz: spec.Quiz, version: spec.Version, kind: str) -> None:
        copies = []
        for entry in version.entries:
            node = self.exercise_node(entry.item)
            for response in node.findall(ex.exercise_choices):
                response["choices"], response["correct"] = entry.choices, entry.correct
            for response in node.findall(ex.exercise_ordering):
                response["shown"] = entry.events
            for response in node.findall(ex.exercise_matching):
                response["right"] = entry.right
            if kind == "paper":  # a test gives no hints
                node.children = [
                    c for c in node.children if not isinstance(c, (ex.exercise_hint, ex.exercise_solution))
                ]
            else:
                node.children = [
                    c for c in node.children if isinstance(c, (ex.exercise_title, ex.exercise_solution))
                ]
            copies.append(node)
        document = self.resolved(quiz, copies)
        for number, (node, entry) in enumerate(zip(document.findall(ex.exercise), version.entries), 1):
            for title in node.findall(ex.exercise_title):
                title["number_label"] = f"Question {number}"
                title["label"] = f"{entry.exercise.type_label} · {_marks(entry.item.marks)}"
                title["difficulty"] = ""
            if kind == "key":
                self.key_entry(node, entry)
        rows = [
            {
                "number": n,
                "book": f"{e.item.book_label} ({e.exercise.id})",
                "type": e.exercise.type_label,
                "marks": e.item.marks,
            }
            for n, e in enumerate(version.entries, 1)
        ]
        stem = f"{quiz.name}-{version.letter}" + ("-key" if kind == "key" else "")
        line = (
            f"Version {version.letter}"
            + (" · answer key for teachers" if kind == "key" else "")
            + f" · {version.marks} marks"
            + (f" · {quiz.time}" if quiz.time else "")
        )
        table = (
            (
                ("Question", "In the book", "Type", "Marks"),
                *((str(r["number"]), r["book"], r["type"], str(r["marks"])) for r in rows),
                ("Total", "", "", str(version.marks)),
            )
            if kind == "key"
            else ()
        )
        from studyguide.docx import Head, sheet_docx  # python-docx: only for the formats with sheets

        head = Head(
            f"{self.config.project}: a study guide",
            quiz.title,
            line,
            fields=kind == "paper",
            author=self.config.author,
            note=quiz.instructions if kind == "paper" else "",
            table=table,
        )
        (self.sheet_dir / f"{stem}.docx").write_bytes(
            sheet_docx(document, head, Path(self.srcdir), self.config.studyguide_paper)
        )
        self.render_sheet(
            stem,
            document,
            {
                "kind": kind,
                "quiz_title": quiz.title,
                "letter": version.letter,
                "time": quiz.time,
                "instructions": quiz.instructions,
                "total": version.marks,
                "rows": rows,
            },
        )

    @staticmethod
    def key_entry(node: ex.exercise, entry: spec.Entry) -> None:
        """The key shows the answer as this version printed it (letters after shuffling)."""
        source = nodes.paragraph(
            "",
            f"{entry.item.book_label} in the book ({entry.exercise.id}), {_marks(entry.item.marks)}",
            classes=["key-source"],
        )
        node.insert(1, source)
        lines = entry.key()
        solution = next(node.findall(ex.exercise_solution), None)
        if not lines or solution is None:
            return
        if solution.children and _prints_the_answer(solution[0]):
            solution.remove(solution[0])
        answer = nodes.paragraph("", "", nodes.strong("", "Answer: "))
        if len(lines) == 1:
            answer += nodes.Text(lines[0])
            solution.insert(0, answer)
        else:
            items = nodes.bullet_list()
            items.extend(nodes.list_item("", nodes.paragraph("", line)) for line in lines)
            solution.insert(0, [answer, items])

    def render_sheet(self, stem: str, document: nodes.document, extra: dict[str, Any]) -> None:
        self.current_docname = self.config.root_doc
        self.fignumbers, self.secnumbers = {}, {}
        document.settings = self.docsettings
        visitor = self.create_translator(document, self)
        document.walkabout(visitor)
        ctx: dict[str, Any] = {
            "body": "".join(visitor.fragment),
            "book_title": self.config.project,
            "language": self.config.language,
            "author": self.config.author,
            "paper": PAPERS[self.config.studyguide_paper],
            "iso_date": iso_date(self.config),
            **extra,
        }
        path = Path(self.outdir) / f"{stem}.html"
        path.write_text(self.templates.render("quiz.html", ctx), encoding="utf-8")
        self.sheets.append((stem, path))

    def write_bank(self) -> None:
        """The same selection for a learning platform, one category named after the quiz."""
        quiz = self.quiz
        document = self.resolved(quiz, [self.exercise_node(item) for item in self.items])
        questions = [
            question(item.exercise, node) for item, node in zip(self.items, document.findall(ex.exercise))
        ]
        chapters = [(quiz.title, questions)]
        root, out = self.config.project, self.sheet_dir
        (out / f"{quiz.name}.gift").write_text(gift(chapters, root), encoding="utf-8", newline="\n")
        (out / f"{quiz.name}-moodle.xml").write_text(
            moodle_xml(chapters, root), encoding="utf-8", newline="\n"
        )
        (out / f"{quiz.name}-qti21.zip").write_bytes(qti_package(chapters, root))

    def finish(self) -> None:
        if self.quiz is None:
            return
        self.write_bank()
        self.render_all(self.sheet_dir)


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.pdf.worksheets")
    # Which quiz is only a write-time choice: every quiz shares the book's one parse.
    app.add_config_value("studyguide_quiz", os.environ.get("QUIZ", ""), "", str)
    app.add_builder(QuizBuilder)
    app.set_translator("quiz", app.registry.translators["pdf"])
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
