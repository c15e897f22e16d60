"""Zip bombs and entity-expansion XML are rejected before any Office parser reads them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kb.config import Settings
from kb.ingest.detect import detect_format
from kb.ingest.extractors import extract
from kb.ingest.guards import MAX_ENTRIES
from kb.ingest.pipeline import run_ingest
from kb.ingest.types import UnsupportedFormatError
from tests.conftest import write_docx
from tests.robustness.zips import rewrite_parts, with_entity_expansion, write_zero_bomb


@pytest.fixture
def plain_docx(tmp_path: Path) -> Path:
    return write_docx(tmp_path, "plain/原件.docx", "正常文档", ["正常的段落内容"])


def test_guard_gigabyte_document_rejected(plain_docx, tmp_path):
    bomb = write_zero_bomb(plain_docx, tmp_path / "炸弹.docx", "word/document.xml", chunks=64)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(UnsupportedFormatError) as caught:
        detect_format(bomb)
    assert "解压后过大" in caught.value.reason


def test_guard_high_ratio_entry_rejected(plain_docx, tmp_path):
    bomb = write_zero_bomb(plain_docx, tmp_path / "高压缩比.docx", "word/document.xml", chunks=7)
    with pytest.raises(UnsupportedFormatError) as caught:
        detect_format(bomb)
    assert "压缩比异常" in caught.value.reason
    assert "word/document.xml" in caught.value.reason


def test_guard_explicit_format_still_checked(plain_docx, tmp_path):
    bomb = write_zero_bomb(plain_docx, tmp_path / "高压缩比.docx", "word/document.xml", chunks=7)
    with pytest.raises(UnsupportedFormatError):
        extract(bomb, "docx")


def test_guard_too_many_entries_rejected(plain_docx, tmp_path):
    crowded = tmp_path / "部件过多.docx"
    with zipfile.ZipFile(plain_docx) as old, zipfile.ZipFile(crowded, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        for number in range(MAX_ENTRIES + 1):
            new.writestr(f"customXml/item{number}.bin", b"")
    with pytest.raises(UnsupportedFormatError) as caught:
        detect_format(crowded)
    assert "部件过多" in caught.value.reason


def test_guard_entity_expansion_rejected(plain_docx, tmp_path):
    laughs = rewrite_parts(plain_docx, tmp_path / "实体展开.docx", with_entity_expansion)
    with pytest.raises(UnsupportedFormatError) as caught:
        detect_format(laughs)
    assert "DTD" in caught.value.reason
    assert "word/document.xml" in caught.value.reason


def test_guard_plain_office_files_pass(plain_docx):
    assert detect_format(plain_docx) == "docx"
    assert "正常的段落内容" in extract(plain_docx).text


def test_guard_failures_recorded_by_run(settings: Settings, backend, library_dir, plain_docx):
    write_zero_bomb(plain_docx, library_dir / "documents/炸弹.docx", "word/document.xml", chunks=64)
    rewrite_parts(plain_docx, library_dir / "documents/实体展开.docx", with_entity_expansion)
    write_docx(library_dir, "documents/正常.docx", "正常", ["照常导入"])
    summary = run_ingest(settings, backend)
    failed = dict(summary.failed)
    assert summary.added == ["documents/正常.docx"]
    assert "解压后过大" in failed["documents/炸弹.docx"]
    assert "DTD" in failed["documents/实体展开.docx"]
