"""Sphinx extensions that publish the study guide.

Each submodule is a small extension with one job; this module only loads them, so that
``conf.py`` lists a single extension and the order of setup is decided in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the build driver imports this package: keep it free of Sphinx
    from sphinx.application import Sphinx

__version__ = "1.0.0"  # the package's (pyproject.toml reads it); the book's edition is conf.py's release

EXTENSIONS = (
    "studyguide.settings",
    "studyguide.doctrees",
    "studyguide.content.citations",
    "studyguide.content.objectives",
    "studyguide.content.debate",
    "studyguide.content.teaching_note",
    "studyguide.content.timeline_table",
    "studyguide.content.safety",
    "studyguide.content.source_checks",
    "studyguide.content.reports",
    "studyguide.figures.sphinx",
    "studyguide.exercises",
    "studyguide.html.accessibility",
    "studyguide.html.template_cache",
    "studyguide.html.rewrites",
    "studyguide.html.downloads",
    "studyguide.html.progress",
    "studyguide.html.previews",
    "studyguide.epub.builder",
    "studyguide.pdf.builder",
    "studyguide.pdf.worksheets",
    "studyguide.quiz.builder",
    "studyguide.lms.builder",
    "studyguide.flashcards.builder",
    "studyguide.revisions",
)


def setup(app: Sphinx) -> dict:
    for name in EXTENSIONS:
        app.setup_extension(name)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
