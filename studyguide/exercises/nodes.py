"""Neutral doctree nodes for exercises.

They say what an exercise is (a choice, an ordering, a solution), never how it looks:
``render_html`` draws an interactive widget or its paper equivalent, as the build's format
in ``studyguide.editions`` says.
"""

from __future__ import annotations

from docutils import nodes


class exercise(nodes.General, nodes.Element):
    """One exercise; attributes: exercise_id, extype, docname."""


class exercise_title(nodes.General, nodes.Element):
    """'Exercise 2.5', numbered at write time once chapter numbers are known."""


class exercise_choices(nodes.General, nodes.Element):
    """Choices (multiple choice, true/false); attributes: choices, correct, name."""


class exercise_ordering(nodes.General, nodes.Element):
    """Events to order; attributes: shown (shuffled), correct (right order)."""


class exercise_matching(nodes.General, nodes.Element):
    """Pairs to match; attributes: left, right (shuffled), correct (mapping)."""


class exercise_lines(nodes.General, nodes.Element):
    """Space to write, printed only on worksheets; attribute: count."""


class exercise_hint(nodes.General, nodes.Element):
    pass


class exercise_solution(nodes.General, nodes.Element):
    """The worked solution; attribute: exercise_id."""


class answer_key(nodes.General, nodes.Element):
    """Placeholder for the answer key, filled once every chapter has been read."""


class objectives_map(nodes.General, nodes.Element):
    """Placeholder for the instructor table that maps objectives to exercises."""


ALL = (
    exercise,
    exercise_title,
    exercise_choices,
    exercise_ordering,
    exercise_matching,
    exercise_lines,
    exercise_hint,
    exercise_solution,
    answer_key,
    objectives_map,
)
