"""Review exercises: authored as YAML in ``exercises/``, rendered into every format and edition.

model.py reads and checks the files, directive.py turns them into neutral nodes, the domain
keeps them across documents, placement.py and answer_key.py move solutions at write time
where the build's rules (``studyguide.editions``) put them, render_html.py draws them, and
``studyguide.lms`` exports them.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

from studyguide.exercises import nodes as ex
from studyguide.exercises.answer_key import FillAnswerKey
from studyguide.exercises.directive import AnswerKeyDirective, ExercisesDirective
from studyguide.exercises.placement import NumberExercises, PlaceSolutions
from studyguide.exercises.render_html import HTML_VISITORS, visit_skip
from studyguide.settings import add_static_dir

STATIC = Path(__file__).parent / "static"


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.setup_extension("studyguide.editions")
    app.setup_extension("studyguide.exercises.domain")
    for node_class in ex.ALL:
        visitors = HTML_VISITORS[node_class.__name__]
        skip = (visit_skip, None)
        app.add_node(node_class, html=visitors, latex=skip, text=skip, man=skip, texinfo=skip)
    app.add_directive("exercises", ExercisesDirective)
    app.add_directive("answer-key", AnswerKeyDirective)
    app.add_post_transform(NumberExercises)
    app.add_post_transform(PlaceSolutions)
    app.add_post_transform(FillAnswerKey)
    add_static_dir(app, STATIC)
    app.add_css_file("exercises.css")
    app.add_js_file("exercises.js", loading_method="defer")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
