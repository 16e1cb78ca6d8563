"""``sphinx-build -b flashcards``: revision cards written from the glossary the book read."""

from __future__ import annotations

import os
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.builders import Builder


class FlashcardsBuilder(Builder):
    name = "flashcards"
    format = "flashcards"
    epilog = "The flashcards are in %(outdir)s."

    def get_outdated_docs(self):
        return "all flashcards"

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return ""

    def prepare_writing(self, docnames) -> None:
        pass

    def write_doc(self, docname, doctree) -> None:
        pass

    def finish(self) -> None:
        from studyguide.flashcards import anki, sheet
        from studyguide.flashcards.cards import decks as gather
        from studyguide.flashcards.tsv import tsv

        config = self.config
        decks = gather(self.env)
        base, title = config.studyguide_basename, config.project
        outdir = Path(self.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        timestamp = float(os.environ.get("SOURCE_DATE_EPOCH") or 0)
        anki.write(outdir / f"{base}-flashcards.apkg", decks, title, base, timestamp)
        (outdir / f"{base}-flashcards.tsv").write_text(tsv(decks), encoding="utf-8", newline="\n")
        sheet.write(
            outdir / f"{base}-flashcards.pdf", decks, title, config.language or "en", config.studyguide_paper
        )


def setup(app: Sphinx) -> dict:
    app.add_builder(FlashcardsBuilder)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
