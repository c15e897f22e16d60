"""Encoding detection and decoding of .txt, .md and .csv files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from kb.ingest.extractors import extract
from kb.ingest.extractors.encoding import decode_bytes

GBK_NOTE = "运费由买方承担，请于本周五前回复。"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_text_short_gbk_not_read_as_korean(tmp_path: Path) -> None:
    path = _write(tmp_path, "回复.txt", GBK_NOTE.encode("gbk"))
    assert extract(path).text == GBK_NOTE


@pytest.mark.parametrize(
    "note", ["价格含税，运费另计。", "质保期两年。", "安装调试费另计。", "备注：请于本周五前回复。"]
)
def test_text_short_gbk_notes_decode(tmp_path: Path, note: str) -> None:
    path = _write(tmp_path, "备注.txt", note.encode("gbk"))
    assert extract(path).text == note


def test_text_gb18030_keeps_characters_gbk_lacks(tmp_path: Path) -> None:
    text = "䶮辉科技有限公司：报价单已收到。"
    path = _write(tmp_path, "生僻字.txt", text.encode("gb18030"))
    assert extract(path).text == text


def test_text_gb2312_of_even_length_not_utf16(tmp_path: Path) -> None:
    text = "搜狐在线，中文网站导航。"
    data = text.encode("gb2312")
    assert len(data) % 2 == 0
    path = _write(tmp_path, "网页.txt", data)
    assert extract(path).text == text


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_text_bom_decodes_and_is_removed(tmp_path: Path, bom: bytes, encoding: str) -> None:
    text = "姓名,电话\n张三,13800000000"
    path = _write(tmp_path, "客户.csv", bom + text.encode(encoding))
    assert extract(path).text == text


def test_text_utf16_without_bom_from_nul_bytes(tmp_path: Path) -> None:
    text = "Unicode 符号化形式 UTF-16 (2024)"
    path = _write(tmp_path, "说明.txt", text.encode("utf-16-le"))
    assert extract(path).text == text


def test_text_big5_decodes_as_traditional(tmp_path: Path) -> None:
    text = "孫子曰：兵者，國之大事，死生之地，存亡之道，不可不察也。"
    path = _write(tmp_path, "兵法.txt", text.encode("cp950"))
    assert extract(path).text == text


def test_text_shift_jis_decodes(tmp_path: Path) -> None:
    text = "名前,年齢\n佐藤太郎,30\n鈴木花子,25"
    path = _write(tmp_path, "名簿.csv", text.encode("cp932"))
    assert extract(path).text == text


def test_text_crlf_and_nul_normalised(tmp_path: Path) -> None:
    path = _write(tmp_path, "记录.txt", "第一行\r\n第二行\x00\r第三行".encode("utf-8"))
    assert extract(path).text == "第一行\n第二行\n第三行"


def test_markdown_title_from_first_heading(tmp_path: Path) -> None:
    path = _write(tmp_path, "方案.md", "前言\n\n# 智能面板推广方案\n\n## 目标".encode("utf-8"))
    assert extract(path).title == "智能面板推广方案"


def test_txt_first_line_is_not_title(tmp_path: Path) -> None:
    path = _write(tmp_path, "说明.txt", "# 不是标题\n正文".encode("utf-8"))
    assert extract(path).title is None


def test_csv_format_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "清单.csv", "品名,数量\n智能面板,10".encode("utf-8"))
    assert extract(path).format == "csv"


def test_decode_bytes_prefers_gb18030_for_chinese() -> None:
    assert decode_bytes("安装调试费另计".encode("gbk")).encoding == "gb18030"
