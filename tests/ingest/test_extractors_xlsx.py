"""Excel .xlsx extraction: sheets, formulas without cached values, comments, dates, merged cells."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from kb.ingest.extractors import extract
from kb.ingest.extractors import xlsx as xlsx_extractor
from kb.ingest.types import ExtractionError


def _quote_workbook(path: Path) -> Path:
    """Write a quote summary whose formulas have no cached values, as openpyxl saves them."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "报价汇总"
    sheet.append(["品名", "数量", "单价", "小计"])
    sheet.append(["智能面板JDX-2000", 10, 1280, "=B2*C2"])
    sheet.append(["安装辅材", 1, 12800, "=B3*C3"])
    sheet.append([None, None, "合计", "=SUM(D2:D3)"])
    sheet.append([None, None, "汇率折算", "=VLOOKUP(A2,汇率!A:B,2,0)"])
    workbook.save(path)
    return path


def _rewrite_part(path: Path, part: str, edit: dict[bytes, bytes], extra: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    for old, new in edit.items():
        contents[part] = contents[part].replace(old, new)
    contents.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


@pytest.fixture
def no_cache_xlsx(tmp_path: Path) -> Path:
    return _quote_workbook(tmp_path / "报价汇总_无缓存.xlsx")


@pytest.fixture
def zero_cache_xlsx(tmp_path: Path) -> Path:
    path = _quote_workbook(tmp_path / "报价汇总_零缓存.xlsx")
    _rewrite_part(path, "xl/worksheets/sheet1.xml", {b"<v></v>": b"<v>0</v>", b"<v />": b"<v>0</v>"})
    return path


@pytest.mark.parametrize("fixture", ["no_cache_xlsx", "zero_cache_xlsx"])
def test_xlsx_uncached_total_computed(fixture: str, request: pytest.FixtureRequest) -> None:
    lines = extract(request.getfixturevalue(fixture)).text.splitlines()
    assert "合计\t25600" in lines


@pytest.mark.parametrize("fixture", ["no_cache_xlsx", "zero_cache_xlsx"])
def test_xlsx_uncached_product_computed(fixture: str, request: pytest.FixtureRequest) -> None:
    lines = extract(request.getfixturevalue(fixture)).text.splitlines()
    assert "智能面板JDX-2000\t10\t1280\t12800" in lines


@pytest.mark.parametrize("fixture", ["no_cache_xlsx", "zero_cache_xlsx"])
def test_xlsx_uncomputable_formula_marked(fixture: str, request: pytest.FixtureRequest) -> None:
    lines = extract(request.getfixturevalue(fixture)).text.splitlines()
    assert "汇率折算\t=VLOOKUP(A2,汇率!A:B,2,0)（未计算）" in lines


def test_xlsx_zero_cache_trusted_after_excel_calculation(tmp_path: Path) -> None:
    path = _quote_workbook(tmp_path / "已计算.xlsx")
    _rewrite_part(path, "xl/worksheets/sheet1.xml", {b"<v></v>": b"<v>0</v>", b"<v />": b"<v>0</v>"},
                  extra={"xl/calcChain.xml": b'<calcChain xmlns="http://schemas.openxmlformats.org/'
                                             b'spreadsheetml/2006/main"><c r="D2" i="1"/></calcChain>'})
    assert "合计\t0" in extract(path).text.splitlines()


@pytest.fixture
def varied_xlsx(tmp_path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "客户"
    sheet["A1"] = "商品名\r\n称"
    sheet["B1"] = "Model\nJDX"
    sheet["A2"] = "签约日期"
    sheet["B2"] = datetime(2020, 1, 1)
    sheet["B2"].number_format = 'yyyy"年"m"月"d"日"'
    sheet["A3"] = "发货日期"
    sheet["B3"] = datetime(2020, 3, 5)
    sheet["B3"].number_format = "yyyy-mm-dd"
    sheet["A4"] = "联系人"
    sheet["A4"].comment = Comment("成品料的案子名稱", "王工")
    sheet["A5"] = "华东区域合并单元格"
    sheet.merge_cells("A5:C5")
    sheet["A6"] = "税率"
    sheet["B6"] = 0.13
    sheet["B6"].number_format = "0%"
    workbook.create_sheet("重算文件")["A1"] = "单据号"
    workbook.properties.title = "客户信息汇总"
    workbook.save(tmp_path / "客户.xlsx")
    return tmp_path / "客户.xlsx"


def test_xlsx_sheet_names_in_text(varied_xlsx: Path) -> None:
    assert "工作表：重算文件" in extract(varied_xlsx).text.splitlines()


def test_xlsx_second_sheet_cells_read(varied_xlsx: Path) -> None:
    assert "单据号" in extract(varied_xlsx).text.splitlines()


def test_xlsx_line_break_between_cjk_removed(varied_xlsx: Path) -> None:
    assert "商品名称\tModel JDX" in extract(varied_xlsx).text.splitlines()


def test_xlsx_chinese_date_format(varied_xlsx: Path) -> None:
    assert "签约日期\t2020年1月1日" in extract(varied_xlsx).text.splitlines()


def test_xlsx_other_date_iso(varied_xlsx: Path) -> None:
    assert "发货日期\t2020-03-05" in extract(varied_xlsx).text.splitlines()


def test_xlsx_comment_read(varied_xlsx: Path) -> None:
    assert "成品料的案子名稱" in extract(varied_xlsx).text


def test_xlsx_merged_cell_read_once(varied_xlsx: Path) -> None:
    assert extract(varied_xlsx).text.count("华东区域合并单元格") == 1


def test_xlsx_percent_format(varied_xlsx: Path) -> None:
    assert "税率\t13%" in extract(varied_xlsx).text.splitlines()


def test_xlsx_title_from_properties(varied_xlsx: Path) -> None:
    assert extract(varied_xlsx).title == "客户信息汇总"


def test_xlsx_rows_beyond_limit_cut_with_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_extractor, "MAX_ROWS_PER_SHEET", 5)
    workbook = openpyxl.Workbook()
    for number in range(1, 11):
        workbook.active.append([f"第{number}行"])
    workbook.save(tmp_path / "长表.xlsx")
    document = extract(tmp_path / "长表.xlsx")
    assert "第5行" in document.text
    assert "第6行" not in document.text
    assert any("只读取了前 5 行" in note for note in document.notes)


def test_xlsx_truncated_raises_extraction_error(no_cache_xlsx: Path, tmp_path: Path) -> None:
    broken = tmp_path / "损坏.xlsx"
    broken.write_bytes(no_cache_xlsx.read_bytes()[:400])
    with pytest.raises(ExtractionError) as raised:
        extract(broken)
    assert "Excel 文件已损坏" in raised.value.reason
