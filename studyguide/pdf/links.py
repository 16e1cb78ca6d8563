"""Give every id in the assembled book a unique name and make every internal link point at it.

Sphinx's single-page assembly keeps each document's own ids, so two chapters both have a
footnote ``id1`` and a section ``summary``, and since Sphinx 8.2 cross-document links come
out as ``#document-ch2#target`` (sphinx#14221), which nothing follows. Here each document's
ids get its name as a prefix, links are rewritten to match, and any link still pointing
nowhere is reported, so a broken reference fails the build instead of shipping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from docutils import nodes
from sphinx import addnodes

DOC_PREFIX = "#document-"


def slug(docname: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", docname).strip("-")


def scoped(docname: str, node_id: str) -> str:
    return f"{slug(docname)}--{node_id}"


def doc_anchor(docname: str) -> str:
    return f"document-{docname}"


def internal_target(ref: nodes.Element) -> str:
    """The id a reference points at within the book ("" for a link that leaves it)."""
    uri = ref.get("refuri", "")
    if uri.startswith("#"):
        return uri[1:]
    return "" if uri else ref.get("refid", "")


def _documents(tree: nodes.document, root: str) -> Iterator[tuple[str, nodes.Element]]:
    """Yield (docname, element) for every element, with the document it came from."""

    def walk(node: nodes.Element, docname: str) -> Iterator[tuple[str, nodes.Element]]:
        for child in node.children:
            if not isinstance(child, nodes.Element):
                continue
            name = child["docname"] if isinstance(child, addnodes.start_of_file) else docname
            yield name, child
            yield from walk(child, name)

    yield root, tree
    yield from walk(tree, root)


class LinkMap:
    """The renaming applied to one assembled book, reused for links made outside the doctree."""

    def __init__(self, tree: nodes.document, root: str) -> None:
        self.root = root
        self.ids: set[str] = set()
        for docname, node in _documents(tree, root):
            if isinstance(node, addnodes.start_of_file):
                self.ids.add(doc_anchor(docname))
            node["ids"] = [scoped(docname, i) for i in node.get("ids", [])]
            self.ids.update(node["ids"])
            if node.get("backrefs"):
                node["backrefs"] = [scoped(docname, i) for i in node["backrefs"]]
            if node.get("refid"):
                node["refid"] = scoped(docname, node["refid"])
            if isinstance(node, nodes.reference) and node.get("refuri"):
                node["refuri"] = self.uri(node["refuri"], docname)
        self.ids.add(doc_anchor(root))

    def uri(self, uri: str, docname: str | None = None) -> str:
        """Rewrite an in-book URI; leave external ones alone."""
        if uri.startswith(DOC_PREFIX):
            target_doc, _, fragment = uri[len(DOC_PREFIX) :].partition("#")
            return f"#{scoped(target_doc, fragment)}" if fragment else f"#{doc_anchor(target_doc)}"
        if uri.startswith("#") and docname is not None:
            return f"#{scoped(docname, uri[1:])}"
        return uri

    def dangling(self, tree: nodes.document) -> list[tuple[nodes.Element, str]]:
        """Internal links whose target is not in the book."""
        broken = []
        for node in tree.findall(nodes.reference):
            target = internal_target(node)
            if target and target not in self.ids:
                broken.append((node, target))
        return broken
