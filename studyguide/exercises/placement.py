"""Move solutions where this build's rules (``studyguide.editions``) put them, and number exercises.

When the rules send solutions apart (the student edition on paper), each leaves its chapter
and, where the format has an answer key, the exercise links to it in the key. Running as a
post-transform at write time lets one parse serve every edition and format.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from studyguide.editions import policy
from studyguide.exercises import nodes as ex


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
        rules = policy(self.app.builder)
        if self.document.get("keep_solutions") or not rules.solutions_apart:
            return
        key_doc = answer_key_doc(self.env) if rules.links_to_key else None
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
                "",
                f"Solution: answer key, {exercise['number_label']}",
                internal=True,
                refuri=f"{uri}#key-{exercise['exercise_id']}",
                classes=["to-solution"],
            )
            exercise.insert(index, nodes.paragraph("", "", link, classes=["exercise-keylink"]))
