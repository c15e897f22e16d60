"""Walk WordprocessingML elements in document order and collect their text blocks.

python-docx's paragraph API leaves out text boxes, content controls, tracked
insertions and nested tables, so the walk reads the XML itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

# Containers whose children are read as if they stood in their parent.
_TRANSPARENT = {W + "ins", W + "customXml", W + "smartTag", W + "hyperlink", W + "fldSimple",
                W + "moveTo", W + "dir", W + "bdo"}
# Removed or hidden content: tracked deletions and moves away.
_SKIPPED = {W + "del", W + "moveFrom", W + "delText", W + "instrText", W + "delInstrText"}


def block_texts(container: etree._Element) -> Iterator[str]:
    """Yield the text of each block (paragraph, table row, text-box paragraph) under `container`."""
    for child in container:
        tag = child.tag
        if tag == W + "p":
            yield from _paragraph_blocks(child)
        elif tag == W + "tbl":
            yield from _table_rows(child)
        elif tag == W + "sdt":
            yield from block_texts(_sdt_content(child))
        elif tag == MC + "AlternateContent":
            yield from block_texts(choose_branch(child))
        elif tag in _TRANSPARENT:
            yield from block_texts(child)


def choose_branch(alternate: etree._Element) -> etree._Element:
    """Return the Choice branch of mc:AlternateContent, or its Fallback when no Choice exists.

    Both branches hold the same content (a DrawingML text box and its VML copy),
    so reading one keeps the text from being doubled.
    """
    choice = alternate.find(MC + "Choice")
    if choice is not None:
        return choice
    fallback = alternate.find(MC + "Fallback")
    return fallback if fallback is not None else etree.Element(MC + "Fallback")


def _sdt_content(sdt: etree._Element) -> etree._Element:
    content = sdt.find(W + "sdtContent")
    return content if content is not None else etree.Element(W + "sdtContent")


def _paragraph_blocks(paragraph: etree._Element) -> Iterator[str]:
    """Yield the paragraph's own text, then the paragraphs of text boxes anchored in it."""
    parts: list[str] = []
    text_boxes: list[etree._Element] = []
    _collect_inline(paragraph, parts, text_boxes)
    yield "".join(parts)
    for box in text_boxes:
        yield from block_texts(box)


def _collect_inline(element: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
    for child in element:
        tag = child.tag
        if tag in _SKIPPED:
            continue
        if tag == W + "t":
            parts.append(child.text or "")
        elif tag == W + "tab":
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag == M + "t":
            parts.append(child.text or "")
        elif tag in (W + "drawing", W + "pict", W + "object"):
            boxes.extend(_text_box_contents(child))
        elif tag == MC + "AlternateContent":
            _collect_inline(choose_branch(child), parts, boxes)
        elif tag == W + "sdt":
            _collect_inline(_sdt_content(child), parts, boxes)
        elif tag == W + "r" or tag in _TRANSPARENT or (isinstance(tag, str) and tag.startswith(M)):
            _collect_inline(child, parts, boxes)


def _text_box_contents(element: etree._Element) -> Iterator[etree._Element]:
    """Yield outermost w:txbxContent elements, following one branch of each AlternateContent."""
    for child in element:
        if child.tag == W + "txbxContent":
            yield child
        elif child.tag == MC + "AlternateContent":
            yield from _text_box_contents(choose_branch(child))
        else:
            yield from _text_box_contents(child)


def _table_rows(table: etree._Element) -> Iterator[str]:
    """Yield one tab-separated line per row, followed by the rows of tables nested in its cells."""
    for row in _children(table, W + "tr"):
        cells: list[str] = []
        nested: list[str] = []
        for cell in _children(row, W + "tc"):
            text, cell_nested = _cell_text(cell)
            if text:
                cells.append(text)
            nested.extend(cell_nested)
        yield "\t".join(cells)
        yield from nested


def _cell_text(cell: etree._Element) -> tuple[str, list[str]]:
    """Return the cell's paragraphs joined by spaces, and the rows of tables nested in it."""
    inline: list[str] = []
    nested: list[str] = []
    for child in _flatten(cell):
        if child.tag == W + "tbl":
            nested.extend(_table_rows(child))
        elif child.tag == W + "p":
            inline.extend(block for block in _paragraph_blocks(child) if block.strip())
    return " ".join(" ".join(inline).split()), nested


def _children(parent: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Yield children with `tag`, looking through content controls and other wrappers."""
    for child in _flatten(parent):
        if child.tag == tag:
            yield child


def _flatten(parent: etree._Element) -> Iterator[etree._Element]:
    for child in parent:
        if child.tag == W + "sdt":
            yield from _flatten(_sdt_content(child))
        elif child.tag == MC + "AlternateContent":
            yield from _flatten(choose_branch(child))
        elif child.tag in _TRANSPARENT:
            yield from _flatten(child)
        else:
            yield child
