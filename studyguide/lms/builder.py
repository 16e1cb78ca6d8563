"""``sphinx-build -b lms``: the question bank, written from the exercises the book read."""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.builders import Builder


class LMSBuilder(Builder):
    name = "lms"
    format = "lms"
    epilog = "The question banks are in %(outdir)s."

    def get_outdated_docs(self):
        return "all question banks"

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return ""

    def prepare_writing(self, docnames) -> None:
        pass

    def write_doc(self, docname, doctree) -> None:
        pass

    def finish(self) -> None:
        from studyguide.lms import export

        export.write_all(self)


def setup(app: Sphinx) -> dict:
    app.add_builder(LMSBuilder)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
