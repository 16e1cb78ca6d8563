"""The answer key and the instructor's objectives map, gathered from every chapter.

The key is filled at write time from the chapters' own doctrees, so it always matches
the exercises as printed, in chapter order, with links both ways.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from studyguide.doctrees import release
from studyguide.editions import OBJECTIVES_MAP, drop_unshown, policy
from studyguide.exercises import nodes as ex
from studyguide.exercises.placement import chapter_number, exercise_label


def chapters_in_order(env) -> list[str]:
    docs = [d for d in env.domains["guide"].all_exercises() if d in env.all_docs]
    return sorted(docs, key=lambda d: env.toc_secnumbers.get(d, {}).get("", (999,)))


def own_ids(copy: nodes.Element, prefix: str) -> None:
    """A solution's ids are unique in its chapter, not in the key that gathers every
    chapter's solutions (two chapters' citations are both ``id14``): the copy gets its own,
    and its links to them follow."""
    renamed = {}
    for node in copy.findall(nodes.Element):
        if node.get("ids"):
            renamed.update({old: prefix + old for old in node["ids"]})
            node["ids"] = [prefix + old for old in node["ids"]]
    for node in copy.findall(nodes.Element):
        if node.get("refid") in renamed:
            node["refid"] = renamed[node["refid"]]


class FillAnswerKey(SphinxPostTransform):
    """Priority below Sphinx's reference resolver (10), so links inside solutions resolve."""

    default_priority = 8

    def run(self) -> None:
        rules = policy(self.app.builder)
        for placeholder in list(self.document.findall(ex.answer_key)):
            placeholder.replace_self(
                self.key(rules)
                if rules.fills_answer_key
                else [
                    nodes.paragraph(
                        "",
                        f"In {rules.edition.title} each solution and its marking "
                        "guidance follow the exercise in the chapter.",
                    )
                ]
            )
        for placeholder in list(self.document.findall(ex.objectives_map)):
            placeholder.replace_self(self.objectives_table() if rules.shows(OBJECTIVES_MAP) else [])

    def here(self) -> str:
        return self.env.docname

    def key(self, rules) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        builder = self.app.builder
        for docname in chapters_in_order(self.env):
            title = self.env.titles[docname].astext()
            number = chapter_number(self.env, docname)
            section = nodes.section(ids=[f"key-chapter-{docname.rsplit('/', 1)[-1]}"])
            section += nodes.title("", f"Chapter {number}: {title}" if number else title)
            tree = self.env.get_doctree(docname)
            chapter_uri = builder.get_relative_uri(self.here(), docname)
            for position, exercise in enumerate(tree.findall(ex.exercise), 1):
                solution = next(exercise.findall(ex.exercise_solution), None)
                entry = nodes.container(ids=[f"key-{exercise['exercise_id']}"], classes=["key-entry"])
                back = nodes.reference(
                    "",
                    exercise_label(self.env, docname, position),
                    internal=True,
                    refuri=f"{chapter_uri}#ex-{exercise['exercise_id']}",
                    classes=["to-exercise"],
                )
                entry += nodes.paragraph("", "", nodes.strong("", "", back), classes=["key-title"])
                if solution is not None:
                    copy = solution.deepcopy()  # from the stored doctree: not yet filtered
                    drop_unshown(copy, rules)
                    for xref in copy.findall(addnodes.pending_xref):
                        xref["refdoc"] = self.here()  # resolve links from the key's page
                    own_ids(copy, f"key-{exercise['exercise_id']}-")
                    entry += copy
                section += entry
            release(tree)  # read once, for this key only
            out.append(section)
        return out

    def objectives_table(self) -> list[nodes.Node]:
        domain = self.env.domains["guide"]
        table = nodes.table(classes=["objectives-map"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (14, 56, 30):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        head += self.row(["Chapter", "Objective", "Exercises"])
        body = nodes.tbody()
        group += body
        for docname in chapters_in_order(self.env):
            exercises = domain.exercises(docname)
            for key, (text, _node_id, _line) in domain.objectives(docname).items():
                serving = [
                    exercise_label(self.env, docname, i).removeprefix("Exercise ")
                    for i, e in enumerate(exercises, 1)
                    if e.objective == key
                ]
                body += self.row([chapter_number(self.env, docname), text, ", ".join(serving)])
        rubric = nodes.rubric("", "Objectives and the exercises that serve them")
        return [rubric, table]

    @staticmethod
    def row(cells: list[str]) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            row += nodes.entry("", nodes.paragraph("", cell))
        return row
