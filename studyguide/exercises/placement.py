"""Decide, at write time, where solutions go and how exercises are numbered.

- web edition, student: solutions stay beside their exercise, hidden until asked for;
- paper formats (EPUB, PDF), student: solutions leave the chapters for the answer key,
  each exercise linking to its solution and back;
- instructor edition, every format: solutions and marking guidance follow each exercise.

Running as a post-transform keyed on the builder and ``studyguide_edition`` lets one parse
serve every edition and format.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from studyguide.editions import is_instructor
from studyguide.exercises import nodes as ex

WEB_BUILDERS = ("html", "dirhtml")


def solutions_in_key(app) -> bool:
    return not is_instructor(app.config) and app.builder.name not in WEB_BUILDERS


def chapter_number(env, docname: str) -> str:
    numbers = env.toc_secnumbers.get(docname, {}).get("", ())
    return ".".join(map(str, numbers))


def exercise_label(env, docname: str, position: int) -> str:
    chapter = chapter_number(env, docname)
    return f"Exercise {chapter}.{position}" if chapter else f"Exercise {position}"


def answer_key_doc(env) -> str | None:
    docs = [d for d in env.domains["guide"].data.get("answer_key", {}) if d in env.all_docs]
    return docs[0] if docs else None


class NumberExercises(SphinxPostTransform):
    default_priority = 6

    def run(self) -> None:
        counters: dict[str, int] = {}
        for node in self.document.findall(ex.exercise):
            docname = node["docname"]
            counters[docname] = counters.get(docname, 0) + 1
            node["number_label"] = exercise_label(self.env, docname, counters[docname])
            for title in node.findall(ex.exercise_title):
                title["number_label"] = node["number_label"]


class PlaceSolutions(SphinxPostTransform):
    default_priority = 7

    def run(self) -> None:
        if self.document.get("keep_solutions") or not solutions_in_key(self.app):
            return
        # Worksheets have no answer key to point at: the teacher's answer sheet is separate.
        key_doc = None if self.app.builder.name == "worksheets" else answer_key_doc(self.env)
        for node in list(self.document.findall(ex.exercise_solution)):
            exercise = node.parent
            if not isinstance(exercise, ex.exercise):
                continue  # a solution already copied into the answer key
            index = exercise.index(node)
            exercise.remove(node)
            if key_doc is None:
                continue
            uri = self.app.builder.get_relative_uri(self.env.docname, key_doc)
            link = nodes.reference(
                "", f"Solution: answer key, {exercise['number_label']}", internal=True,
                refuri=f"{uri}#key-{exercise['exercise_id']}", classes=["to-solution"],
            )
            exercise.insert(index, nodes.paragraph("", "", link, classes=["exercise-keylink"]))
