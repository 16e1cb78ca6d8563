"""Worksheets and answer sheets as DOCX, for teachers who adapt them in a word processor.

Written with python-docx from the same resolved doctree the PDF sheet is drawn from (see
``studyguide.pdf.worksheets``), so both always carry the same questions. Everything a
teacher would restyle is a named style (headings, "Exercise Title", "Choice", "Answer
Line", "Source Quote", ...), set in the book's fonts (Noto Serif, headings in Noto Sans);
the answer lines are ruled paragraphs, so adding or removing one is a key press. The
file's dates and zip entries are fixed (SOURCE_DATE_EPOCH), so the same book gives the
same bytes. An image is included when it is a raster file of the book (PNG, JPEG, GIF);
python-docx cannot embed SVG, so an SVG figure is represented by its alternative text.
"""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docutils import nodes
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

SERIF, SANS = "Noto Serif", "Noto Sans"
LETTERS = "ABCDEFGHIJ"
RASTER = (".png", ".jpg", ".jpeg", ".gif")
MARGIN = Mm(20)
PAGES = {"a4": (Mm(210), Mm(297)), "letter": (Mm(215.9), Mm(279.4))}
TEXT_WIDTH = Mm(170)  # A4 less the margins (a Letter page is wider)


@dataclass(frozen=True)
class Head:
    """The sheet's furniture, as its PDF template prints it."""

    book: str  # "Stalin and Zhukov: a study guide"
    title: str  # "Chapter 1: The alliance"
    kind: str  # "Review exercises"
    fields: bool  # name, class and date to fill in
    author: str = ""
    note: str = ""  # instructions, under the fields
    table: tuple[tuple[str, ...], ...] = ()  # a header row and rows (a quiz key's marks)


def _fonts(style, name: str) -> None:
    """Name a font for every script and drop the theme's, which Word would prefer."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def _ruled(style, size: int = 4, color: str = "777777") -> None:
    """A rule under each paragraph: ``between`` too, or a word processor draws one rule
    under a run of such paragraphs instead of one under each."""
    ppr = style.element.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    for side in ("bottom", "between"):
        rule = OxmlElement(f"w:{side}")
        for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", color)):
            rule.set(qn(f"w:{key}"), value)
        border.append(rule)
    ppr.append(border)


def _styles(document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _fonts(normal, SERIF)
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 18), ("Heading 1", 16), ("Heading 2", 12), ("Heading 3", 11)):
        style = styles[name]
        _fonts(style, SANS)
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x22, 0x22, 0x22)
    for name in ("Quote", "List Bullet", "List Paragraph", "Table Grid"):
        _fonts(styles[name], SERIF)

    def add(name: str, base: str = "Normal", font: str = SERIF, size: float = 11):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
        _fonts(style, font)
        style.font.size = Pt(size)
        return style

    add("Sheet Book", font=SANS, size=9)
    add("Sheet Kind", font=SANS, size=9)
    fields = add("Sheet Fields", font=SANS, size=10)
    fields.paragraph_format.space_before = Pt(12)
    title = add("Exercise Title", base="Heading 2", font=SANS, size=11)
    title.paragraph_format.space_before = Pt(12)
    title.paragraph_format.keep_with_next = True
    add("Part Title", font=SANS, size=10).font.bold = True
    add("Choice").paragraph_format.left_indent = Mm(6)
    add("Paper Instruction", size=10).font.italic = True
    quote = add("Source Quote", base="Quote")
    quote.paragraph_format.left_indent = Mm(6)
    add("Attribution", size=9).paragraph_format.left_indent = Mm(6)
    line = add("Answer Line")
    _ruled(line)  # (first: the schema puts the borders before the spacing)
    line.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    line.paragraph_format.line_spacing = Mm(8)
    line.paragraph_format.space_after = Pt(0)


class DocxTranslator(nodes.NodeVisitor):
    """Walks a sheet's doctree, appending paragraphs and tables to a python-docx document.

    Block nodes open paragraphs; inline nodes add runs to the open one, in the formatting
    of the emphasis, strong and literal nodes around them. Nodes it does not know give
    their text, so nothing in an exercise is lost.
    """

    def __init__(self, document: nodes.document, out, srcdir: Path) -> None:
        super().__init__(document)
        self.out = out
        self.srcdir = srcdir.resolve()
        self.containers = [out]  # where paragraphs go (the document, or a table cell)
        self.para = None
        self.style = "Normal"
        self.styles: list[str] = []  # the styles that blocks around the current one replaced
        self.format = {"bold": 0, "italic": 0, "mono": 0}
        self.prefix = ""

    # -- helpers -------------------------------------------------------------------------

    def paragraph(self, style: str | None = None, text: str = ""):
        self.para = self.containers[-1].add_paragraph(style=style or self.style)
        if self.prefix:
            self.para.add_run(self.prefix)
            self.prefix = ""
        if text:
            self.para.add_run(text)
        return self.para

    def run(self, text: str) -> None:
        if self.para is None:
            self.paragraph()
        run = self.para.add_run(text)
        run.bold = bool(self.format["bold"]) or None
        run.italic = bool(self.format["italic"]) or None
        if self.format["mono"]:
            run.font.name = "Noto Sans Mono"

    def block(self, style: str) -> None:
        """Paragraphs inside a node get ``style`` (a quote, a list item) until ``unblock``."""
        self.styles.append(self.style)
        self.style = style

    def unblock(self, _node=None) -> None:
        self.style = self.styles.pop()

    # -- blocks --------------------------------------------------------------------------

    def visit_document(self, node):
        pass

    def depart_document(self, node):
        pass

    def visit_paragraph(self, node):
        self.paragraph()

    def depart_paragraph(self, node):
        self.para = None

    def visit_Text(self, node):
        text = node.astext().replace("\n", " ")
        if text:
            self.run(text)

    def depart_Text(self, node):
        pass

    def visit_block_quote(self, node):
        self.block("Source Quote")

    depart_block_quote = unblock

    def visit_attribution(self, node):
        self.paragraph("Attribution", "\u2014 ")

    def depart_attribution(self, node):
        self.para = None

    def visit_bullet_list(self, node):
        self.block("List Bullet")

    def visit_enumerated_list(self, node):
        self.block("List Paragraph")

    depart_bullet_list = depart_enumerated_list = unblock

    def visit_list_item(self, node):
        parent = node.parent
        if isinstance(parent, nodes.enumerated_list):
            self.prefix = f"{parent.get('start', 1) + parent.index(node)}. "

    def depart_list_item(self, node):
        self.prefix = ""

    def visit_title(self, node):
        self.paragraph("Heading 2")

    def depart_title(self, node):
        self.para = None

    def visit_rubric(self, node):
        self.paragraph("Heading 3")

    def depart_rubric(self, node):
        self.para = None

    def visit_literal_block(self, node):
        self.format["mono"] += 1
        self.paragraph()

    def depart_literal_block(self, node):
        self.format["mono"] -= 1
        self.para = None

    def visit_image(self, node):
        uri = node.get("uri", "")
        path = (self.srcdir / uri).resolve()
        if path.suffix.lower() in RASTER and path.is_relative_to(self.srcdir) and path.is_file():
            para = self.containers[-1].add_paragraph()
            picture = para.add_run().add_picture(str(path))
            if picture.width > TEXT_WIDTH:  # never wider than the text
                picture.height = int(picture.height * TEXT_WIDTH / picture.width)
                picture.width = TEXT_WIDTH
            picture = para._p.find(".//" + qn("wp:docPr"))
            if picture is not None:  # read out by screen readers, as in the PDF
                picture.set("descr", node.get("alt", ""))
        elif node.get("alt"):
            self.paragraph("Paper Instruction", f"[Figure: {node['alt']}]")
        self.para = None
        raise nodes.SkipNode

    def visit_table(self, node):
        rows = list(node.findall(nodes.row))
        if not rows:
            raise nodes.SkipNode
        cols = max(len(r.children) for r in rows)
        table = self.containers[-1].add_table(rows=0, cols=cols)
        table.style = "Table Grid"
        for row in rows:
            cells = table.add_row().cells
            header = isinstance(row.parent, nodes.thead)
            for cell, entry in zip(cells, row.children):
                cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
                self.containers.append(cell)
                if header:
                    self.format["bold"] += 1
                for child in entry.children:
                    child.walkabout(self)
                if header:
                    self.format["bold"] -= 1
                self.containers.pop()
                if not cell.paragraphs:
                    cell.add_paragraph()
        self.para = None
        raise nodes.SkipNode

    # -- inline --------------------------------------------------------------------------

    def visit_strong(self, node):
        self.format["bold"] += 1

    def depart_strong(self, node):
        self.format["bold"] -= 1

    def visit_emphasis(self, node):
        self.format["italic"] += 1

    def depart_emphasis(self, node):
        self.format["italic"] -= 1

    def visit_literal(self, node):
        self.format["mono"] += 1

    def depart_literal(self, node):
        self.format["mono"] -= 1

    def visit_Invisible(self, node):
        raise nodes.SkipNode

    visit_comment = visit_target = visit_substitution_definition = visit_Invisible

    def visit_raw(self, node):
        raise nodes.SkipNode  # exercise text never becomes markup, here as on a platform

    # -- exercises -----------------------------------------------------------------------

    def visit_exercise(self, node):
        pass

    def depart_exercise(self, node):
        pass

    def visit_exercise_title(self, node):
        para = self.paragraph("Exercise Title", node.get("number_label", "Exercise"))
        extra = f" \u00b7 {node['difficulty']}" if node.get("difficulty") else ""
        run = para.add_run(f"   {node['label']}{extra}")
        run.bold = False
        self.para = None
        raise nodes.SkipNode

    def visit_exercise_choices(self, node):
        for i, choice in enumerate(node["choices"]):
            self.paragraph("Choice", f"\u2610  {LETTERS[i]}. {choice}")
        self.para = None
        raise nodes.SkipNode

    def visit_exercise_ordering(self, node):
        self.paragraph("Paper Instruction", f"Number the events from 1 (earliest) to {len(node['shown'])}.")
        for event in node["shown"]:
            self.paragraph("Choice", f"____  {event}")
        self.para = None
        raise nodes.SkipNode

    def visit_exercise_matching(self, node):
        self.paragraph("Paper Instruction", "Write the letter of the matching item next to each number.")
        left, right = node["left"], node["right"]
        table = self.containers[-1].add_table(rows=max(len(left), len(right)), cols=2)
        for i, row in enumerate(table.rows):
            if i < len(left):
                row.cells[0].paragraphs[0].add_run(f"{i + 1}. {left[i]}  ____")
            if i < len(right):
                row.cells[1].paragraphs[0].add_run(f"{LETTERS[i]}. {right[i]}")
        self.para = None
        raise nodes.SkipNode

    def visit_exercise_lines(self, node):
        for _ in range(int(node["count"])):
            self.containers[-1].add_paragraph(style="Answer Line")
        self.para = None
        raise nodes.SkipNode

    def visit_exercise_hint(self, node):
        self.paragraph("Part Title", "Hint")
        self.para = None

    def depart_exercise_hint(self, node):
        pass

    def visit_exercise_solution(self, node):
        self.paragraph("Part Title", "Solution")
        self.para = None

    def depart_exercise_solution(self, node):
        pass

    # -- anything else: its content ------------------------------------------------------

    def unknown_visit(self, node):
        pass

    def unknown_departure(self, node):
        pass


def _fields(out) -> None:
    para = out.add_paragraph(style="Sheet Fields")
    stops = para.paragraph_format.tab_stops
    for label, end in (("Name ", 80), ("   Class ", 125), ("   Date ", 165)):
        para.add_run(label)
        para.add_run("\t").underline = True
        stops.add_tab_stop(Mm(end), WD_TAB_ALIGNMENT.LEFT)


def _fixed(data: bytes, stamp: tuple[int, ...]) -> bytes:
    """The package re-zipped with every entry dated ``stamp``, in the same order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return buffer.getvalue()


def sheet_docx(tree: nodes.document, head: Head, srcdir: Path, paper: str = "a4") -> bytes:
    """One sheet as DOCX bytes: its furniture, then the exercises of ``tree``."""
    out = docx.Document()
    _styles(out)
    section = out.sections[0]
    section.page_width, section.page_height = PAGES[paper]
    section.left_margin = section.right_margin = MARGIN
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    when = datetime.datetime.fromtimestamp(epoch, datetime.UTC).replace(tzinfo=None)
    props = out.core_properties
    props.title, props.author, props.created, props.modified = head.title, head.author, when, when
    props.last_modified_by, props.revision = head.author, 1
    out.add_paragraph(head.book, style="Sheet Book")
    out.add_paragraph(head.title, style="Title")
    out.add_paragraph(head.kind, style="Sheet Kind")
    if head.fields:
        _fields(out)
    if head.note:
        out.add_paragraph(head.note, style="Paper Instruction")
    if head.table:
        table = out.add_table(rows=0, cols=len(head.table[0]))
        table.style = "Table Grid"
        for n, row in enumerate(head.table):
            for cell, value in zip(table.add_row().cells, row):
                cell.paragraphs[0].add_run(value).bold = n == 0 or None
    tree.walkabout(DocxTranslator(tree, out, srcdir))
    buffer = io.BytesIO()
    out.save(buffer)
    stamp = max(when, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    return _fixed(buffer.getvalue(), stamp)
