"""Broken and unusual files through the whole pipeline: each is recorded with a reason, the run goes on."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pptx
import pytest
from pypdf import PdfReader, PdfWriter
from sqlmodel import select

from kb.config import Settings
from kb.db import session_scope
from kb.ingest.extractors.xlsx import MAX_ROWS_PER_SHEET
from kb.ingest.pipeline import run_ingest
from kb.models import Document, DocumentStatus
from kb.search.backend import SearchFilters
from kb.search.service import run_search
from tests.conftest import write_docx, write_text
from tests.ingest.conftest import write_cid_pdf

QUOTE = "雷达维修报价单"


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _pptx(path: Path, text: str) -> Path:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = text
    path.parent.mkdir(parents=True, exist_ok=True)
    deck.save(str(path))
    return path


def _truncate(path: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def _documents(settings: Settings) -> dict[str, Document]:
    with session_scope(settings) as session:
        return {doc.path: doc for doc in session.exec(select(Document))}


@pytest.fixture
def broken_library(library_dir: Path, tmp_path: Path) -> Path:
    """Write one file of each broken kind, plus a good one, into the documents library."""
    docs = library_dir / "documents"
    write_text(library_dir, "documents/改名的文本.docx", "这其实是一段纯文本")
    (docs / "图片.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (docs / "空文件.txt").write_bytes(b"")
    _truncate(write_docx(library_dir, "documents/截断.docx", "截断", ["内容" * 500]))
    _truncate(_xlsx(docs / "截断.xlsx", [["型号", "数量"]] * 500))
    _truncate(_pptx(docs / "截断.pptx", "截断的演示文稿"))
    _truncate(write_cid_pdf(docs / "截断.pdf", [QUOTE] * 3), keep=0.3)
    pdf = write_cid_pdf(tmp_path / "原件.pdf", [QUOTE])
    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.encrypt(user_password="1234", algorithm="RC4-128")
    with (docs / "加密.pdf").open("wb") as out:
        writer.write(out)
    write_text(library_dir, "documents/正常.txt", "一切正常的说明文字")
    return library_dir


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("documents/改名的文本.docx", "文件内容与扩展名不符"),
        ("documents/图片.txt", "无法识别的文件格式"),
        ("documents/空文件.txt", "文件为空"),
        ("documents/截断.docx", "Word 文档已损坏或不完整"),
        ("documents/截断.xlsx", "Excel 文件已损坏或不完整"),
        ("documents/截断.pptx", "PowerPoint 文件已损坏或不完整"),
        ("documents/截断.pdf", "PDF 文件已损坏"),
        ("documents/加密.pdf", "需要密码"),
    ],
)
def test_broken_file_recorded_with_reason(settings: Settings, backend, broken_library, path, expected):
    summary = run_ingest(settings, backend)
    assert expected in dict(summary.failed)[path]
    assert summary.added == ["documents/正常.txt"]
    doc = _documents(settings)[path]
    assert doc.status == DocumentStatus.FAILED
    assert expected in (doc.error or "")


def test_broken_xref_pdf_read(settings: Settings, backend, library_dir, tmp_path):
    data = write_cid_pdf(tmp_path / "原件.pdf", [QUOTE]).read_bytes()
    # Every xref offset points one byte too far, as after a careless edit of the file.
    head, tail = data.split(b"xref\n", 1)
    table, rest = tail.split(b"trailer", 1)
    shifted = b"\n".join(
        b"%010d 00000 n " % (int(line[:10]) + 1) if line.endswith(b" n ") else line for line in table.split(b"\n")
    )
    (library_dir / "documents/偏移错误.pdf").write_bytes(head + b"xref\n" + shifted + b"trailer" + rest)
    summary = run_ingest(settings, backend)
    assert summary.added == ["documents/偏移错误.pdf"], summary.failed
    assert QUOTE in _documents(settings)["documents/偏移错误.pdf"].text


def test_image_only_pdf_indexed_by_title(settings: Settings, backend, library_dir):
    write_cid_pdf(library_dir / "documents/扫描件.pdf", [None, None], title="船舶雷达验收报告")
    summary = run_ingest(settings, backend)
    doc = _documents(settings)["documents/扫描件.pdf"]
    assert summary.added == ["documents/扫描件.pdf"]
    assert doc.needs_ocr
    with session_scope(settings) as session:
        titles = [hit.title for hit in run_search(session, backend, "验收报告", SearchFilters()).results]
    assert titles == ["船舶雷达验收报告"]


def test_large_spreadsheet_bounded_with_note(settings: Settings, backend, library_dir):
    rows: list[list[object]] = [[f"R{number}", number] for number in range(MAX_ROWS_PER_SHEET + 50)]
    rows.append(["最后一行之后的内容", 0])
    _xlsx(library_dir / "quotes/超大表格.xlsx", rows)
    summary = run_ingest(settings, backend)
    doc = _documents(settings)["quotes/超大表格.xlsx"]
    assert summary.added == ["quotes/超大表格.xlsx"], summary.failed
    assert f"只读取了前 {MAX_ROWS_PER_SHEET} 行" in doc.notes
    assert "最后一行之后的内容" not in doc.text
