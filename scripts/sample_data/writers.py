"""File writers for the sample library: DOCX, XLSX, PPTX, PDF and plain text.

Every writer takes fixed metadata and rewrites the ZIP containers with fixed entry
timestamps, so two runs produce byte-identical files.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from pptx import Presentation
from pptx.util import Emu, Inches
from pptx.util import Pt as PptPt
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sample_data.world import COMPANY

# Invariant mode fixes the PDF /ID and timestamp, which makes PDF output reproducible.
rl_config.invariant = 1
# STSong-Light is an Adobe CID font that the PDF names but does not embed, so readers
# without it substitute a font for display. pypdf 7.1 and pdfminer.six 20260107 both
# extract its UniGB-UCS2-H text back to Unicode (checked on the generated files).
PDF_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))

ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Meta:
    """Core properties written into a document; title None leaves it empty."""

    title: str | None
    author: str
    created: datetime
    modified: datetime | None = None
    subject: str = ""
    keywords: str = ""

    @property
    def last_saved(self) -> datetime:
        return self.modified or self.created


def finish_file(path: Path, meta: Meta) -> None:
    """Set the file's mtime to the document's last-saved date."""
    stamp = meta.last_saved.timestamp()
    os.utime(path, (stamp, stamp))


def normalize_zip(path: Path, patch: dict[str, bytes] | None = None) -> None:
    """Rewrite a ZIP container with fixed entry times, optionally replacing some members."""
    patch = patch or {}
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, patch.get(name, data))


# ---------------------------------------------------------------- DOCX


def new_docx(header: str | None = None, footer: str | None = None) -> Document:
    """Create a document with 宋体 body text and optional header and footer lines."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "宋体"
    )
    section = doc.sections[0]
    if header:
        paragraph = section.header.paragraphs[0]
        paragraph.text = header
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if footer:
        paragraph = section.footer.paragraphs[0]
        paragraph.text = footer + "    第 "
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph._p.append(
            parse_xml(
                f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
            )
        )
        paragraph.add_run(" 页")
    return doc


def docx_table(container, rows: list[list[str]], title: str | None = None, style: str = "Table Grid"):
    """Add a table whose first row is rows[0]; title adds a merged row above it."""
    columns = len(rows[0])
    offset = 1 if title else 0
    table = container.add_table(rows=len(rows) + offset, cols=columns)
    table.style = style
    if title:
        merged = table.cell(0, 0).merge(table.cell(0, columns - 1))
        merged.text = title
        merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r + offset, c).text = str(value)
    for cell in table.rows[offset].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True
    return table


def docx_grouped_header_table(doc, groups: list[tuple[str, int]], headers: list[str], rows: list[list[str]]):
    """Add a table with a two-level header: group labels merged across their columns."""
    table = doc.add_table(rows=len(rows) + 2, cols=len(headers))
    table.style = "Table Grid"
    start = 0
    for label, span in groups:
        cell = table.cell(0, start)
        if span > 1:
            cell = cell.merge(table.cell(0, start + span - 1))
        cell.text = label
        start += span
    for c, text in enumerate(headers):
        table.cell(1, c).text = text
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r + 2, c).text = str(value)
    return table


def docx_text_box(doc, lines: list[str], with_fallback: bool = True) -> None:
    """Add a floating text box in a new paragraph.

    with_fallback=True writes what Word 2010+ saves: a DrawingML text box inside
    mc:AlternateContent with a VML copy of the same text as fallback, so an
    extractor that reads both branches returns the text twice. with_fallback=False writes a VML-only box.
    """
    paragraphs = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(line)}</w:t></w:r></w:p>" for line in lines)
    vml = (
        '<w:pict><v:shape id="TextBox1" type="#_x0000_t202" '
        'style="position:absolute;margin-left:0;margin-top:0;width:396pt;height:72pt;z-index:1" '
        'strokeweight="1pt"><v:textbox>'
        f"<w:txbxContent>{paragraphs}</w:txbxContent></v:textbox></v:shape></w:pict>"
    )
    drawing = (
        '<w:drawing><wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" '
        'relativeHeight="251659264" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="5029200" cy="914400"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        '<wp:wrapTopAndBottom/><wp:docPr id="101" name="文本框 1"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5029200" cy="914400"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:ln w="12700"><a:solidFill><a:srgbClr val="1F4E79"/></a:solidFill></a:ln></wps:spPr>'
        f"<wps:txbx><w:txbxContent>{paragraphs}</w:txbxContent></wps:txbx>"
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720" anchor="t"/>'
        "</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>"
    )
    namespaces = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
    )
    if with_fallback:
        body = (
            '<mc:AlternateContent><mc:Choice Requires="wps">'
            f"{drawing}</mc:Choice><mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent>"
        )
    else:
        body = vml
    run = parse_xml(f"<w:r {namespaces}>{body}</w:r>")
    doc.add_paragraph()._p.append(run)


def save_docx(doc, path: Path, meta: Meta) -> None:
    """Write core properties, save, and normalise the container."""
    props = doc.core_properties
    props.title = meta.title or ""
    props.author = meta.author
    props.last_modified_by = meta.author
    props.created = meta.created
    props.modified = meta.last_saved
    props.subject = meta.subject
    props.keywords = meta.keywords
    props.comments = ""
    props.revision = 3
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    normalize_zip(path)
    finish_file(path, meta)


# ---------------------------------------------------------------- XLSX

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass
class Workbook:
    """An openpyxl workbook plus the cached results of its formula cells.

    openpyxl writes formulas without a cached <v> value, so readers that do not
    recalculate would see nothing. save_xlsx inserts the values recorded here, as
    Excel does when it saves.
    """

    book: openpyxl.Workbook = field(default_factory=openpyxl.Workbook)
    cached: dict[tuple[str, str], float] = field(default_factory=dict)

    def sheet(self, title: str):
        """Return the first sheet renamed on first use, or a new sheet."""
        first = self.book.worksheets[0]
        # Reading first["A1"] would create the cell and push the next append to row 2,
        # so the sheet's emptiness is judged by its title alone.
        if first.title == "Sheet":
            first.title = title
            return first
        return self.book.create_sheet(title)

    def formula(self, ws, coord: str, formula: str, value: float, number_format: str = "#,##0.00") -> None:
        ws[coord] = "=" + formula
        ws[coord].number_format = number_format
        self.cached[(ws.title, coord)] = round(value, 6)


def style_header(ws, row: int, first_col: int, last_col: int) -> None:
    for col in range(first_col, last_col + 1):
        cell = ws.cell(row=row, column=col)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def style_body(ws, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
    for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col):
        for cell in row:
            cell.border = BORDER


def _format_cached(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _insert_cached_values(xml: bytes, values: dict[str, float]) -> bytes:
    text = xml.decode("utf-8")

    def replace(match: re.Match[str]) -> str:
        coord = match.group(2)
        if coord not in values:
            return match.group(0)
        return f"{match.group(1)}{match.group(3)}<v>{_format_cached(values[coord])}</v></c>"

    # openpyxl writes a formula cell as <c r="F5" s="3"><f>D5*E5</f><v></v></c> or with <v/>.
    pattern = re.compile(r'(<c r="([A-Z]+[0-9]+)"[^>]*>)(<f>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>')
    return pattern.sub(replace, text).encode("utf-8")


def save_xlsx(workbook: Workbook, path: Path, meta: Meta) -> None:
    """Save, then add cached formula values and fixed ZIP timestamps."""
    props = workbook.book.properties
    props.title = meta.title
    props.creator = meta.author
    props.lastModifiedBy = meta.author
    props.created = meta.created
    props.modified = meta.last_saved
    props.subject = meta.subject or None
    props.keywords = meta.keywords or None
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.book.save(path)

    patch: dict[str, bytes] = {}
    with zipfile.ZipFile(path) as archive:
        for index, ws in enumerate(workbook.book.worksheets, start=1):
            values = {coord: v for (title, coord), v in workbook.cached.items() if title == ws.title}
            if not values:
                continue
            name = f"xl/worksheets/sheet{index}.xml"
            patched = _insert_cached_values(archive.read(name), values)
            missing = [c for c in values if f'r="{c}"' not in patched.decode("utf-8")]
            if missing:
                raise ValueError(f"{path}: formula cells {missing} not found in {name}")
            patch[name] = patched
        # openpyxl stamps dcterms:modified with the current time on save.
        core = archive.read("docProps/core.xml").decode("utf-8")
        modified = meta.last_saved.strftime("%Y-%m-%dT%H:%M:%SZ")
        core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{modified}\g<2>", core)
        patch["docProps/core.xml"] = core.encode("utf-8")
    normalize_zip(path, patch)
    finish_file(path, meta)


# ---------------------------------------------------------------- PPTX


def new_pptx() -> Presentation:
    prs = Presentation()
    prs.slide_width = Inches(13.333)
    prs.slide_height = Inches(7.5)
    return prs


def pptx_title_slide(prs, title: str, subtitle: str, notes: str | None = None):
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = title
    slide.placeholders[1].text = subtitle
    if notes:
        slide.notes_slide.notes_text_frame.text = notes
    return slide


def pptx_bullet_slide(prs, title: str, bullets: list[str | tuple[str, int]], notes: str | None = None):
    """Add a title-and-content slide; a (text, level) tuple indents a bullet."""
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = title
    body = slide.placeholders[1]
    body.width = prs.slide_width - Inches(1.0)
    frame = body.text_frame
    for index, bullet in enumerate(bullets):
        text, level = (bullet, 0) if isinstance(bullet, str) else bullet
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = text
        paragraph.level = level
        paragraph.font.size = PptPt(22 if level == 0 else 18)
    if notes:
        slide.notes_slide.notes_text_frame.text = notes
    return slide


def pptx_table_slide(prs, title: str, rows: list[list[str]], notes: str | None = None):
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = title
    width = prs.slide_width - Inches(1.0)
    shape = slide.shapes.add_table(len(rows), len(rows[0]), Inches(0.5), Inches(1.6), width, Inches(0.5) * len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = shape.table.cell(r, c)
            cell.text = str(value)
            cell.text_frame.paragraphs[0].font.size = PptPt(14)
    if notes:
        slide.notes_slide.notes_text_frame.text = notes
    return slide


def pptx_group_slide(prs, title: str, boxes: list[tuple[str, str]], notes: str | None = None):
    """Add a slide whose boxes (heading, text) sit in one grouped shape, like a drawn diagram."""
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = title
    group = slide.shapes.add_group_shape()
    box_width = Emu(int((prs.slide_width - Inches(1.0)) / len(boxes)) - Inches(0.2))
    for index, (heading, text) in enumerate(boxes):
        left = Inches(0.5) + (box_width + Inches(0.2)) * index
        shape = group.shapes.add_shape(1, left, Inches(2.0), box_width, Inches(3.2))  # 1 = rectangle
        frame = shape.text_frame
        frame.word_wrap = True
        frame.paragraphs[0].text = heading
        frame.paragraphs[0].font.size = PptPt(20)
        frame.paragraphs[0].font.bold = True
        detail = frame.add_paragraph()
        detail.text = text
        detail.font.size = PptPt(14)
    if notes:
        slide.notes_slide.notes_text_frame.text = notes
    return slide


def save_pptx(prs, path: Path, meta: Meta) -> None:
    props = prs.core_properties
    props.title = meta.title or ""
    props.author = meta.author
    props.last_modified_by = meta.author
    props.created = meta.created
    props.modified = meta.last_saved
    props.subject = meta.subject
    props.keywords = meta.keywords
    props.comments = ""
    props.revision = 5
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(path)
    normalize_zip(path)
    finish_file(path, meta)


# ---------------------------------------------------------------- PDF

PDF_STYLES = {
    "title": ParagraphStyle("title", fontName=PDF_FONT, fontSize=18, leading=26, spaceAfter=10, wordWrap="CJK"),
    "h": ParagraphStyle("h", fontName=PDF_FONT, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4,
                        textColor=colors.HexColor("#1F4E79"), wordWrap="CJK"),
    "p": ParagraphStyle("p", fontName=PDF_FONT, fontSize=10.5, leading=17, firstLineIndent=21, wordWrap="CJK"),
    "plain": ParagraphStyle("plain", fontName=PDF_FONT, fontSize=10.5, leading=17, wordWrap="CJK"),
    "cell": ParagraphStyle("cell", fontName=PDF_FONT, fontSize=9, leading=13, wordWrap="CJK"),
    "right": ParagraphStyle("right", fontName=PDF_FONT, fontSize=10.5, leading=17, alignment=2, wordWrap="CJK"),
}


def pdf_table(rows: list[list[str]], widths: list[float] | None = None) -> Table:
    data = [[Paragraph(escape(str(v)), PDF_STYLES["cell"]) for v in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths] if widths else None, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def write_pdf(path: Path, meta: Meta, blocks: list, header: str = COMPANY) -> None:
    """Render blocks to an A4 PDF.

    A block is ("title"|"h"|"p"|"plain"|"right", text), ("table", rows[, widths])
    or ("space", millimetres).
    """
    stamp = meta.last_saved.strftime("D:%Y%m%d%H%M%S+08'00'")

    def decorate(canvas, document) -> None:
        canvas.setDateFormatter(lambda *_: stamp)
        canvas.saveState()
        canvas.setFont(PDF_FONT, 8)
        canvas.drawString(20 * mm, A4[1] - 12 * mm, header)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    flowables = []
    for block in blocks:
        kind = block[0]
        if kind == "table":
            flowables.append(pdf_table(block[1], block[2] if len(block) > 2 else None))
            flowables.append(Spacer(1, 4 * mm))
        elif kind == "space":
            flowables.append(Spacer(1, block[1] * mm))
        else:
            flowables.append(Paragraph(escape(block[1]).replace("\n", "<br/>"), PDF_STYLES[kind]))

    path.parent.mkdir(parents=True, exist_ok=True)
    document = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
        bottomMargin=18 * mm, title=meta.title or "", author=meta.author, subject=meta.subject,
        keywords=meta.keywords, creator=COMPANY,
    )
    document.build(flowables, onFirstPage=decorate, onLaterPages=decorate)
    finish_file(path, meta)


# ---------------------------------------------------------------- text


def write_text(path: Path, text: str, meta: Meta, encoding: str = "utf-8", newline: str = "\n") -> None:
    """Write text in the given encoding ("utf-8-sig" adds a BOM, "gb18030" for legacy files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.replace("\n", newline).encode(encoding)
    path.write_bytes(data)
    finish_file(path, meta)


def render_docx(path: Path, meta: Meta, blocks: list, header: str | None = COMPANY, footer: str | None = None) -> None:
    """Write a DOCX from blocks.

    A block is ("h1"|"h2"|"p", text), ("steps", [text, ...]) for numbered paragraphs,
    ("bullets", [text, ...]), ("table", rows[, merged title]) or ("box", [line, ...]).
    """
    doc = new_docx(header, footer)
    for block in blocks:
        kind = block[0]
        if kind == "h1":
            doc.add_heading(block[1], level=1)
        elif kind == "h2":
            doc.add_heading(block[1], level=2)
        elif kind == "p":
            doc.add_paragraph(block[1])
        elif kind in ("steps", "bullets"):
            style = "List Number" if kind == "steps" else "List Bullet"
            for item in block[1]:
                doc.add_paragraph(item, style=style)
        elif kind == "table":
            docx_table(doc, block[1], title=block[2] if len(block) > 2 else None)
            doc.add_paragraph()
        elif kind == "box":
            docx_text_box(doc, block[1])
        else:
            raise ValueError(f"unknown block kind {kind!r} for {path}")
    save_docx(doc, path, meta)
