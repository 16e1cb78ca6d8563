"""The print book's structure: which documents are front matter, chapters or back matter,
the contents page and the index, expressed as plain data for the print template.

The contents is built from Sphinx's own toctrees and section records (``env.tocs``), so it
lists exactly what the HTML navigation lists; page numbers are left to CSS
(``target-counter``), which is the only place that knows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docutils import nodes
from sphinx import addnodes

from studyguide.pdf.links import LinkMap, doc_anchor


@dataclass
class Part:
    caption: str
    kind: str  # "front", "chapters" or "back"
    docnames: list[str]


@dataclass
class Entry:
    title: str
    href: str
    number: str = ""
    children: list[Entry] = field(default_factory=list)


def toctree_parts(root_tree: nodes.document) -> list[Part]:
    """Front matter comes before the numbered toctree, back matter after it."""
    parts: list[Part] = []
    seen_numbered = False
    for toctree in root_tree.findall(addnodes.toctree):
        numbered = bool(toctree.get("numbered"))
        kind = "chapters" if numbered else ("back" if seen_numbered else "front")
        seen_numbered = seen_numbered or numbered
        parts.append(Part(toctree.get("caption") or "", kind, list(toctree["includefiles"])))
    return parts


def _sections(toc: nodes.Node, docname: str, env, links: LinkMap, depth: int) -> list[Entry]:
    entries = []
    if depth == 0:
        return entries
    for item in toc.children:
        if not isinstance(item, nodes.list_item):
            continue
        ref = next(item.findall(nodes.reference))
        anchor = ref.get("anchorname", "")
        href = links.uri(f"#document-{docname}{anchor}") if anchor else f"#{doc_anchor(docname)}"
        number = ".".join(map(str, env.toc_secnumbers.get(docname, {}).get(anchor or "", ())))
        sub = next((c for c in item.children if isinstance(c, nodes.bullet_list)), None)
        children = _sections(sub, docname, env, links, depth - 1) if sub is not None else []
        entries.append(Entry(ref.astext(), href, number, children))
    return entries


def table_of_contents(parts: list[Part], env, links: LinkMap) -> list[tuple[Part, list[Entry]]]:
    """Chapters list their sections; front and back matter list only their titles."""
    result = []
    for part in parts:
        entries = []
        for docname in part.docnames:
            toc = env.tocs.get(docname)
            if toc is None or not toc.children:
                continue
            depth = 2 if part.kind == "chapters" else 1
            top = _sections(toc, docname, env, links, depth)
            if top:
                entry = top[0]
                entry.href = f"#{doc_anchor(docname)}"
                entries.append(entry)
        result.append((part, entries))
    return result


def rewrite_index(index: list, links: LinkMap) -> list:
    """Point the index's links at the renamed ids of the print document."""

    def fix(pairs):
        return [(main, links.uri(uri)) for main, uri in pairs if uri]

    out = []
    for letter, entries in index:
        new_entries = []
        for name, (refs, subitems, _category) in entries:
            new_entries.append((name, fix(refs), [(sub, fix(r)) for sub, r in subitems]))
        out.append((letter, new_entries))
    return out
