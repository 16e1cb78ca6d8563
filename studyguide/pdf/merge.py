"""Join the chunks' PDFs into the book, as if WeasyPrint had laid it out in one go.

The front matter's PDF is the base: its catalog has the language, title, metadata and the
PDF/UA marks. Every other chunk adds its pages (after a blank page where it would
otherwise start on a left-hand page), its structure tree under the one /Document
element (with its marked-content keys moved past the ones already used), its named
destinations and its bookmarks. Links between chunks arrive as ``book.html#id`` URIs and
become plain internal links; folios are laid over the arabic pages as artifacts, and
/PageLabels make the viewer's page numbers match the printed ones.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, NameTree, OutlineItem, String
from sphinx.errors import SphinxError

from studyguide.pdf.chunks import BASE_URL, BOOK_URL, PLACEHOLDER_DATE

CROSS_LINK = BASE_URL + BOOK_URL + "#"


def _retag_fonts(pdf: pikepdf.Pdf, salt: str) -> None:
    """WeasyPrint names a subset after its font alone; two chunks' subsets must differ."""
    seen: set[tuple[int, int]] = set()

    def retag(font: pikepdf.Object) -> None:
        if font.objgen in seen:
            return
        seen.add(font.objgen)
        name = str(font.get("/BaseFont", ""))
        if len(name) > 8 and name[7] == "+":
            digest = hashlib.md5((salt + name).encode(), usedforsecurity=False).digest()
            tag = "".join(chr(65 + b % 26) for b in digest[:6])
            font.BaseFont = Name("/" + tag + name[7:])
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None:
                descriptor.FontName = font.BaseFont
        for child in font.get("/DescendantFonts", []):
            retag(child)

    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for _, font in fonts.items():
            retag(font)


def _copy(book: pikepdf.Pdf, src: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """Copy an object of ``src`` into ``book``; pages already copied are referred to, not copied."""
    if isinstance(obj, (Array, Dictionary)) and not obj.is_indirect:
        obj = src.make_indirect(obj)
    return book.copy_foreign(obj) if isinstance(obj, (Array, Dictionary, pikepdf.Stream)) else obj


def _dests(pdf: pikepdf.Pdf) -> dict:
    """A PDF's named destinations (WeasyPrint writes one per element id)."""
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        return dict(NameTree(pdf.Root.Names.Dests).items())
    return {}


def _top(struct: pikepdf.Object) -> list:
    """The structure tree's top elements (WeasyPrint: one /Document, in an array)."""
    return list(struct.K) if isinstance(struct.K, Array) else [struct.K]


def _elements(node):
    """Every structure element under ``node``, parents before their children."""
    kids = node if isinstance(node, Array) else [node]
    for kid in kids:
        if isinstance(kid, Dictionary) and "/S" in kid:
            yield kid
            if "/K" in kid:
                yield from _elements(kid.K)


def scope_header_cells(pdf: pikepdf.Pdf) -> int:
    """Give every table header cell the /Scope that PDF/UA asks of it; the number changed.

    WeasyPrint tags <th> as /TH with an /ID (and the data cells' /Headers point at it),
    but writes no /Scope. Run on every PDF WeasyPrint writes for the build (``render.py``),
    so the chunks arrive here complete. A header in the table's head, or in a row of headers only,
    heads its column; one beside data cells heads its row.
    """
    changed = 0
    for row in (e for e in _elements(pdf.Root.StructTreeRoot.K) if e.S == Name.TR):
        cells = [
            k
            for k in (row.K if isinstance(row.get("/K"), Array) else [row.get("/K")])
            if isinstance(k, Dictionary) and k.get("/S") in (Name.TH, Name.TD)
        ]
        in_head = row.get("/P") is not None and row.P.get("/S") == Name.THead
        scope = Name.Column if in_head or all(c.S == Name.TH for c in cells) else Name.Row
        for cell in (c for c in cells if c.S == Name.TH):
            attributes = cell.get("/A")
            if isinstance(attributes, Array):  # several attribute objects: use the table's
                attributes = next((a for a in attributes if a.get("/O") == Name.Table), None)
            if attributes is None:
                attributes = cell.A = Dictionary(O=Name.Table)
            if "/Scope" not in attributes:
                attributes.Scope = scope
                changed += 1
    return changed


def _copy_outline(items, page_map: dict) -> list[OutlineItem]:
    copied = []
    for item in items:
        dest = item.destination
        new = OutlineItem(item.title)
        if isinstance(dest, Array) and len(dest) and dest[0].objgen in page_map:
            new.destination = Array([page_map[dest[0].objgen], *list(dest)[1:]])
        new.is_closed = item.is_closed
        new.children.extend(_copy_outline(item.children, page_map))
        copied.append(new)
    return copied


def _take_streams(pages) -> None:
    """Give the book its own copy of every stream its new pages use (contents, fonts,
    images, forms, appearances), so that the chunk they came from can be closed.

    A stream copied from another PDF is read from that file only when the book is saved:
    every chunk stayed open until then, each holding its parsed objects, 0.43 GB of the
    20x book's join before anything was written. The raw bytes and their filters are
    taken as they are, so the book's bytes do not change.
    """
    seen: set[tuple[int, int]] = set()

    def walk(obj) -> None:
        if isinstance(obj, Array):
            for item in obj:
                walk(item)
            return
        if not isinstance(obj, (Dictionary, pikepdf.Stream)):
            return
        if obj.is_indirect:
            if obj.objgen in seen:
                return
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            obj.write(obj.read_raw_bytes(), filter=obj.get("/Filter"), decode_parms=obj.get("/DecodeParms"))
        for key, value in obj.items():
            if key not in ("/Parent", "/P"):  # up the page or structure tree: not theirs
                walk(value)

    for page in pages:
        for key in ("/Contents", "/Resources", "/Annots"):
            if key in page.obj:
                walk(page.obj[key])


class Book:
    """The book being joined: the front matter's PDF, then each chunk added in turn (each
    closed once its pages, structure, destinations and bookmarks are the book's own)."""

    def __init__(self, front: Path) -> None:
        self.pdf = pikepdf.open(front)
        self.front_pages = len(self.pdf.pages)
        self.struct = self.pdf.Root.StructTreeRoot
        self.document = _top(self.struct)[0]
        self.nums = list(self.struct.ParentTree.Nums)
        self.next_key = max(int(k) for k in self.nums[::2]) + 1  # marked-content keys used
        self.names = _dests(self.pdf)
        self.outline: list[OutlineItem] = []  # the chunks' bookmarks, after the front's
        self.chunks = 0

    def add(self, path: Path, blank_before: bool = False, continued: bool = False) -> None:
        """Append one chunk: its pages, structure, named destinations and bookmarks (under
        the last bookmark so far, if the chunk goes on with its document)."""
        book = self.pdf
        if blank_before:
            size = book.pages[0].mediabox
            book.add_blank_page(page_size=(float(size[2]), float(size[3])))
        self.chunks += 1
        with pikepdf.open(path) as src:
            _retag_fonts(src, f"{self.chunks}")
            first = len(book.pages)
            with warnings.catch_warnings():  # named destinations are carried over below
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                book.pages.extend(src.pages)
            page_map = {p.obj.objgen: book.pages[first + i].obj for i, p in enumerate(src.pages)}
            self._add_structure(src, first)
            for name, dest in _dests(src).items():
                self.names.setdefault(name, _copy(book, src, dest))
            with src.open_outline() as src_outline:
                items = _copy_outline(src_outline.root, page_map)
            (self.outline[-1].children if continued and self.outline else self.outline).extend(items)
            _take_streams(book.pages[first:])

    def _add_structure(self, src: pikepdf.Pdf, first: int) -> None:
        """The chunk's structure elements go under the one /Document, its marked-content
        keys (and its pages' and annotations' references to them) moved past those used."""
        book, offset = self.pdf, self.next_key
        src_struct = src.Root.StructTreeRoot
        src_nums = list(src_struct.ParentTree.Nums)
        for key, value in zip(src_nums[::2], src_nums[1::2]):
            self.nums += [int(key) + offset, _copy(book, src, value)]
        for page in book.pages[first:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
        self.next_key += max(int(k) for k in src_nums[::2]) + 1
        for top in _top(src_struct):
            copied = _copy(book, src, top)
            for kid in copied.K if top.S == Name.Document else [copied]:
                kid.P = self.document
                self.document.K.append(kid)

    def date(self, iso: str) -> None:
        """Date the book: its information dictionary and its XMP metadata.

        The front matter, whose metadata becomes the book's, is laid out with
        ``PLACEHOLDER_DATE``, so that a new build date alone does not make WeasyPrint lay it
        out again; WeasyPrint's own dates are then replaced here, in the same forms.
        """
        book = self.pdf
        for key in ("/CreationDate", "/ModDate"):
            if key in book.docinfo:
                book.docinfo[key] = String("D:" + re.sub(r"[-:T]", "", iso))
        metadata = book.Root.get("/Metadata")
        if metadata is not None:
            xmp = metadata.read_bytes()
            metadata.write(xmp.replace(PLACEHOLDER_DATE.encode(), iso.encode()))

    def finish(
        self, folios: list[Path], blank_folios: set[int], target: Path, date: str | None = None
    ) -> int:
        """Resolve the links between chunks, lay the folios, label the pages, date the
        book and write ``target``; return its page count."""
        book = self.pdf
        if date is not None:
            self.date(date)
        with book.open_outline() as outline:
            outline.root.extend(self.outline)
        self.struct.ParentTree = book.make_indirect(Dictionary(Nums=Array(self.nums)))
        _link_across(book, self.names)
        dests = NameTree.new(book)
        for name in sorted(self.names):
            dests[name] = self.names[name]
        if "/Names" not in book.Root:
            book.Root.Names = Dictionary()
        book.Root.Names.Dests = dests.obj
        _lay_folios(book, folios, self.front_pages, blank_folios)
        book.Root.PageLabels = Dictionary(
            Nums=Array(
                [
                    0,
                    Dictionary(S=Name.r),
                    self.front_pages,
                    Dictionary(S=Name.D),
                ]
            )
        )
        tmp = target.with_suffix(".pdf.tmp")
        book.save(
            tmp,
            deterministic_id=True,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
        tmp.replace(target)
        pages = len(book.pages)
        self.close()
        return pages

    def close(self) -> None:
        self.pdf.close()


def merge(
    front: Path,
    chunks: list[tuple[Path, bool, bool]],
    folios: list[Path],
    blank_folios: set[int],
    target: Path,
    date: str | None = None,
) -> int:
    """Write ``target`` (dated ``date``, if given: see ``Book.date``); return its page count.

    ``chunks`` are (pdf, blank page before it, whether it goes on with the document of the
    chunk before); ``folios``, in pieces, have one page per arabic page.
    """
    book = Book(front)
    try:
        for path, blank, continued in chunks:
            book.add(path, blank, continued)
        return book.finish(folios, blank_folios, target, date)
    except BaseException:
        book.close()
        raise


def _link_across(book: pikepdf.Pdf, names: dict) -> None:
    missing = []
    for page in book.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(CROSS_LINK):
                continue
            name = uri[len(CROSS_LINK) :]
            if name not in names:
                missing.append(name)
                continue
            del annot.A
            annot.Dest = String(name)
            annot.Contents = String(name)
    if missing:
        raise SphinxError(
            "links to anchors that are in no chunk of the PDF: " + ", ".join(sorted(set(missing)))
        )


def _lay_folios(book: pikepdf.Pdf, pieces: list[Path], front_pages: int, blank: set[int]) -> None:
    """Lay the folios' pages, from their pieces in order, over the arabic pages."""
    opened = [pikepdf.open(piece) for piece in pieces]  # (kept open while their pages are copied)
    folios = [page for pdf in opened for page in pdf.pages]
    for index, folio in enumerate(folios):
        if index + 1 in blank:
            continue
        page = book.pages[front_pages + index]
        xobject = book.copy_foreign(folio.as_form_xobject())
        # Pages of one chunk share a resource dictionary: one name per page, not per chunk.
        name = page.add_resource(xobject, Name.XObject, Name(f"/StudyguideFolio{index + 1}"))
        page.contents_add(book.make_stream(b"q\n"), prepend=True)
        page.contents_add(book.make_stream(b"\nQ\n/Artifact BMC q " + str(name).encode() + b" Do Q EMC\n"))


def join(plan: dict) -> int:
    """``merge`` as a plan says (``Schedule.join_plan``); the page count."""
    return merge(
        Path(plan["front"]),
        [(Path(pdf), blank, continued) for pdf, blank, continued in plan["chunks"]],
        [Path(piece) for piece in plan["folios"]],
        set(plan["blank_folios"]),
        Path(plan["target"]),
        plan["date"],
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m studyguide.pdf.merge PLAN WARNINGS``: the join the build driver runs once the
    PDF's Sphinx process has gone; a problem is one line in that format's warnings file."""
    import json
    import sys

    from studyguide.pause import pause

    plan_file, warnings = (argv if argv is not None else sys.argv[1:])[:2]
    pause("join")  # a test hook (studyguide.pause): interrupt the build while it joins
    plan = json.loads(Path(plan_file).read_text(encoding="utf-8"))  # (the builder's own)
    try:
        join(plan)
    except Exception as err:  # (one line, as every other problem of the build)
        with open(warnings, "a", encoding="utf-8") as out:
            out.write(f"error: the PDF's chunks could not be joined: {err}\n")
        # A chunk the join could not read would be reused as it is by every later build:
        # the next one lays them all out again.
        for part in [plan["front"], *plan["folios"], *(pdf for pdf, *_ in plan["chunks"])]:
            Path(part).unlink(missing_ok=True)
        return 1
    Path(plan_file).unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
