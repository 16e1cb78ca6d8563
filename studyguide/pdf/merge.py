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
import warnings
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, NameTree, OutlineItem, String
from sphinx.errors import SphinxError

from studyguide.pdf.chunks import BASE_URL, BOOK_URL

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


def _copy_outline(items, book_outline: list, page_map: dict) -> None:
    for item in items:
        dest = item.destination
        new = OutlineItem(item.title)
        if isinstance(dest, Array) and len(dest) and dest[0].objgen in page_map:
            new.destination = Array([page_map[dest[0].objgen], *list(dest)[1:]])
        new.is_closed = item.is_closed
        _copy_outline(item.children, new.children, page_map)
        book_outline.append(new)


def merge(front: Path, chunks: list[tuple[Path, bool]], folios: Path | None,
          blank_folios: set[int], target: Path) -> int:
    """Write ``target``; return its page count.

    ``chunks`` are (pdf, blank page before it); ``folios`` has one page per arabic page.
    """
    book = pikepdf.open(front)
    front_pages = len(book.pages)
    struct = book.Root.StructTreeRoot
    document = _top(struct)[0]
    nums = list(struct.ParentTree.Nums)
    next_key = max(int(k) for k in nums[::2]) + 1
    names = _dests(book)
    size = book.pages[0].mediabox
    sources = []

    with book.open_outline() as outline:
        for number, (path, blank) in enumerate(chunks, 1):
            if blank:
                book.add_blank_page(page_size=(float(size[2]), float(size[3])))
            src = pikepdf.open(path)
            sources.append(src)
            _retag_fonts(src, f"{number}")
            first = len(book.pages)
            with warnings.catch_warnings():  # named destinations are carried over below
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                book.pages.extend(src.pages)
            page_map = {p.obj.objgen: book.pages[first + i].obj for i, p in enumerate(src.pages)}

            src_struct = src.Root.StructTreeRoot
            src_nums = list(src_struct.ParentTree.Nums)
            for key, value in zip(src_nums[::2], src_nums[1::2]):
                nums += [int(key) + next_key, _copy(book, src, value)]
            for page in book.pages[first:]:
                if "/StructParents" in page.obj:
                    page.obj.StructParents = int(page.obj.StructParents) + next_key
                for annot in page.obj.get("/Annots", []):
                    if "/StructParent" in annot:
                        annot.StructParent = int(annot.StructParent) + next_key
            next_key += max(int(k) for k in src_nums[::2]) + 1
            for top in _top(src_struct):
                for kid in _copy(book, src, top).K if top.S == Name.Document else [_copy(book, src, top)]:
                    kid.P = document
                    document.K.append(kid)

            for name, dest in _dests(src).items():
                names.setdefault(name, _copy(book, src, dest))
            with src.open_outline() as src_outline:
                _copy_outline(src_outline.root, outline.root, page_map)

    struct.ParentTree = book.make_indirect(Dictionary(Nums=Array(nums)))
    _link_across(book, names)
    dests = NameTree.new(book)
    for name in sorted(names):
        dests[name] = names[name]
    if "/Names" not in book.Root:
        book.Root.Names = Dictionary()
    book.Root.Names.Dests = dests.obj
    if folios is not None:
        _lay_folios(book, pikepdf.open(folios), front_pages, blank_folios)
    book.Root.PageLabels = Dictionary(Nums=Array([
        0, Dictionary(S=Name.r), front_pages, Dictionary(S=Name.D),
    ]))
    tmp = target.with_suffix(".pdf.tmp")
    book.save(tmp, deterministic_id=True, compress_streams=True,
              object_stream_mode=pikepdf.ObjectStreamMode.generate)
    tmp.replace(target)
    pages = len(book.pages)
    for src in sources:
        src.close()
    book.close()
    return pages


def _link_across(book: pikepdf.Pdf, names: dict) -> None:
    missing = []
    for page in book.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(CROSS_LINK):
                continue
            name = uri[len(CROSS_LINK):]
            if name not in names:
                missing.append(name)
                continue
            del annot.A
            annot.Dest = String(name)
            annot.Contents = String(name)
    if missing:
        raise SphinxError("links to anchors that are in no chunk of the PDF: " + ", ".join(sorted(set(missing))))


def _lay_folios(book: pikepdf.Pdf, folios: pikepdf.Pdf, front_pages: int, blank: set[int]) -> None:
    for index, folio in enumerate(folios.pages):
        if index + 1 in blank:
            continue
        page = book.pages[front_pages + index]
        xobject = book.copy_foreign(folio.as_form_xobject())
        # Pages of one chunk share a resource dictionary: one name per page, not per chunk.
        name = page.add_resource(xobject, Name.XObject, Name(f"/StudyguideFolio{index + 1}"))
        page.contents_add(book.make_stream(b"q\n"), prepend=True)
        page.contents_add(book.make_stream(b"\nQ\n/Artifact BMC q " + str(name).encode() + b" Do Q EMC\n"))
