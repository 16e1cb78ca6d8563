"""``{exercises} 1-alliance``: turn one exercise file into nodes at the end of its chapter.

Every problem in the file is reported with the YAML file and line (the build stops under
``-W``); nothing is dropped silently. Prompts, hints and solutions are parsed as MyST with
the YAML's line numbers, so a bad role inside a solution also points at the YAML line.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from studyguide.editions import MARKING_GUIDANCE
from studyguide.exercises import nodes as ex
from studyguide.exercises.model import Exercise, ExerciseFileError, load

logger = logging.getLogger(__name__)
BLOCK_SCALAR = re.compile(r":\s*[|>][1-9+-]*\s*(#.*)?$")


def report(path: Path, line: int, message: str) -> None:
    # A "path:line" string: a (docname, line) tuple would be read as a document name.
    logger.warning(message, location=f"{path}:{line}", type="studyguide", subtype="exercise")


class ExercisesDirective(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        path = self.env.srcdir / self.config.studyguide_exercises_dir / f"{self.arguments[0]}.yaml"
        path = path.resolve()
        self.env.note_dependency(str(path))
        if not path.is_file():
            raise self.error(f"no exercise file {path}")
        try:
            book = load(path)
        except ExerciseFileError as err:
            for problem in err.problems:
                report(problem.path, problem.line, problem.message)
            return []
        docname = self.env.docname
        if book.chapter != docname:
            report(path, book.chapter_line, f"'chapter: {book.chapter}' but the file is used by {docname}")
        domain = self.env.domains["guide"]
        objectives = domain.objectives(docname)
        for exercise in book.exercises:
            if exercise.objective not in objectives:
                known = ", ".join(objectives) or "none"
                report(
                    path,
                    exercise.lines.get("objective", exercise.line),
                    f"exercise {exercise.id!r}: objective {exercise.objective!r} is not among "
                    f"the chapter's objectives ({known})",
                )
        missing = set(objectives) - {e.objective for e in book.exercises}
        for key in sorted(missing):
            report(path, 1, f"no exercise serves the objective {key!r}")
        domain.note_exercises(docname, book.exercises)
        container = nodes.container(classes=["exercises"])
        for exercise in book.exercises:
            container += self.exercise_node(exercise)
        return [container]

    def parse(self, text: str, exercise: Exercise, key: str, into: nodes.Element) -> None:
        """Parse MyST from the YAML file so that its nodes and messages name the YAML file and
        line (MyST would give the chapter, numbering the lines from this directive's)."""
        line = exercise.lines.get(key, exercise.line)
        if BLOCK_SCALAR.search(exercise.path.read_text(encoding="utf-8").splitlines()[line - 1]):
            line += 1  # the text of "key: |" starts on the line below the key
        self.parse_at(text, exercise.path, line, into)

    def parse_at(self, text: str, path: Path, line: int, into: nodes.Element) -> None:
        """Parse ``text``, whose first line is ``line`` of ``path``, into ``into``."""
        source = str(path)
        document, reporter = self.state.document, self.state.document.reporter
        saved = document["source"], reporter.source, reporter.__dict__.get("get_source_and_line")
        document["source"] = reporter.source = source
        reporter.get_source_and_line = lambda lineno=None: (source, lineno)
        try:
            # (MyST numbers the first line self.lineno + offset + 1)
            self.state.nested_parse(
                StringList(text.splitlines(), source=source), line - self.lineno - 1, into
            )
        finally:
            document["source"], reporter.source = saved[0], saved[1]
            if saved[2] is None:
                del reporter.get_source_and_line
            else:
                reporter.get_source_and_line = saved[2]

    def exercise_node(self, exercise: Exercise) -> ex.exercise:
        node = ex.exercise(
            ids=[f"ex-{exercise.id}"],
            classes=["exercise", f"exercise-{exercise.type}"],
            exercise_id=exercise.id,
            extype=exercise.type,
            docname=self.env.docname,
        )
        node.source, node.line = str(exercise.path), exercise.line
        node += ex.exercise_title(label=exercise.type_label, difficulty=exercise.difficulty)
        if exercise.source:
            quote = nodes.block_quote(classes=["exercise-source"])
            self.parse(exercise.source, exercise, "source", quote)
            quote += nodes.attribution("", exercise.attribution)
            node += quote
        self.parse(exercise.prompt, exercise, "prompt", node)
        node += self.response(exercise)
        if exercise.answer_lines:
            node += ex.exercise_lines(count=exercise.answer_lines)
        if exercise.hint:
            hint = ex.exercise_hint(classes=["exercise-hint"])
            self.parse(exercise.hint, exercise, "hint", hint)
            node += hint
        node += self.solution(exercise)
        return node

    def response(self, exercise: Exercise) -> list[nodes.Node]:
        name = f"ex-{exercise.id}"
        if exercise.type == "multiple-choice":
            return [
                ex.exercise_choices(
                    choices=exercise.choices, correct=exercise.choices.index(exercise.answer), name=name
                )
            ]
        if exercise.type == "true-false":
            return [
                ex.exercise_choices(choices=["True", "False"], correct=0 if exercise.answer else 1, name=name)
            ]
        if exercise.type == "ordering":
            return [
                ex.exercise_ordering(
                    shown=exercise.shuffled(exercise.answer), correct=list(exercise.answer), name=name
                )
            ]
        if exercise.type == "matching":
            return [
                ex.exercise_matching(
                    left=list(exercise.answer),
                    right=exercise.shuffled(list(exercise.answer.values())),
                    correct=dict(exercise.answer),
                    name=name,
                )
            ]
        return []

    def solution(self, exercise: Exercise) -> ex.exercise_solution:
        node = ex.exercise_solution(classes=["exercise-solution"], exercise_id=exercise.id)
        answer = self.answer_text(exercise)
        if answer:
            para = nodes.paragraph("", "", nodes.strong("", "Answer: "), nodes.Text(answer))
            node += para
        elif exercise.answer and exercise.type in ("short-answer", "source-analysis"):
            model = nodes.container(classes=["model-answer"])
            model += nodes.paragraph("", "", nodes.strong("", "Model answer:"))
            self.parse(str(exercise.answer), exercise, "answer", model)
            node += model
        self.parse(exercise.solution, exercise, "solution", node)
        if exercise.marking or exercise.levels:
            # The levels are marking guidance too: an edition that hides one hides both.
            marking = nodes.container(classes=["marking"], material=MARKING_GUIDANCE)
            if exercise.marking:
                marking += nodes.paragraph("", "", nodes.strong("", "Marking guidance"))
                self.parse(exercise.marking, exercise, "marking", marking)
            if exercise.levels:
                marking += nodes.paragraph(
                    "", "", nodes.strong("", "Level descriptors"), classes=["levels-title"]
                )
                marking += self.levels_table(exercise)
            node += marking
        xref = addnodes.pending_xref(
            "",
            nodes.inline("", exercise.section),
            refdomain="std",
            reftype="ref",  # checked by the domain
            reftarget=exercise.section,
            refexplicit=False,
            refdoc=self.env.docname,
        )
        xref.source, xref.line = str(exercise.path), exercise.lines.get("section", exercise.line)
        node += nodes.paragraph("", "", nodes.Text("Draws on: "), xref, classes=["draws-on"])
        return node

    def levels_table(self, exercise: Exercise) -> nodes.table:
        """The mark bands as a real table with header cells, so every format can read it
        out or print it as a mark scheme, highest level first. No caption: a captioned table
        is numbered, and these must not shift the book's "Table N" numbers between editions."""
        table = nodes.table(classes=["levels"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (12, 12, 76):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += self._row([[nodes.paragraph("", text)] for text in ("Level", "Marks", "Descriptor")])
        group += head
        body = nodes.tbody()
        for level in exercise.levels:
            cell = nodes.container()
            self.parse_at(level.descriptor, exercise.path, level.line, cell)  # (the band's line)
            body += self._row(
                [
                    [nodes.paragraph("", f"Level\u00a0{level.number}")],  # never split
                    [nodes.paragraph("", level.marks)],
                    list(cell.children),
                ]
            )
        group += body
        return table

    @staticmethod
    def _row(cells: list[list[nodes.Node]]) -> nodes.row:
        row = nodes.row()
        for content in cells:
            row += nodes.entry("", *content)
        return row

    @staticmethod
    def answer_text(exercise: Exercise) -> str:
        if exercise.type == "multiple-choice":
            return exercise.answer
        if exercise.type == "true-false":
            return "True" if exercise.answer else "False"
        if exercise.type == "ordering":
            return "; ".join(f"{i}. {e}" for i, e in enumerate(exercise.answer, 1))
        if exercise.type == "matching":
            return "; ".join(f"{k} – {v}" for k, v in exercise.answer.items())
        return ""


class AnswerKeyDirective(SphinxDirective):
    """``{answer-key}``: the page where the student edition's paper formats gather solutions."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        self.env.domains["guide"].data.setdefault("answer_key", {})[self.env.docname] = True
        return [ex.answer_key(), ex.objectives_map()]
