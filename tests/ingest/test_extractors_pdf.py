"""PDF extraction: Chinese text, encryption, pages without text, garbled font maps, damaged files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from kb.ingest.extractors import extract
from kb.ingest.types import ExtractionError

MakePdf = Callable[..., Path]
QUOTE = "报价单：智能面板，含税单价。"


def _encrypt(source: Path, target: Path, user_password: str) -> Path:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    with target.open("wb") as stream:
        writer.write(stream)
    return target


def test_pdf_chinese_text_read(make_pdf: MakePdf) -> None:
    path = make_pdf("报价单.pdf", [QUOTE + "\n交货期四十五天"])
    assert extract(path).text.splitlines() == [QUOTE, "交货期四十五天"]


def test_pdf_title_from_metadata(make_pdf: MakePdf) -> None:
    path = make_pdf("报价单.pdf", [QUOTE], title="华东区域报价单")
    assert extract(path).title == "华东区域报价单"


def test_pdf_author_from_metadata(make_pdf: MakePdf) -> None:
    path = make_pdf("报价单.pdf", [QUOTE], title="华东区域报价单")
    assert extract(path).author == "李经理"


def test_pdf_junk_title_ignored(make_pdf: MakePdf) -> None:
    path = make_pdf("报价单.pdf", [QUOTE], title="Microsoft Word - 报价单.doc")
    assert extract(path).title is None


def test_pdf_empty_user_password_decrypted(make_pdf: MakePdf, tmp_path: Path) -> None:
    path = _encrypt(make_pdf("原件.pdf", [QUOTE]), tmp_path / "加密.pdf", user_password="")
    assert QUOTE in extract(path).text


def test_pdf_real_password_raises(make_pdf: MakePdf, tmp_path: Path) -> None:
    path = _encrypt(make_pdf("原件.pdf", [QUOTE]), tmp_path / "加密.pdf", user_password="1234")
    with pytest.raises(ExtractionError) as raised:
        extract(path)
    assert "需要密码" in raised.value.reason


def test_pdf_page_without_text_counted(make_pdf: MakePdf) -> None:
    path = make_pdf("扫描.pdf", [QUOTE, None, "第三页"])
    assert extract(path).pages_without_text == 1


def test_pdf_page_without_text_needs_ocr(make_pdf: MakePdf) -> None:
    path = make_pdf("扫描.pdf", [QUOTE, None, "第三页"])
    assert extract(path).needs_ocr is True


def test_pdf_text_pages_kept_beside_empty_page(make_pdf: MakePdf) -> None:
    path = make_pdf("扫描.pdf", [QUOTE, None, "第三页"])
    assert extract(path).text.splitlines() == [QUOTE, "第三页"]


def test_pdf_all_pages_empty_returns_document(make_pdf: MakePdf) -> None:
    document = extract(make_pdf("扫描.pdf", [None, None], title="扫描合同"))
    assert (document.text, document.title, document.needs_ocr, document.pages) == ("", "扫描合同", True, 2)


def test_pdf_text_document_does_not_need_ocr(make_pdf: MakePdf) -> None:
    assert extract(make_pdf("报价单.pdf", [QUOTE])).needs_ocr is False


def _private_use(char: str) -> str:
    return chr(0xE000 + ord(char) % 0x1000)


@pytest.fixture
def garbled_pdf(make_pdf: MakePdf) -> Path:
    """A PDF whose ToUnicode map sends every character to the Private Use Area."""
    return make_pdf("乱码.pdf", [QUOTE, "第二页：安装调试费另计"], unicode_of=_private_use)


def test_pdf_garbled_text_not_returned(garbled_pdf: Path) -> None:
    text = extract(garbled_pdf).text
    assert not any(0xE000 <= ord(char) <= 0xF8FF for char in text)


def test_pdf_garbled_pages_noted(garbled_pdf: Path) -> None:
    assert any("文字编码无法识别" in note for note in extract(garbled_pdf).notes)


def test_pdf_garbled_pages_need_ocr(garbled_pdf: Path) -> None:
    assert extract(garbled_pdf).needs_ocr is True


def test_pdf_garbled_scattered_scripts_detected(make_pdf: MakePdf) -> None:
    # Glyph ids read as code points land in unrelated scripts, one character each.
    scattered = iter("\u0411\u084e\u0586\u011f\u11c6\u0b3f\u0aeb\u03f0\u0111\u0763\u0da5\u0586\u084e")
    mapping: dict[str, str] = {}
    path = make_pdf("乱码.pdf", [QUOTE], unicode_of=lambda char: mapping.setdefault(char, next(scattered)))
    assert extract(path).text == ""


def test_pdf_kangxi_radicals_normalised(make_pdf: MakePdf) -> None:
    radicals = {"方": "\u2f45", "用": "\u2f64", "一": "\u2f00"}
    path = make_pdf("化学.pdf", ["热化学方程式的用法之一"], unicode_of=lambda char: radicals.get(char, char))
    assert "热化学方程式的用法之一" in extract(path).text


def test_pdf_missing_xref_read_by_fallback(make_pdf: MakePdf, tmp_path: Path) -> None:
    data = make_pdf("原件.pdf", [QUOTE]).read_bytes()
    damaged = tmp_path / "损坏.pdf"
    # Drop the xref table and the startxref pointer but keep the trailer.
    damaged.write_bytes(data[: data.index(b"xref")] + data[data.index(b"trailer"): data.index(b"startxref")])
    assert QUOTE in extract(damaged).text


def test_pdf_unreadable_raises_extraction_error(tmp_path: Path) -> None:
    path = tmp_path / "损坏.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    with pytest.raises(ExtractionError) as raised:
        extract(path)
    assert "PDF 文件已损坏" in raised.value.reason


def test_pdf_spaces_between_chinese_characters_removed(make_pdf: MakePdf) -> None:
    path = make_pdf("开票.pdf", ["开 票 通 知 单 ABC 123"])
    assert "开票通知单" in extract(path).text
