"""Excel .xlsx files: every sheet's name, cell values, formulas and comments."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.workbook import Workbook

from kb.ingest.extractors.common import clean_text, clean_title, join_blocks
from kb.ingest.extractors.xlsx_cells import display_value
from kb.ingest.extractors.xlsx_formula import Coordinate, FormulaEvaluator
from kb.ingest.types import ExtractedDocument, ExtractionError

logger = logging.getLogger(__name__)

MAX_ROWS_PER_SHEET = 20000
DAMAGED_REASON = "Excel 文件已损坏或不完整，无法读取。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
NOT_CALCULATED = "（未计算）"


@dataclass
class _SheetCells:
    """Cells of one sheet as read from the cached-value and the formula workbooks."""

    rows: list[list[tuple[Coordinate, object, str | None, str]]] = field(default_factory=list)
    values: dict[Coordinate, object] = field(default_factory=dict)
    formulas: dict[Coordinate, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    truncated: bool = False


def extract(path: Path) -> ExtractedDocument:
    """Read a .xlsx file, raising ExtractionError when it cannot be parsed."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        # Read-only mode is faster but drops comments, so it is used only without them.
        read_only = not any(name.startswith("xl/comments") for name in names)
        calculated = "xl/calcChain.xml" in names
        values_book = openpyxl.load_workbook(path, read_only=read_only, data_only=True)
        formulas_book = openpyxl.load_workbook(path, read_only=read_only, data_only=False)
    except Exception as error:
        logger.warning("Cannot open %s as xlsx: %s", path, error)
        raise ExtractionError(path, DAMAGED_REASON) from error

    try:
        return _read_workbooks(values_book, formulas_book, calculated)
    except Exception as error:
        logger.warning("Cannot read cells of %s: %s", path, error)
        raise ExtractionError(path, DAMAGED_REASON) from error
    finally:
        values_book.close()
        formulas_book.close()


def _read_workbooks(values_book: Workbook, formulas_book: Workbook, calculated: bool) -> ExtractedDocument:
    blocks: list[str] = []
    notes: list[str] = []
    for name in values_book.sheetnames:
        cells = _read_sheet(values_book[name], formulas_book[name])
        blocks.append(f"工作表：{name}")
        blocks.extend(_sheet_lines(cells, calculated))
        blocks.extend(cells.comments)
        if cells.truncated:
            notes.append(f"工作表“{name}”超过 {MAX_ROWS_PER_SHEET} 行，只读取了前 {MAX_ROWS_PER_SHEET} 行。")

    properties = values_book.properties
    return ExtractedDocument(
        format="xlsx",
        text=join_blocks(blocks),
        title=clean_title(properties.title),
        author=clean_text(properties.creator),
        created=properties.created,
        modified=properties.modified,
        pages=len(values_book.sheetnames),
        notes=tuple(notes),
    )


def _read_sheet(values_sheet: object, formulas_sheet: object) -> _SheetCells:
    """Read both views of one sheet row by row, up to MAX_ROWS_PER_SHEET rows."""
    cells = _SheetCells()
    for sheet in (values_sheet, formulas_sheet):
        if hasattr(sheet, "reset_dimensions"):
            # Read-only sheets trust the stored dimension, which some writers get wrong.
            sheet.reset_dimensions()

    for index, (value_row, formula_row) in enumerate(zip(values_sheet.iter_rows(), formulas_sheet.iter_rows())):
        if index >= MAX_ROWS_PER_SHEET:
            cells.truncated = True
            break
        row = []
        for value_cell, formula_cell in zip(value_row, formula_row):
            if value_cell.value is None and formula_cell.value is None:
                _collect_comment(formula_cell, cells)
                continue
            coordinate = (value_cell.row, value_cell.column)
            formula = _formula_text(formula_cell.value)
            cells.values[coordinate] = value_cell.value
            if formula is not None:
                cells.formulas[coordinate] = formula
            row.append((coordinate, value_cell.value, formula, value_cell.number_format))
            _collect_comment(formula_cell, cells)
        cells.rows.append(row)
    return cells


def _formula_text(value: object) -> str | None:
    """Return "=..." for formula cells, including array formulas, else None."""
    text = getattr(value, "text", value)
    if isinstance(text, str) and text.startswith("="):
        return text
    return None


def _collect_comment(cell: object, cells: _SheetCells) -> None:
    comment = getattr(cell, "comment", None)
    if comment is not None and comment.text and comment.text.strip():
        cells.comments.append(f"批注（{cell.coordinate}）：{comment.text.strip()}")


def _sheet_lines(cells: _SheetCells, calculated: bool) -> Iterator[str]:
    evaluator = FormulaEvaluator(cells.values, cells.formulas, zero_is_placeholder=not calculated)
    for row in cells.rows:
        texts = []
        for coordinate, value, formula, number_format in row:
            if formula is not None and evaluator.needs_evaluation(value, formula):
                computed = evaluator.evaluate(formula)
                text = display_value(computed, "General") if computed is not None else formula + NOT_CALCULATED
            else:
                text = display_value(value, number_format)
            if text:
                texts.append(text)
        yield "\t".join(texts)
