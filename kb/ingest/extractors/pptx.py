"""PowerPoint .pptx files: every slide's shapes, tables, charts and speaker notes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pptx
from lxml import etree
from pptx.presentation import Presentation
from pptx.slide import Slide

from kb.ingest.extractors.common import clean_text, clean_title, join_blocks
from kb.ingest.types import ExtractedDocument, ExtractionError

logger = logging.getLogger(__name__)

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

DAMAGED_REASON = "PowerPoint 文件已损坏或不完整，无法读取。请用 PowerPoint 或 WPS 打开后另存为 .pptx 再上传。"
_TITLE_PLACEHOLDERS = ("title", "ctrTitle")


def extract(path: Path) -> ExtractedDocument:
    """Read a .pptx file, raising ExtractionError when it cannot be parsed."""
    try:
        presentation = pptx.Presentation(str(path))
        return _read_presentation(presentation)
    except ExtractionError:
        raise
    except Exception as error:
        logger.warning("Cannot parse %s as pptx: %s", path, error)
        raise ExtractionError(path, DAMAGED_REASON) from error


def _read_presentation(presentation: Presentation) -> ExtractedDocument:
    blocks: list[str] = []
    first_slide_title: str | None = None
    for index, slide in enumerate(presentation.slides):
        blocks.extend(_slide_blocks(slide))
        if index == 0:
            first_slide_title = _slide_title(slide)

    properties = presentation.core_properties
    return ExtractedDocument(
        format="pptx",
        text=join_blocks(blocks),
        title=clean_title(properties.title) or clean_title(first_slide_title),
        author=clean_text(properties.author),
        created=properties.created,
        modified=properties.modified,
        pages=len(presentation.slides),
    )


def _slide_blocks(slide: Slide) -> Iterator[str]:
    """Yield the slide's shape texts in tree order, then its speaker notes."""
    tree = slide.shapes._spTree
    yield from _shape_tree_blocks(tree, slide)
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None:
            yield notes.text


def _shape_tree_blocks(tree: etree._Element, slide: Slide) -> Iterator[str]:
    """Walk shapes in the XML, because python-pptx skips shapes inside mc:AlternateContent."""
    for shape in tree:
        tag = shape.tag
        if tag == P + "grpSp":
            yield from _shape_tree_blocks(shape, slide)
        elif tag == MC + "AlternateContent":
            yield from _shape_tree_blocks(_choose_branch(shape), slide)
        elif tag == P + "sp":
            yield from _text_body_paragraphs(shape.find(P + "txBody"))
        elif tag == P + "graphicFrame":
            yield from _graphic_frame_blocks(shape, slide)


def _choose_branch(alternate: etree._Element) -> etree._Element:
    """Return the Choice branch, or the Fallback when there is no Choice, so text is read once."""
    for branch_tag in (MC + "Choice", MC + "Fallback"):
        branch = alternate.find(branch_tag)
        if branch is not None:
            return branch
    return etree.Element(MC + "Fallback")


def _text_body_paragraphs(body: etree._Element | None) -> Iterator[str]:
    if body is None:
        return
    for paragraph in body.iter(A + "p"):
        yield _paragraph_text(paragraph)


def _paragraph_text(paragraph: etree._Element) -> str:
    """Return the text of a:t runs, fields and equations (m:t), reading one branch of each switch."""
    parts: list[str] = []
    for child in paragraph:
        if child.tag == MC + "AlternateContent":
            child = _choose_branch(child)
        if child.tag == A + "br":
            parts.append("\n")
            continue
        for node in child.iter(A + "t", M + "t"):
            parts.append(node.text or "")
    return "".join(parts)


def _graphic_frame_blocks(frame: etree._Element, slide: Slide) -> Iterator[str]:
    table = next(frame.iter(A + "tbl"), None)
    if table is not None:
        for row in table.iter(A + "tr"):
            cells = [" ".join(_text_body_lines(cell)) for cell in row.iter(A + "tc")]
            yield "\t".join(cell for cell in cells if cell)
        return
    chart = next(frame.iter(C + "chart"), None)
    if chart is not None:
        yield from _chart_blocks(chart, slide)


def _text_body_lines(cell: etree._Element) -> list[str]:
    return [text for text in _text_body_paragraphs(cell.find(A + "txBody")) if text.strip()]


def _chart_blocks(chart_ref: etree._Element, slide: Slide) -> Iterator[str]:
    """Yield a chart's title, series names and category names from its chart part."""
    part = slide.part.related_part(chart_ref.get(R_ID))
    root = etree.fromstring(part.blob)
    title = root.find(f"{C}chart/{C}title")
    if title is not None:
        yield "".join(node.text or "" for node in title.iter(A + "t"))
    seen: list[str] = []
    for series in root.iter(C + "ser"):
        for label_path in (f"{C}tx", f"{C}cat"):
            label = series.find(label_path)
            if label is None:
                continue
            for value in label.iter(C + "v"):
                if value.text and value.text not in seen:
                    seen.append(value.text)
    if seen:
        yield "  ".join(seen)


def _slide_title(slide: Slide) -> str | None:
    """Return the text of the slide's title placeholder, if it has one."""
    for shape in slide.shapes._spTree.iter(P + "sp"):
        placeholder = shape.find(f"{P}nvSpPr/{P}nvPr/{P}ph")
        if placeholder is not None and placeholder.get("type") in _TITLE_PLACEHOLDERS:
            return " ".join(_text_body_paragraphs(shape.find(P + "txBody")))
    return None
