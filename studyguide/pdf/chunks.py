"""Cut the assembled book into chunks that WeasyPrint can lay out side by side, and number
the pages once their lengths are known.

Laying out one long HTML document is WeasyPrint's slowest step, it runs on one core, and
every ``target-counter`` makes it lay out the pages that use one twice. So the book is
rendered in two rounds of independent documents:

1. every chapter, and each run of back matter between them, on its own; back matter longer
   than a chapter (the answer key) in pieces, each starting on a new page at one of its
   sections, so that no one worker holds a long document's layout (at twenty times the
   book, the answer key alone was 560 pages, a minute and 0.9 GB in one process);
2. then, side by side, the front matter (title, copyright, contents) and the index: the
   two parts that print other pages' numbers, which are now known.

Each chunk starts on a right-hand page, as chapters do in print. The chapters' chunks
carry no folios, since their page numbers depend on the chunks before them: the folios
are laid over the joined pages (see ``merge.py``). The index knows where it starts and
numbers its own pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import SphinxError

from studyguide.pdf.links import doc_anchor, internal_target

# WeasyPrint sees every print document at this fixed address (see render.py), whatever the
# checkout's path; links between chunks point at BOOK_URL and the merge makes them /Dest.
BASE_URL = "file:///studyguide-book/"
BOOK_URL = "book.html"
# The date in the front matter's metadata when it is laid out; the join writes the build's
# (merge.Book.date), so that a new date alone lays out nothing again.
PLACEHOLDER_DATE = "2000-01-01T00:00:00Z"
BODY, LATE, FRONT = 1, 2, 3


@dataclass
class Chunk:
    name: str
    stage: int
    docs: list[addnodes.start_of_file]
    label: str
    index: bool = False  # this chunk is the book's index (its entries print page numbers)
    ids: set[str] = field(default_factory=set)
    # A piece of a long document after its first: it goes on from the chunk before, on a
    # new page but not a new right-hand one, and its bookmarks belong to that document's.
    continued: bool = False
    lent: dict[int, int] = field(default_factory=dict)  # id(copy) -> id(node): see pieces()
    written: tuple[list[str], list[str]] | None = None  # docnames and leading ids: see drop_docs

    def drop_docs(self) -> list[addnodes.start_of_file]:
        """Hand over the chunk's doctrees, once its HTML is written, keeping what the page
        numbering and the preview still ask of it."""
        self.written = (self.docnames, self.leading_ids)
        docs, self.docs = self.docs, []
        return docs

    @property
    def docnames(self) -> list[str]:
        if self.written:
            return self.written[0]
        return [d["docname"] for d in self.docs]

    @property
    def leading_ids(self) -> list[str]:
        """Anchors on the chunk's first page, whatever its layout."""
        if self.written:
            return self.written[1]
        if self.continued:
            return _first_ids(self.docs[0])
        if self.docs:
            return [doc_anchor(self.docs[0]["docname"])]
        return ["book-index"] if self.index else []


def plan(
    tree: nodes.document, doc_kinds: dict[str, str], titles: dict[str, str], has_index: bool
) -> list[Chunk]:
    """Chunks in reading order: front matter, each chapter, the back matter, the index."""
    docs = [c for c in tree.children if isinstance(c, addnodes.start_of_file)]
    front = [d for d in docs if doc_kinds.get(d["docname"]) == "front"]
    chunks = [Chunk("chunk-00-front", FRONT, front, "front matter")]
    run: list[addnodes.start_of_file] = []

    def add(stage: int, members: list, label: str, index: bool = False) -> None:
        chunks.append(Chunk(f"chunk-{len(chunks):02d}", stage, members, label, index))

    def flush() -> None:
        if run:
            add(BODY, list(run), label(run, titles))
            run.clear()

    # Back matter as long as half a chapter (the answer key) opens on a right-hand page
    # like a chapter and is laid out on its own; shorter pieces share a chunk.
    sizes = sorted(len(d.astext()) for d in docs if doc_kinds.get(d["docname"]) == "chapters")
    long_enough = sizes[len(sizes) // 2] / 2 if sizes else float("inf")
    for doc in docs:
        if doc in front:
            continue
        if doc_kinds.get(doc["docname"]) == "chapters":
            flush()
            add(BODY, [doc], label([doc], titles))
        elif len(doc.astext()) >= long_enough:
            flush()
            parts = pieces(doc, long_enough)
            for number, part in enumerate(parts, 1):
                name = label([doc], titles) + (f" ({number}/{len(parts)})" if len(parts) > 1 else "")
                add(BODY, [part], name)
                chunks[-1].continued = number > 1
                if number == 1 and part is not doc:
                    chunks[-1].lent = {id(part.children[-1]): id(doc.children[-1])}
        else:
            run.append(doc)
    flush()
    if has_index:
        add(LATE, [], "index", index=True)
    for chunk in chunks:
        chunk.ids = ids_in(chunk.docs)
        if chunk.index:
            chunk.ids.add("book-index")
    return chunks


def label(docs: list[addnodes.start_of_file], titles: dict[str, str]) -> str:
    """What the log calls a body chunk: its first document's title, and how many follow."""
    first = titles.get(docs[0]["docname"], docs[0]["docname"])
    return first + (f" (+{len(docs) - 1})" if len(docs) > 1 else "")


def replan(
    last: list[tuple[str, int, list[str]]], tree: nodes.document, titles: dict[str, str]
) -> list[Chunk]:
    """The print preview's chunks: the body chunks of a whole-book ``plan`` (name, stage,
    documents) whose documents ``tree``, a partial assembly, holds, with their new doctrees."""
    docs = {d["docname"]: d for d in tree.children if isinstance(d, addnodes.start_of_file)}
    out = []
    for name, stage, docnames in last:
        if stage == BODY and docnames and all(d in docs for d in docnames):
            members = [docs[d] for d in docnames]
            out.append(Chunk(name, BODY, members, label(members, titles), ids=ids_in(members)))
    return out


def pieces(doc: addnodes.start_of_file, least: float) -> list[addnodes.start_of_file]:
    """``doc`` cut before some of its top sections into pieces of at least ``least``
    characters (the last may be shorter), or ``[doc]`` if it is not twice that long.

    Each piece is a new ``start_of_file`` around a new section that borrows, without
    adopting, some of the document's own section's children: the assembled tree keeps its
    shape for everything else that reads it (the contents, the index, the page map's
    keys, of which the first piece's section takes its original's: ``Chunk.lent``). A
    piece after the first has no ids of its own: its document's anchor is the first's.
    """
    outer = [c for c in doc.children if isinstance(c, nodes.section)]
    if len(outer) != 1 or doc.children[-1] is not outer[0] or len(doc.astext()) < 2 * least:
        return [doc]
    before = doc.children[:-1]  # targets, kept with the first piece
    groups: list[list[nodes.Node]] = [[]]
    size = 0
    for child in outer[0].children:
        if isinstance(child, nodes.section) and size >= least:
            groups.append([])
            size = 0
        groups[-1].append(child)
        size += len(child.astext())
    if len(groups) == 1:
        return [doc]
    parts = []
    for number, group in enumerate(groups):
        part = addnodes.start_of_file(docname=doc["docname"], continued=number > 0)
        kept = outer[0].attributes if number == 0 else {}
        section = nodes.section(**{k: list(v) if isinstance(v, list) else v for k, v in kept.items()})
        section.children = group  # lent: their parent stays the document's own section
        part.children = [*(before if number == 0 else []), section]
        section.parent = part
        parts.append(part)
    return parts


def _first_ids(piece: addnodes.start_of_file) -> list[str]:
    """A continued piece's first anchor: that of the section it opens with."""
    first = piece.children[-1].children[0]
    return list(first.get("ids", ())[:1])


def ids_in(docs: list[addnodes.start_of_file]) -> set[str]:
    found = {i for doc in docs for node in doc.findall(nodes.Element) for i in node.get("ids", ())}
    return found | {doc_anchor(doc["docname"]) for doc in docs if not doc.get("continued")}


def point_links_across(chunk: Chunk) -> None:
    """A link to another chunk becomes ``book.html#id``, which WeasyPrint keeps as a URI.

    (WeasyPrint drops a ``#id`` link whose target is not in the same document.)
    """
    for doc in chunk.docs:
        for ref in doc.findall(nodes.reference):
            target = internal_target(ref)
            if target and target not in chunk.ids:
                ref["refuri"] = f"{BOOK_URL}#{target}"
                ref.attributes.pop("refid", None)


def href(uri: str, chunk: Chunk) -> str:
    """The template's links (contents, index) follow the same rule."""
    if uri.startswith("#") and uri[1:] not in chunk.ids:
        return f"{BOOK_URL}{uri}"
    return uri


class PageNumbers:
    """Where each chunk lands in the book and which printed number each anchor gets.

    The front matter is numbered i, ii, ... by its own stylesheet; the first page after
    it is page 1 and numbering runs on through blank pages, which print no number.
    """

    def __init__(self) -> None:
        self.start: dict[str, int] = {}  # chunk name -> arabic number of its first page
        self.blank_before: dict[str, bool] = {}
        self.anchors: dict[str, int] = {}  # anchor -> arabic page number
        self.total = 0  # arabic pages so far, blanks included
        self.blanks: set[int] = set()
        self.starts: dict[int, str | None] = {}  # arabic page -> first block on it (pagemap.py)
        self.front_starts: list[str | None] = []  # the same for the roman pages

    def start_of(self, chunk: Chunk) -> int:
        """The arabic number of the chunk's first page; a blank page goes before it if needed.

        Known before the chunk is laid out, so the contents can give the index's page
        while the index itself is being rendered.
        """
        if chunk.name not in self.start:
            blank = self.total % 2 == 1 and not chunk.continued
            self.blank_before[chunk.name] = blank
            if blank:
                self.total += 1
                self.blanks.add(self.total)
            self.start[chunk.name] = self.total + 1
            for anchor in chunk.leading_ids:
                self.anchors.setdefault(anchor, self.total + 1)
        return self.start[chunk.name]

    def place(self, chunk: Chunk, pages: int, anchors: dict[str, int], starts: list[str | None] = ()) -> None:
        """Chunks are placed in reading order; each starts on a right-hand (odd) page."""
        first = self.start_of(chunk)
        late = [a for a in chunk.leading_ids if anchors.get(a, 0) != 0]
        if late:  # the contents has already printed `first` as where it starts
            raise SphinxError(
                f"{chunk.label}: #{late[0]} is laid out on page "
                f"{anchors[late[0]] + 1} of its chunk, not on the first"
            )
        for name, index in anchors.items():
            self.anchors.setdefault(name, first + index)
        for index, key in enumerate(starts):
            self.starts[first + index] = key
        self.total = first - 1 + pages

    def label(self, anchor: str) -> str | None:
        number = self.anchors.get(anchor)
        return None if number is None else str(number)

    def page_map(self) -> list[tuple[str, str | None]]:
        """Every page of the book in order: its printed number and the first block on it."""
        roman = [_roman(n + 1) for n in range(len(self.front_starts))]
        return [
            *zip(roman, self.front_starts),
            *((str(n), self.starts.get(n)) for n in range(1, self.total + 1)),
        ]

    def folios(self) -> list[str]:
        """The number printed on every arabic page, '' on the blank ones."""
        return ["" if n in self.blanks else str(n) for n in range(1, self.total + 1)]


def _roman(number: int) -> str:
    """Lower-case roman numerals, as the front matter's folios and /PageLabels print them."""
    digits = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ]
    out = ""
    for value, letters in digits:
        while number >= value:
            out, number = out + letters, number - value
    return out
