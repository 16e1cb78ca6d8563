"""``sphinx-build -b lms``: the question banks, written from the exercises as the book parsed them.

Nothing is written per document; at the end the chapters' doctrees are resolved for this
builder (its format in ``studyguide.editions`` keeps each solution beside its exercise, as
feedback) and the exercise nodes rendered into each format.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.builders import Builder


class LMSBuilder(Builder):
    name = "lms"
    format = "lms"
    epilog = "The question banks are in %(outdir)s."

    def get_outdated_docs(self):
        return "all question banks"

    def write_documents(self, docnames) -> None:
        pass  # one bank for the whole book, written by finish()

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return ""

    def prepare_writing(self, docnames) -> None:
        pass

    def write_doc(self, docname, doctree) -> None:
        pass  # (required by Builder; write_documents never calls it)

    def finish(self) -> None:
        from studyguide.lms import export

        export.write_all(self)


def setup(app: Sphinx) -> dict:
    app.add_builder(LMSBuilder)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
