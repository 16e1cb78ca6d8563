"""The print book as one document: Sphinx's doctrees joined in reading order, numbered,
with every id renamed, and what the print template needs beside it, as plain data.

Sphinx's single-page assembly (``inline_all_toctrees``) does the joining, so every
extension's nodes arrive as they would in the HTML edition. What the print book adds:
chapters lifted out of the root page, section numbers on the titles (the translator looks
there first), figure numbers under the renamed ids, the copyright document taken out of
the flow (the template prints it on the title's verso) and the print variants of figures.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.environment.adapters.indexentries import IndexEntries
from sphinx.util.nodes import inline_all_toctrees

from studyguide.doctrees import release
from studyguide.figures import print_variant
from studyguide.pdf import contents
from studyguide.pdf.links import LinkMap, doc_anchor, scoped


@dataclass
class PrintBook:
    tree: nodes.document
    parts: list[contents.Part]
    doc_kinds: dict[str, str]  # docname -> "front", "chapters" or "back"
    first_main_doc: str | None  # its first page is arabic page 1
    links: LinkMap
    copyright: nodes.Element | None  # printed on the title's verso, not in the flow
    fignumbers: dict[str, dict[str, tuple[int, ...]]]  # figtype -> renamed id -> number
    dangling: list[tuple[nodes.Element, str]]  # links to nothing in the book


def assemble(builder, only: set[str] | None = None) -> PrintBook:
    """The whole book, or (``only``: the print preview) just those of its documents."""
    env, root = builder.env, builder.config.root_doc
    tree = env.get_doctree(root)
    parts = contents.toctree_parts(tree)
    first_main_doc = next((d for p in parts if p.kind != "front" for d in p.docnames), None)
    skipped = [] if only is None else [d for d in env.all_docs if d not in only]  # as if inlined
    with releasing_originals(env, first=tree):
        tree = inline_all_toctrees(builder, set(), root, tree, lambda s: s, [root, *skipped])
    tree["docname"] = root
    unwrap_root(tree)
    env.resolve_references(tree, root, builder)
    number_sections(tree, env.toc_secnumbers)
    figure_numbers = figure_numbers_by_document(env.toc_fignumbers)  # before the renaming
    links = LinkMap(tree, root)
    copyright = detach(tree, builder.config.studyguide_copyright_doc)
    return PrintBook(
        tree=tree,
        parts=parts,
        doc_kinds={doc: part.kind for part in parts for doc in part.docnames},
        first_main_doc=first_main_doc,
        links=links,
        copyright=copyright,
        fignumbers={
            figtype: {scoped(doc, fid): num for (doc, fid), num in numbers.items()}
            for figtype, numbers in figure_numbers.items()
        },
        dangling=links.dangling(tree),
    )


@contextmanager
def releasing_originals(env, first: nodes.document):
    """Free each doctree the assembly copies from as soon as it is copied.

    ``inline_all_toctrees`` deep-copies each document's doctree as it inlines it, and
    each copied node still names the original as its document, which holds all of the
    original's nodes (its children and its ids): the assembled book held the whole book
    twice. A doctree it asks for is copied before it asks for the next, so the one before
    can go then, and no more than one original is held at a time; the copies need only
    their document's source, line and settings, which a released document keeps.
    """
    originals = [first]
    load, before = env.get_doctree, env.__dict__.get("get_doctree")  # (an instance's own, if any)

    def get_doctree(docname: str) -> nodes.document:
        while originals:
            release(originals.pop())
        originals.append(load(docname))
        return originals[-1]

    env.get_doctree = get_doctree
    try:
        yield
    finally:
        if before is None:
            del env.get_doctree
        else:
            env.get_doctree = before
        for tree in originals:
            release(tree)


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def unwrap_root(tree: nodes.document) -> None:
    """Lift the chapters out of the root page's section, so each starts at <h1>.

    The title page stands in for the root page's own title and text.
    """
    for section in [c for c in tree.children if isinstance(c, nodes.section)]:
        documents = list(section.findall(addnodes.start_of_file))
        top = [d for d in documents if not any(a in documents for a in _ancestors(d))]
        section.replace_self(top)


def detach(tree: nodes.document, docname: str) -> nodes.Element | None:
    """Take a document out of the flow (the copyright page: the template places it)."""
    for sof in tree.findall(addnodes.start_of_file):
        if sof["docname"] == docname:
            sof.parent.remove(sof)
            return sof
    return None


def number_sections(tree: nodes.document, secnumbers: dict) -> None:
    """Put each section's number on its title, where the translator looks first."""
    for section in tree.findall(nodes.section):
        numbers = secnumbers.get(section.get("docname", ""), {})
        if not section["ids"] or not numbers:
            continue
        number = numbers.get("#" + section["ids"][0])
        if number is None and not isinstance(section.parent, nodes.section):
            number = numbers.get("")
        if number:
            section[0]["secnumber"] = number


def figure_numbers_by_document(fignumbers: dict) -> dict[str, dict[tuple[str, str], tuple[int, ...]]]:
    """Every document's figure numbers, keyed by (document, original id)."""
    found: dict[str, dict[tuple[str, str], tuple[int, ...]]] = {}
    for docname, per_type in fignumbers.items():
        for figtype, numbers in per_type.items():
            for fid, num in numbers.items():
                found.setdefault(figtype, {})[(docname, fid)] = num
    return found


def use_print_figures(tree: nodes.document, images: dict[str, str], srcdir: Path) -> None:
    """Where a figure has a print variant (real text, see ``figures/svg.py``), use it; the
    screen versions leave ``images`` (source -> file name in the output), so stay out of
    the PDF's folder."""
    for image in tree.findall(nodes.image):
        uri = image["uri"]
        variant = print_variant(Path(uri)).as_posix()
        if uri.endswith(".svg") and uri in images and (srcdir / variant).is_file():
            images[variant] = print_variant(Path(images[uri])).name
            image["uri"] = variant
    used = {image["uri"] for image in tree.findall(nodes.image)}
    for source in [s for s in images if s not in used]:
        del images[source]


def print_contents(book: PrintBook, env, copyright_doc: str) -> list:
    """The contents in print order: the copyright page (the title's verso) comes first."""
    toc = contents.table_of_contents(book.parts, env, book.links)
    verso = f"#{doc_anchor(copyright_doc)}"
    for part, entries in toc:
        if part.kind == "front":
            entries.sort(key=lambda entry: entry.href != verso)
    return toc


def index_entries(builder, links: LinkMap) -> list:
    """Sphinx's general index, pointing at the renamed ids."""
    return contents.rewrite_index(IndexEntries(builder.env).create_index(builder), links)
