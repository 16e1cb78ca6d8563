"""The ``guide`` domain: where objectives and exercises from every document meet.

A domain (rather than loose attributes on ``env``) gives purge and merge hooks, so
incremental and parallel builds keep exactly the exercises of the documents that exist,
and a place to check cross-document rules (duplicate ids, sections that do not exist)
once everything has been read.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.domains import Domain
from sphinx.util import logging

from studyguide.exercises.model import Exercise

logger = logging.getLogger(__name__)


class GuideDomain(Domain):
    name = "guide"
    label = "Study guide"
    initial_data = {"objectives": {}, "exercises": {}}
    data_version = 1

    # objectives: {docname: {key: (text, node_id, line)}}
    # exercises: {docname: [Exercise, ...]} in file order

    def note_objective(self, docname: str, key: str, text: str, node_id: str, line: int) -> bool:
        keys = self.data["objectives"].setdefault(docname, {})
        if key in keys:
            return False
        keys[key] = (text, node_id, line)
        return True

    def objectives(self, docname: str) -> dict:
        return self.data["objectives"].get(docname, {})

    def note_exercises(self, docname: str, exercises: list[Exercise]) -> None:
        self.data["exercises"].setdefault(docname, []).extend(exercises)

    def exercises(self, docname: str) -> list[Exercise]:
        return self.data["exercises"].get(docname, [])

    def all_exercises(self) -> dict[str, list[Exercise]]:
        return self.data["exercises"]

    def clear_doc(self, docname: str) -> None:
        self.data["objectives"].pop(docname, None)
        self.data["exercises"].pop(docname, None)

    def merge_domaindata(self, docnames, otherdata: dict) -> None:
        for key in ("objectives", "exercises"):
            for docname, value in otherdata[key].items():
                if docname in docnames:
                    self.data[key][docname] = value

    def resolve_any_xref(self, env, fromdocname, builder, target, node, contnode):
        return []

    def check_consistency(self) -> None:
        """Rules that need the whole book: unique ids, sections that exist (Sphinx calls this
        once everything has been read)."""
        labels = self.env.domains.standard_domain.labels
        first: dict[str, Exercise] = {}
        for docname in sorted(self.data["exercises"]):
            for ex in self.data["exercises"][docname]:
                if ex.id in first:
                    other = first[ex.id]
                    logger.warning(
                        "duplicate exercise id %r (also at %s:%d)",
                        ex.id,
                        other.path,
                        other.line,
                        location=f"{ex.path}:{ex.line}",
                        type="studyguide",
                        subtype="exercise",
                    )
                first.setdefault(ex.id, ex)
                if ex.section not in labels:
                    logger.warning(
                        "exercise %r: section %r is not a label in the book",
                        ex.id,
                        ex.section,
                        location=f"{ex.path}:{ex.lines.get('section', ex.line)}",
                        type="studyguide",
                        subtype="exercise",
                    )


def setup(app: Sphinx) -> dict:
    app.add_domain(GuideDomain)
    # env_version 2: edition-only material is marked node['material'] (was node['edition']).
    return {"version": "1", "env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
