"""Editions made visible: the edition stamp, the "Revision history" page and "revised in" marks.

The history is worked out from git (``history.py``) once per build, when Sphinx asks which
documents are out of date, and kept in the environment. Git tags are not files Sphinx can
watch, so that is where they are declared a dependency: when the history differs from the
last build's, the page holding ``{revision-history}`` and every page whose marks change
are read again. The marks are drawn at write time, only where the build's
:class:`~studyguide.editions.Policy` says its format marks revisions (the web edition).

The stamp (``studyguide.identity``) goes into ``html_context`` at ``config-inited``, so a
new commit makes Sphinx rewrite every page with the new footer, as any config change does.
"""

from __future__ import annotations

import os
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from studyguide import identity
from studyguide.revisions import history as hist

HERE = Path(__file__).parent
STAMP = "studyguide_edition_stamp"  # html_context key: the sentence every format prints
TOKEN = "studyguide_edition_token"  # html_context key: the same as one word, for metadata


class RevisionsError(SphinxError):
    category = "Revision history error"


def entries(env) -> list[hist.Entry]:
    return getattr(env, "studyguide_history", None) or []


def revised(env) -> dict[str, hist.Change]:
    """Sections changed in the newest entry (this edition), by key."""
    found = entries(env)
    return {c.key: c for c in found[0].sections if c.kind != "removed"} if found else {}


def revised_exercises(env) -> dict[str, str]:
    """Exercise id -> the version of the last edition that changed it."""
    marks: dict[str, str] = {}
    for entry in reversed(entries(env)):  # oldest first: later editions win
        for change in entry.exercises:
            if change.kind == "changed":
                marks[change.key] = entry.version
    return marks


def compute(app: Sphinx) -> list[hist.Entry]:
    srcdir = Path(app.srcdir)
    exdir = (srcdir / app.config.studyguide_exercises_dir).resolve()
    try:
        notes = hist.summaries(srcdir / app.config.studyguide_revisions_file)
        return hist.history(srcdir, exdir, app.config.release, notes)
    except hist.HistoryError as err:
        raise RevisionsError(str(err)) from None


def _marked_docs(found: list[hist.Entry]) -> set[str]:
    return {c.docname for c in found[0].sections} if found else set()


def declare_outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """The tags as a dependency: a changed history re-reads the pages it shows on."""
    new = compute(app)
    old = getattr(env, "studyguide_history", None)
    env.studyguide_history = new
    if old == new:
        return []
    pages = set(getattr(env, "studyguide_history_docs", set())) | _marked_docs(new)
    pages |= _marked_docs(old or [])
    return sorted(d for d in pages if d in env.found_docs and d not in added | changed)


def set_stamp(app: Sphinx, config) -> None:
    edition = identity.of(config, app.srcdir)
    config.html_context = {**config.html_context, STAMP: edition.line, TOKEN: edition.token}
    config.templates_path = [*config.templates_path, str(HERE / "templates")]


def _order(env) -> dict[str, int]:
    """Documents in reading order (the toctrees from the root)."""
    order: dict[str, int] = {}

    def walk(doc: str) -> None:
        if doc in order:
            return
        order[doc] = len(order)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(env.config.root_doc)
    return order


class RevisionHistory(SphinxDirective):
    """``{revision-history}``: a section per edition, newest first, written as MyST and
    parsed as the page is (so its references resolve in every format)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.env
        if not hasattr(env, "studyguide_history_docs"):
            env.studyguide_history_docs = set()
        env.studyguide_history_docs.add(env.docname)
        found = entries(env)
        if not found:
            if identity.source(str(env.srcdir)) == identity.UNVERSIONED:
                return self.parse_text_to_nodes(
                    "This copy was built from an unversioned source tree, so its history is not known."
                )
            # No edition is tagged in this clone (a shallow or tagless one, or before the first
            # release): the maintainer's line for this edition is all that can be said.
            release = self.config.release
            summary = hist.summaries(Path(env.srcdir) / self.config.studyguide_revisions_file).get(
                f"{hist.TAG_PREFIX}{release}", ""
            )
            return self.parse_text_to_nodes(
                f"## Edition {release}\n\n{summary}\n\n"
                "No earlier edition is tagged in this copy of the sources, so the sections and "
                "exercises that changed cannot be listed here."
            )
        order = _order(env)
        labels = env.domains["std"].labels
        result: list[nodes.Node] = []
        for entry in found:
            text = [
                f"## {entry.heading}",
                "",
                entry.summary or ("The first edition." if entry.first else ""),
                "",
            ]
            sections = sorted(
                entry.sections, key=lambda c: (c.kind == "removed", order.get(c.docname, 1 << 30))
            )
            if sections:
                text.append("Sections whose text changed:\n")
                text += [f"- {self._section(c, labels)}" for c in sections]
                text.append("")
            if entry.exercises:
                text.append("Exercises:\n")
                text += [f"- `{c.key}` ({self._chapter(c.title)}): {c.kind}" for c in entry.exercises]
            result += self.parse_text_to_nodes("\n".join(text), allow_section_headings=True)
            # MyST puts the new section straight into the page; give it the id marks link to.
            document = self.state.document
            for section in document.findall(nodes.section):
                if section[0].astext() == entry.heading and entry.anchor not in section["ids"]:
                    section["ids"].insert(0, entry.anchor)
                    document.ids[entry.anchor] = section
                    break
        return result

    def _chapter(self, docname: str) -> str:
        title = self.env.titles.get(docname)
        return title.astext() if title is not None else docname

    @staticmethod
    def _section(change: hist.Change, labels) -> str:
        note = "" if change.kind == "changed" else f" ({change.kind})"
        if change.kind == "removed":
            return f"{change.title}{note}"
        if change.key.startswith(hist.DOC_KEY):
            return f"{{doc}}`/{change.docname}`{note}"
        return (f"{{ref}}`{change.key}`" if change.key in labels else change.title) + note


class RevisionMarks(SphinxPostTransform):
    """ "revised in 1.1" under the title of each section this edition changed, linking to
    its entry in the history; only where the format marks revisions."""

    default_priority = 6  # after the edition filter, before references are resolved

    def run(self) -> None:
        from studyguide.editions import policy

        if not policy(self.app.builder).marks_revisions:
            return
        changes = revised(self.env)
        docname = self.env.docname
        mine = {k: c for k, c in changes.items() if c.docname == docname}
        if not mine:
            return
        entry = entries(self.env)[0]
        pages = sorted(getattr(self.env, "studyguide_history_docs", ()))
        for section in self.document.findall(nodes.section):
            key = next((i for i in section["ids"] if i in mine), None)
            if key is None and isinstance(section.parent, nodes.document) and hist.DOC_KEY + docname in mine:
                key = hist.DOC_KEY + docname
            if key is None or not section.children or not isinstance(section[0], nodes.title):
                continue
            word = "new" if mine[key].kind == "added" else "revised"
            since = entry.tag is None and not entry.next_release
            label = f"{word} {'since' if since else 'in'} {entry.version}"
            mark = nodes.paragraph(classes=["revision-mark"])
            if pages:
                uri = self.app.builder.get_relative_uri(docname, pages[0]) + "#" + entry.anchor
                mark += nodes.reference("", label, refuri=uri, internal=True)
            else:
                mark += nodes.Text(label)
            section.insert(1, mark)
            mine.pop(key)


def purge(app, env, docname) -> None:
    getattr(env, "studyguide_history_docs", set()).discard(docname)


def merge(app, env, docnames, other) -> None:
    env.studyguide_history_docs = set(getattr(env, "studyguide_history_docs", set())) | set(
        getattr(other, "studyguide_history_docs", set())
    )


def setup(app: Sphinx) -> dict:
    from studyguide.revisions.errata import ErrataBuilder
    from studyguide.settings import add_static_dir

    app.setup_extension("studyguide.settings")
    app.add_config_value("studyguide_revisions_file", "revisions.yaml", "env", str)
    app.connect("config-inited", set_stamp)
    app.connect("env-get-outdated", declare_outdated)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.add_config_value("studyguide_errata_from", os.environ.get("ERRATA_FROM", ""), "", str)
    app.add_builder(ErrataBuilder)
    app.add_directive("revision-history", RevisionHistory)
    app.add_post_transform(RevisionMarks)
    add_static_dir(app, HERE / "static")
    app.add_css_file("revisions.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
