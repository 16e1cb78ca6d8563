"""The questions of the book, gathered from the chapters' doctrees as the ``lms`` builder resolves them.

Each exercise node made by ``{exercises}`` (``studyguide.exercises.directive``) holds, in
order: its title, the source quoted (source analyses), the prompt's parsed MyST, the response
(choices, events, pairs), writing space, the hint, and the solution. The solution opens with
the answer the book prints ("Answer: ..." or the model answer), then the solution's own text,
the marking guidance and "Draws on". A platform gets the prompt, the hint and the solution's
own text: it shows the right answer and needs no marking guidance or links into the book.
"""

from __future__ import annotations

from docutils import nodes

from studyguide.editions import MARKING_GUIDANCE
from studyguide.exercises import nodes as ex
from studyguide.lms.text import ORDER_NOTE, Question, render


def prompt_parts(exercise: ex.exercise) -> list[nodes.Node]:
    return [
        child
        for child in exercise.children
        if not isinstance(child, ex.ALL) and "exercise-source" not in child.get("classes", ())
    ]


def _prints_the_answer(node: nodes.Node) -> bool:
    if "model-answer" in node.get("classes", ()):
        return True
    return (
        isinstance(node, nodes.paragraph)
        and len(node) > 0
        and isinstance(node[0], nodes.strong)
        and node[0].astext() == "Answer: "
    )


def feedback_parts(solution: ex.exercise_solution) -> list[nodes.Node]:
    children = list(solution.children)
    if children and _prints_the_answer(children[0]):
        children = children[1:]
    return [
        child
        for child in children
        if child.get("material") != MARKING_GUIDANCE and "draws-on" not in child.get("classes", ())
    ]


def question(exercise, node: ex.exercise) -> Question:
    prompt = prompt_parts(node)
    if exercise.type == "ordering":
        prompt.append(nodes.paragraph("", ORDER_NOTE.format(n=len(exercise.answer))))
    solution = next(node.findall(ex.exercise_solution), None)
    hint = next(node.findall(ex.exercise_hint), None)
    return Question(
        exercise,
        render(prompt),
        render(feedback_parts(solution) if solution is not None else []),
        render(hint.children) if hint is not None and hint.children else None,
    )


def gather(builder) -> list[tuple[str, list[Question]]]:
    """(chapter title, questions) in book order, from the doctrees resolved for ``builder``."""
    env = builder.env
    domain = env.domains["guide"]
    chapters = []
    found = domain.all_exercises()
    docs = sorted(
        (d for d in found if d in env.all_docs),
        key=lambda d: (tuple(env.toc_secnumbers.get(d, {}).get("", (999,))), d),
    )
    for docname in docs:
        by_id = {exercise.id: exercise for exercise in domain.exercises(docname)}
        tree = env.get_and_resolve_doctree(docname, builder)
        chapters.append(
            (
                env.titles[docname].astext(),
                [
                    question(by_id[node["exercise_id"]], node)
                    for node in tree.findall(ex.exercise)
                    if node["exercise_id"] in by_id
                ],
            )
        )
    return chapters
