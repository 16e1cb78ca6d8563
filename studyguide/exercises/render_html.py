"""HTML for exercise nodes: interactive self-checks on the web, paper equivalents elsewhere.

One visitor per node, shared by every HTML-family builder (HTML, EPUB, PDF, worksheets);
the build's rules (``studyguide.editions``) tell them apart. The web widgets are plain
forms driven by ``exercises.js``; without script they still show the choices and the
(hidden) solution.
"""

from __future__ import annotations

from html import escape

from docutils import nodes

from studyguide.editions import policy
from studyguide.exercises import nodes as ex
from studyguide.exercises.model import Exercise
from studyguide.html.progress import content_digest

LETTERS = "ABCDEFGHIJ"


def interactive(self) -> bool:
    return policy(self.builder).interactive


def _exercise(self, node) -> Exercise | None:
    for exercise in self.builder.env.domains["guide"].exercises(node["docname"]):
        if exercise.id == node["exercise_id"]:
            return exercise
    return None


def visit_exercise(self, node):
    rules, attrs = policy(self.builder), {}
    if rules.interactive:
        attrs["data-exercise"] = node["exercise_id"]
    exercise = _exercise(self, node) if rules.keeps_progress else None
    if exercise is not None and exercise.auto_graded:
        attrs["data-digest"] = content_digest(exercise)  # a saved answer to another question is dropped
    self.body.append(self.starttag(node, "div", "", **attrs))


def depart_exercise(self, node):
    self.body.append("</div>\n")


def visit_exercise_title(self, node):
    label = node.get("number_label", "Exercise")
    extra = f" · {escape(node['difficulty'])}" if node.get("difficulty") else ""
    link = ""
    if policy(self.builder).exercise_links and isinstance(node.parent, ex.exercise):
        # A stable address a teacher can paste: the exercise's own id, never its number.
        link = (
            f' <a class="exercise-link" href="#ex-{escape(node.parent["exercise_id"])}" '
            f'aria-label="Link to this exercise ({escape(label)})">Link to this exercise</a>'
        )
    self.body.append(
        f'<p class="exercise-title"><span class="exercise-number">{escape(label)}</span> '
        f'<span class="exercise-type">{escape(node["label"])}{extra}</span>{link}</p>\n'
    )
    raise nodes.SkipNode


def visit_exercise_choices(self, node):
    name, choices = escape(node["name"]), node["choices"]
    if interactive(self):
        self.body.append(
            f'<fieldset class="exercise-choices" data-correct="{node["correct"]}">'
            f"<legend>Choose one answer</legend>\n"
        )
        for i, choice in enumerate(choices):
            self.body.append(
                f'<div class="exercise-choice"><input type="radio" name="{name}" id="{name}-{i}" '
                f'value="{i}"><label for="{name}-{i}">{escape(choice)}</label></div>\n'
            )
        self.body.append(_check_controls())
        self.body.append("</fieldset>\n")
    else:
        self.body.append('<ol class="exercise-choices paper">\n')
        for i, choice in enumerate(choices):
            self.body.append(
                f'<li><span class="box" aria-hidden="true"></span> '
                f'<span class="letter">{LETTERS[i]}.</span> {escape(choice)}</li>\n'
            )
        self.body.append("</ol>\n")
    raise nodes.SkipNode


def _select_rows(self, node, kind: str, legend: str, rows: list[tuple[str, str]], correct: list) -> None:
    """A fieldset of labelled drop-downs (ordering and matching): one <select> a row."""
    self.body.append(
        f'<fieldset class="exercise-{kind}" data-correct="{"|".join(map(str, correct))}">'
        f"<legend>{legend}</legend>\n"
    )
    for i, (label, options) in enumerate(rows):
        sid = f"{escape(node['name'])}-{i}"
        self.body.append(
            f'<div class="exercise-row"><label for="{sid}">{escape(label)}</label> '
            f'<select id="{sid}"><option value="">Choose…</option>{options}</select></div>\n'
        )
    self.body.append(_check_controls())
    self.body.append("</fieldset>\n")


def visit_exercise_ordering(self, node):
    shown, n = node["shown"], len(node["shown"])
    if interactive(self):
        options = "".join(f'<option value="{k}">{k}</option>' for k in range(1, n + 1))
        _select_rows(
            self,
            node,
            "ordering",
            f"Give each event its place, 1 (earliest) to {n}",
            [(event, options) for event in shown],
            [node["correct"].index(e) + 1 for e in shown],
        )
    else:
        self.body.append(
            f'<p class="paper-instruction">Number the events from 1 (earliest) to {n}.</p>\n'
            '<ul class="exercise-ordering paper">\n'
        )
        for event in shown:
            self.body.append(f'<li><span class="blank" aria-hidden="true"></span> {escape(event)}</li>\n')
        self.body.append("</ul>\n")
    raise nodes.SkipNode


def visit_exercise_matching(self, node):
    left, right = node["left"], node["right"]
    if interactive(self):
        options = "".join(f'<option value="{k}">{escape(r)}</option>' for k, r in enumerate(right))
        _select_rows(
            self,
            node,
            "matching",
            "Match each item on the left with one on the right",
            [(item, options) for item in left],
            [right.index(node["correct"][item]) for item in left],
        )
    else:
        self.body.append(
            '<p class="paper-instruction">Write the letter of the matching item next to each number.</p>\n'
            '<div class="exercise-matching paper"><ol class="left">\n'
        )
        for item in left:
            self.body.append(f'<li>{escape(item)} <span class="blank" aria-hidden="true"></span></li>\n')
        self.body.append('</ol><ol class="right">\n')
        for i, item in enumerate(right):
            self.body.append(f'<li><span class="letter">{LETTERS[i]}.</span> {escape(item)}</li>\n')
        self.body.append("</ol></div>\n")
    raise nodes.SkipNode


def _check_controls() -> str:
    return (
        '<div class="exercise-controls"><button type="button" class="exercise-check">'
        "Check answer</button></div>\n"
        '<p class="exercise-feedback" role="status" aria-live="polite"></p>\n'
    )


def visit_exercise_lines(self, node):
    if policy(self.builder).answer_space:
        self.body.append(
            f'<div class="answer-lines" style="--lines: {int(node["count"])}" aria-hidden="true">'
            + '<div class="line"></div>' * int(node["count"])
            + "</div>\n"
        )
    raise nodes.SkipNode


def _details(self, node, summary: str, on_request: bool) -> None:
    if on_request:
        self.body.append(self.starttag(node, "details", ""))
        self.body.append(f"<summary>{summary}</summary>\n")
        self.context.append("</details>\n")
    else:
        self.body.append(self.starttag(node, "div", ""))
        self.body.append(f'<p class="exercise-part-title">{summary}</p>\n')
        self.context.append("</div>\n")


def visit_exercise_hint(self, node):
    _details(self, node, "Hint", on_request=interactive(self))


def visit_exercise_solution(self, node):
    _details(self, node, "Solution", on_request=policy(self.builder).solutions_on_request)


def depart_details(self, node):
    self.body.append(self.context.pop())


def visit_skip(self, node):
    raise nodes.SkipNode


HTML_VISITORS = {
    "exercise": (visit_exercise, depart_exercise),
    "exercise_title": (visit_exercise_title, None),
    "exercise_choices": (visit_exercise_choices, None),
    "exercise_ordering": (visit_exercise_ordering, None),
    "exercise_matching": (visit_exercise_matching, None),
    "exercise_lines": (visit_exercise_lines, None),
    "exercise_hint": (visit_exercise_hint, depart_details),
    "exercise_solution": (visit_exercise_solution, depart_details),
    "answer_key": (visit_skip, None),  # placeholders: filled by answer_key.py, never drawn
    "objectives_map": (visit_skip, None),
}
