"""Word .docx files: body, headers, footers, notes and comments in reading order."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part
from docx.oxml import parse_xml
from lxml import etree

from kb.ingest.extractors.common import clean_text, clean_title, join_blocks
from kb.ingest.extractors.docx_xml import W, block_texts
from kb.ingest.types import ExtractedDocument, ExtractionError

logger = logging.getLogger(__name__)

R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
DAMAGED_REASON = "Word 文档已损坏或不完整，无法读取。请用 Word 或 WPS 打开后另存为 .docx 再上传。"


def extract(path: Path) -> ExtractedDocument:
    """Read a .docx file, raising ExtractionError when it cannot be parsed."""
    try:
        document = docx.Document(str(path))
        return _read_document(document)
    except ExtractionError:
        raise
    except Exception as error:
        logger.warning("Cannot parse %s as docx: %s", path, error)
        raise ExtractionError(path, DAMAGED_REASON) from error


def _read_document(document: Document) -> ExtractedDocument:
    body = document.element.body
    headers = _unique_part_texts(document, "headerReference")
    footers = _unique_part_texts(document, "footerReference")
    # Footnotes, endnotes and comments parts hold one w:footnote, w:endnote or w:comment per note.
    notes = [
        join_blocks([block for note in _part_root(part) for block in block_texts(note)])
        for part in _related_parts(document, (RT.FOOTNOTES, RT.ENDNOTES, RT.COMMENTS))
    ]
    blocks = [*headers, *block_texts(body), *notes, *footers]

    properties = document.core_properties
    title = clean_title(properties.title) or _first_heading(document)
    return ExtractedDocument(
        format="docx",
        text=join_blocks(blocks),
        title=title,
        author=clean_text(properties.author),
        created=properties.created,
        modified=properties.modified,
    )


def _unique_part_texts(document: Document, reference_tag: str) -> list[str]:
    """Return the text of each header or footer part of every section, skipping repeats."""
    texts: list[str] = []
    related = document.part.related_parts
    for reference in document.element.body.iter(W + reference_tag):
        part = related.get(reference.get(R_ID))
        if part is None:
            continue
        text = join_blocks(list(block_texts(_part_root(part))))
        if text and text not in texts:
            texts.append(text)
    return texts


def _related_parts(document: Document, reltypes: tuple[str, ...]) -> Iterator[Part]:
    for relationship in document.part.rels.values():
        if relationship.reltype in reltypes and not relationship.is_external:
            yield relationship.target_part


def _part_root(part: Part) -> etree._Element:
    """Return the XML root of a part, parsing the bytes when python-docx keeps only a blob."""
    element = getattr(part, "element", None)
    if element is not None:
        return element
    return parse_xml(part.blob)


def _first_heading(document: Document) -> str | None:
    """Return the text of the first paragraph styled as a heading or title, if any."""
    heading_ids = {
        style.style_id
        for style in document.styles
        if style.name and _is_heading_style_name(style.name)
    }
    for paragraph in document.element.body.iter(W + "p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        if style is None or style.get(W + "val") not in heading_ids:
            continue
        title = clean_title("".join(block_texts(_wrap(paragraph))))
        if title:
            return title
    return None


def _is_heading_style_name(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(("heading", "标题")) or lowered == "title"


def _wrap(paragraph: etree._Element) -> etree._Element:
    """Return a detached container holding a copy of `paragraph`, for block_texts."""
    container = etree.Element(W + "body")
    container.append(etree.fromstring(etree.tostring(paragraph)))
    return container
