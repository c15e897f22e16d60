"""Format detection from file content."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from kb.ingest.detect import detect_format
from kb.ingest.types import UnsupportedFormatError

OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def test_detect_docx_with_wrong_extension(make_docx: Callable[..., Path]) -> None:
    path = make_docx("报价说明.pdf", "<w:p><w:r><w:t>报价说明</w:t></w:r></w:p>")
    assert detect_format(path) == "docx"


def test_detect_xlsx_by_content(tmp_path: Path) -> None:
    path = tmp_path / "汇总.bin"
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "合计"
    workbook.save(path)
    assert detect_format(path) == "xlsx"


def test_detect_pdf_by_header(make_pdf: Callable[..., Path]) -> None:
    path = make_pdf("报价单.txt", ["报价单"])
    assert detect_format(path) == "pdf"


def test_detect_zip_parts_without_content_types(tmp_path: Path) -> None:
    path = tmp_path / "deck.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ppt/presentation.xml", "<p/>")
    assert detect_format(path) == "pptx"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("说明.md", "md"), ("说明.markdown", "md"), ("清单.csv", "csv"), ("备注.txt", "txt"), ("备注", "txt")],
)
def test_detect_text_subtype_by_extension(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes("运费由买方承担".encode("gbk"))
    assert detect_format(path) == expected


@pytest.mark.parametrize("suffix", [".doc", ".xls", ".ppt", ".wps", ".et", ".dps", ".docx"])
def test_detect_legacy_office_raises(tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without LibreOffice on PATH; tests/robustness/test_legacy_formats.py covers conversion.
    monkeypatch.setenv("PATH", str(tmp_path))
    path = tmp_path / f"旧文件{suffix}"
    path.write_bytes(OLE2_HEADER)
    with pytest.raises(UnsupportedFormatError) as raised:
        detect_format(path)
    assert "另存为 .docx、.xlsx 或 .pptx" in raised.value.reason


def test_detect_empty_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "空.txt"
    path.write_bytes(b"")
    with pytest.raises(UnsupportedFormatError) as raised:
        detect_format(path)
    assert "文件为空" in raised.value.reason


def test_detect_binary_junk_raises(tmp_path: Path) -> None:
    path = tmp_path / "图片.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(UnsupportedFormatError) as raised:
        detect_format(path)
    assert "无法识别的文件格式" in raised.value.reason


def test_detect_plain_zip_raises(tmp_path: Path) -> None:
    path = tmp_path / "资料.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("说明.txt", "资料")
    with pytest.raises(UnsupportedFormatError):
        detect_format(path)


def test_detect_long_gbk_text_cut_mid_character(tmp_path: Path) -> None:
    path = tmp_path / "长文.txt"
    # 64 KiB + 1 byte of GBK: the detection sample ends inside a two-byte character.
    path.write_bytes(b"a" + "安装调试".encode("gbk") * 8200)
    assert detect_format(path) == "txt"
