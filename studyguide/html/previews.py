"""Explanations in place: a glossary term, a person or a cross-reference previews its target.

Everything a preview says is gathered from the doctrees while they are read (an
environment collector, so incremental and parallel reads keep exactly the documents that
exist) and written before the pages as ``_static/previews-data.js``: the page looks a
link's target up there and never fetches another page, which a page opened from
``file://`` could not do anyway. ``previews.js`` shows it in one ``role="tooltip"``
element on hover and on keyboard focus, and Escape closes it.

People are not linked in the authors' text: a chapter names a person with the ``{index}``
role. In builds that preview (``Policy.previews``), each such mention of someone with a row
in "Who's who" (the document labelled ``studyguide_people_label``) becomes a link to that
row, whose anchor (``person-<surname>-<name>``) is made from the index entry and so
survives reordering the table.

sphinx-tippy was considered and not used: it loads tippy and Popper from a CDN by default,
asks Wikipedia and Crossref at build time unless told not to, writes per-page scripts under
random names (no two builds alike), reads the written HTML back with BeautifulSoup, and its
tooltips do not close on Escape.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.transforms.post_transforms import SphinxPostTransform

from studyguide.editions import policy
from studyguide.html.progress import add_web_assets

DATA_FILE = "previews-data.js"
LIMIT = 320  # characters of a preview's text: a glance, not the entry
SKIP = (
    addnodes.index,
    nodes.target,
    nodes.footnote_reference,
    nodes.citation_reference,
    nodes.system_message,
    nodes.raw,
)


def person_id(key: str) -> str:
    return "person-" + nodes.make_id(key)


def _segments(node: nodes.Node, into: list) -> list:
    """The node's text as a reader sees it, with references whose text is only known after
    the whole book is read (a section's title, a figure's number) left as ``[kind, label]``."""
    if isinstance(node, nodes.Text):
        into.append(str(node))
    elif isinstance(node, SKIP):
        pass
    elif isinstance(node, addnodes.pending_xref):
        domain, kind, explicit = node.get("refdomain"), node.get("reftype"), node.get("refexplicit")
        if domain == "cite":
            if kind == "t":  # "Roberts (2012) argues": the name is part of the sentence
                into.append(["cite", node["reftarget"]])
            # else "(Roberts, 2012)" adds nothing to a glance
        elif domain == "std" and kind in ("ref", "numref") and not explicit:
            into.append([kind, node["reftarget"]])
        else:
            into.append(node.astext())
    elif isinstance(node, nodes.Element):
        for child in node.children:
            _segments(child, into)
    return into


def segments(node: nodes.Node | None) -> list:
    return _segments(node, []) if node is not None else []


def first(node: nodes.Element, kind: type) -> nodes.Element | None:
    return next((c for c in node.children if isinstance(c, kind)), None)


def is_people_page(doctree: nodes.document, label: str) -> bool:
    return any(label in s["names"] for s in doctree.findall(nodes.section))


def person_rows(doctree: nodes.document):
    """(index entry key, name cell, role cell, target node) for each row of the people tables."""
    for row in doctree.findall(nodes.row):
        cells = [c for c in row.children if isinstance(c, nodes.entry)]
        if len(cells) < 2 or not isinstance(row.parent, nodes.tbody):
            continue
        for index in cells[0].findall(addnodes.index):
            if index["entries"]:
                target = index.next_node(nodes.target, siblings=True, descend=False)
                yield index["entries"][0][1], cells[0], cells[1], target
                break


class PreviewCollector(EnvironmentCollector):
    """``env.studyguide_previews[docname]``: ``{"previews": {id: [kind, title, text]},
    "people": {index key: anchor}}``, title and text as segments."""

    def clear_doc(self, app: Sphinx, env, docname: str) -> None:
        getattr(env, "studyguide_previews", {}).pop(docname, None)

    def merge_other(self, app: Sphinx, env, docnames: set[str], other) -> None:
        mine = self.store(env)
        for docname in docnames:
            if docname in getattr(other, "studyguide_previews", {}):
                mine[docname] = other.studyguide_previews[docname]

    @staticmethod
    def store(env) -> dict:
        if not hasattr(env, "studyguide_previews"):
            env.studyguide_previews = {}
        return env.studyguide_previews

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        previews: dict[str, list] = {}
        people: dict[str, str] = {}

        def note(node: nodes.Element, kind: str, title: list, text: list, ids=None) -> None:
            for anchor in ids or node["ids"]:
                previews.setdefault(anchor, [kind, title, text])

        if is_people_page(doctree, app.config.studyguide_people_label):
            for key, name, role, _target in person_rows(doctree):
                people[key] = person_id(key)
                note(name, "person", segments(name), segments(role), [person_id(key)])
        for term in doctree.findall(nodes.term):
            definition = term.next_node(nodes.definition, siblings=True, descend=False)
            if term["ids"] and definition is not None:
                note(term, "term", segments(term), segments(first(definition, nodes.paragraph)))
        for figure in doctree.findall(nodes.figure):
            note(
                figure,
                "figure",
                [["figure", figure["ids"][0]]] if figure["ids"] else [],
                segments(first(figure, nodes.caption)),
            )
        for section in doctree.findall(nodes.section):
            note(
                section,
                "section",
                segments(first(section, nodes.title)),
                segments(first(section, nodes.paragraph)),
            )
        mentions = sorted(
            {
                i["entries"][0][1]
                for i in doctree.findall(addnodes.index)
                if i["entries"] and i.get("inline") is not False
            }
        )
        self.store(app.env)[app.env.docname] = {"previews": previews, "people": people, "mentions": mentions}


def people(env) -> tuple[str | None, dict[str, str]]:
    """The people page and its anchors by index key (none when the book has no such page)."""
    for docname, found in sorted(getattr(env, "studyguide_previews", {}).items()):
        if found["people"]:
            return docname, found["people"]
    return None, {}


class PeopleWatch:
    """Pages name people whose links come from another page: when "Who's who" gains, loses or
    moves someone, the pages that mention them are rewritten too (Sphinx would rewrite only
    the pages whose own source changed)."""

    def __init__(self) -> None:
        self.before: tuple = (None, {})

    def remember(self, app: Sphinx, env, docnames) -> None:
        page, anchors = people(env)
        self.before = (page, dict(anchors))

    def pages_to_rewrite(self, app: Sphinx, env) -> list[str]:
        now = people(env)
        if now == self.before:
            return []
        keys = set(self.before[1]) | set(now[1])
        return sorted(
            d
            for d, found in getattr(env, "studyguide_previews", {}).items()
            if keys & set(found.get("mentions", ()))
        )


class PersonLinks(SphinxPostTransform):
    """Each ``{index}`` mention of someone in "Who's who" links to their row there."""

    default_priority = 800

    def run(self) -> None:
        if not policy(self.app.builder).previews:
            return
        page, anchors = people(self.env)
        if page is None:
            return
        if self.env.docname == page:
            for key, _name, _role, target in person_rows(self.document):
                if target is not None and key in anchors and anchors[key] not in target["ids"]:
                    target["ids"].append(anchors[key])
            return
        uri = self.app.builder.get_relative_uri(self.env.docname, page)
        for index in list(self.document.findall(addnodes.index)):
            if index.get("inline") is False or not index["entries"]:
                continue
            key = index["entries"][0][1]
            parent = index.parent
            if key not in anchors or not isinstance(parent, nodes.TextElement):
                continue
            if any(isinstance(a, (nodes.reference, nodes.title)) for a in _ancestors(parent)):
                continue
            at = parent.index(index)
            siblings = parent.children[at + 1 : at + 3]
            if (
                len(siblings) == 2
                and isinstance(siblings[0], nodes.target)
                and isinstance(siblings[1], nodes.Text)
            ):
                text = siblings[1]
                link = nodes.reference(
                    "",
                    "",
                    nodes.Text(str(text)),
                    internal=True,
                    refuri=f"{uri}#{anchors[key]}",
                    classes=["person-ref"],
                )
                parent.replace(text, link)


def _ancestors(node: nodes.Node):
    while node is not None:
        yield node
        node = node.parent


def _text(env, config, docname: str, parts: list) -> str:
    labels = env.domains.standard_domain.labels
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        kind, target = part
        if kind == "figure":
            out.append(_figure_number(env, config, docname, target))
        elif kind == "ref":
            out.append(labels[target][2] if target in labels else target)
        elif kind == "cite":
            out.append(_author_year(env, target))
        else:  # numref
            docname, anchor = labels[target][:2] if target in labels else (None, target)
            out.append(_figure_number(env, config, docname, anchor))
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    text = re.sub(r"\s+([.,;:)])", r"\1", text)
    return re.sub(r"\(\s*\)", "", text).replace("( ", "(").strip()


def _author_year(env, key: str) -> str:
    """A textual citation as the book's author-year style prints it: "Glantz and House (1995)"."""
    entry = env.domains["cite"].bibdata.data.entries.get(key) if "cite" in env.domains else None
    if entry is None:
        return ""
    names = [" ".join(p.last_names) for p in entry.persons.get("author") or entry.persons.get("editor", [])]
    who = names[0] if len(names) == 1 else " and ".join(names) if len(names) == 2 else f"{names[0]} et al."
    return f"{who} ({entry.fields.get('year', '')})" if names else ""


def _figure_number(env, config, docname: str | None, anchor: str) -> str:
    number = env.toc_fignumbers.get(docname, {}).get("figure", {}).get(anchor) if docname else None
    if not number:
        return "Figure"
    return config.numfig_format.get("figure", "Figure %s") % ".".join(map(str, number))


def short(text: str, limit: int = LIMIT) -> str:
    """The first sentences that fit in ``limit``; else cut at a word, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if end > limit // 2:
        return cut[: end + 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + "…"


def write_data(app: Sphinx, builder) -> None:
    """Before the pages, so their script link carries this file's checksum."""
    if not policy(builder).previews:
        return
    env, data = app.env, {}
    for docname, found in sorted(getattr(env, "studyguide_previews", {}).items()):
        if docname not in env.all_docs:
            continue
        uri = builder.get_target_uri(docname)
        for anchor, (kind, title, text) in found["previews"].items():
            data[f"{uri}#{anchor}"] = [
                kind,
                _text(env, app.config, docname, title),
                short(_text(env, app.config, docname, text)),
            ]
    static = Path(builder.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, sort_keys=True, indent=0)
    (static / DATA_FILE).write_text(f"window.STUDYGUIDE_PREVIEWS = {text};\n", encoding="utf-8")


def builder_inited(app: Sphinx) -> None:
    add_web_assets(app, policy(app.builder).previews, DATA_FILE, "previews.js", "previews.css")


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.editions")
    app.add_config_value("studyguide_people_label", "whos-who", "env", str)
    app.add_env_collector(PreviewCollector)
    app.add_post_transform(PersonLinks)
    watch = PeopleWatch()
    app.connect("env-before-read-docs", watch.remember)
    app.connect("env-updated", watch.pages_to_rewrite)
    app.connect("builder-inited", builder_inited)
    app.connect("write-started", write_data)
    return {"version": "1", "env_version": 3, "parallel_read_safe": True, "parallel_write_safe": True}
