"""Word .docx extraction: text boxes, content controls, tracked changes, notes, headers and footers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kb.ingest.extractors import extract
from kb.ingest.types import ExtractionError

MakeDocx = Callable[..., Path]


def p(text: str, style: str | None = None) -> str:
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{properties}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def drawing_text_box(text: str) -> str:
    """Return a run holding a DrawingML text box with its VML fallback, as Word writes it."""
    return (
        "<w:r><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
        f"<wps:wsp><wps:txbx><w:txbxContent>{p(text)}</w:txbxContent></wps:txbx></wps:wsp>"
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><v:shape><v:textbox>"
        f"<w:txbxContent>{p(text)}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )


def vml_text_box(text: str) -> str:
    return f"<w:r><w:pict><v:shape><v:textbox><w:txbxContent>{p(text)}</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"


SECTION = (
    '<w:sectPr><w:headerReference w:type="default" r:id="rIdheader1"/>'
    '<w:headerReference w:type="first" r:id="rIdheader2"/>'
    '<w:footerReference w:type="default" r:id="rIdfooter1"/></w:sectPr>'
)


@pytest.fixture
def quote_docx(make_docx: MakeDocx) -> Path:
    body = (
        p("报价说明")
        + f"<w:p><w:r><w:t>报价有效期三十天。</w:t></w:r>{drawing_text_box('备注：安装调试费另计')}</w:p>"
        + f"<w:p>{vml_text_box('VML 文本框：含运费')}</w:p>"
        + SECTION
    )
    parts = {
        "header1.xml": p("华东区域项目部"),
        "header2.xml": p("华东区域项目部"),
        "footer1.xml": p("编号 QT-2024-017"),
    }
    return make_docx("报价说明.docx", body, parts=parts)


def test_docx_drawingml_text_box_read(quote_docx: Path) -> None:
    assert "备注：安装调试费另计" in extract(quote_docx).text


def test_docx_text_box_fallback_not_doubled(quote_docx: Path) -> None:
    assert extract(quote_docx).text.count("安装调试费另计") == 1


def test_docx_vml_text_box_read(quote_docx: Path) -> None:
    assert "VML 文本框：含运费" in extract(quote_docx).text


def test_docx_header_read(quote_docx: Path) -> None:
    assert "华东区域项目部" in extract(quote_docx).text


def test_docx_identical_headers_deduplicated(quote_docx: Path) -> None:
    assert extract(quote_docx).text.count("华东区域项目部") == 1


def test_docx_footer_read(quote_docx: Path) -> None:
    assert "QT-2024-017" in extract(quote_docx).text


def test_docx_body_paragraph_read(quote_docx: Path) -> None:
    assert "报价有效期三十天。" in extract(quote_docx).text.splitlines()


@pytest.fixture
def customer_docx(make_docx: MakeDocx) -> Path:
    cell = lambda text: f"<w:tc>{p(text)}</w:tc>"  # noqa: E731
    sdt = lambda inner: f"<w:sdt><w:sdtPr/><w:sdtContent>{inner}</w:sdtContent></w:sdt>"  # noqa: E731
    body = (
        sdt(p("项目地址：滨江花园三期"))
        + "<w:tbl>"
        + f"<w:tr>{cell('付款方式')}{sdt(cell('银行承兑汇票'))}</w:tr>"
        + sdt(f"<w:tr>{cell('发票类型')}{cell('增值税专用发票')}</w:tr>")
        + "</w:tbl>"
        + f"<w:p><w:r><w:t>联系人：</w:t></w:r>{sdt('<w:r><w:t>王女士</w:t></w:r>')}</w:p>"
    )
    return make_docx("客户信息表.docx", body)


def test_docx_block_content_control_read(customer_docx: Path) -> None:
    assert "项目地址：滨江花园三期" in extract(customer_docx).text


def test_docx_cell_content_control_beside_label(customer_docx: Path) -> None:
    assert "付款方式\t银行承兑汇票" in extract(customer_docx).text.splitlines()


def test_docx_row_content_control_read(customer_docx: Path) -> None:
    assert "发票类型\t增值税专用发票" in extract(customer_docx).text.splitlines()


def test_docx_run_content_control_inline(customer_docx: Path) -> None:
    assert "联系人：王女士" in extract(customer_docx).text.splitlines()


@pytest.fixture
def revised_docx(make_docx: MakeDocx) -> Path:
    body = (
        "<w:p><w:r><w:t>交货期</w:t></w:r>"
        '<w:ins w:id="1" w:author="张工"><w:r><w:t>四十五天</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="张工"><w:r><w:delText>三十天</w:delText></w:r></w:del></w:p>'
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>第1页</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        "<w:tbl><w:tr><w:tc>" + p("外层单元格")
        + "<w:tbl><w:tr><w:tc>" + p("内层标签") + "</w:tc><w:tc>" + p("内层数值") + "</w:tc></w:tr></w:tbl>"
        + p("") + "</w:tc></w:tr></w:tbl>"
        + '<w:p><w:r><w:t>正文</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>'
    )
    parts = {
        "footnotes.xml": '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="1">{p("脚注：价格以合同为准")}</w:footnote>',
        "endnotes.xml": f'<w:endnote w:id="1">{p("尾注：数据来自销售部")}</w:endnote>',
        "comments.xml": f'<w:comment w:id="0" w:author="李经理">{p("批注：请核对单价")}</w:comment>',
    }
    return make_docx("修订.docx", body, parts=parts)


def test_docx_tracked_insertion_included(revised_docx: Path) -> None:
    assert "交货期四十五天" in extract(revised_docx).text.splitlines()


def test_docx_tracked_deletion_excluded(revised_docx: Path) -> None:
    assert "三十天" not in extract(revised_docx).text


def test_docx_field_code_excluded(revised_docx: Path) -> None:
    assert "PAGE" not in extract(revised_docx).text


def test_docx_field_result_included(revised_docx: Path) -> None:
    assert "第1页" in extract(revised_docx).text


def test_docx_nested_table_row_read(revised_docx: Path) -> None:
    assert "内层标签\t内层数值" in extract(revised_docx).text.splitlines()


def test_docx_outer_cell_read(revised_docx: Path) -> None:
    assert "外层单元格" in extract(revised_docx).text.splitlines()


@pytest.mark.parametrize("note", ["脚注：价格以合同为准", "尾注：数据来自销售部", "批注：请核对单价"])
def test_docx_notes_and_comments_read(revised_docx: Path, note: str) -> None:
    assert note in extract(revised_docx).text


HEADING_STYLES = (
    '<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Normal"/></w:style>'
)


def test_docx_title_from_core_properties(make_docx: MakeDocx) -> None:
    path = make_docx("a.docx", p("正文"), title="华东区域年度报价")
    assert extract(path).title == "华东区域年度报价"


def test_docx_title_from_first_heading(make_docx: MakeDocx) -> None:
    path = make_docx("a.docx", p("前言", "a3") + p("智能面板安装方案", "1"), styles=HEADING_STYLES)
    assert extract(path).title == "智能面板安装方案"


def test_docx_junk_core_title_ignored(make_docx: MakeDocx) -> None:
    path = make_docx("a.docx", p("正文"), title="Microsoft Word - 报价.doc")
    assert extract(path).title is None


def test_docx_author_from_core_properties(make_docx: MakeDocx) -> None:
    path = make_docx("a.docx", p("正文"))
    assert extract(path).author == "张工"


def test_docx_truncated_raises_extraction_error(make_docx: MakeDocx, tmp_path: Path) -> None:
    whole = make_docx("完整.docx", p("正文") * 200).read_bytes()
    broken = tmp_path / "损坏.docx"
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ExtractionError) as raised:
        extract(broken)
    assert "已损坏" in raised.value.reason


def test_docx_damage_chained_to_library_error(make_docx: MakeDocx, tmp_path: Path) -> None:
    broken = tmp_path / "损坏.docx"
    broken.write_bytes(make_docx("完整.docx", p("正文")).read_bytes()[:300])
    with pytest.raises(ExtractionError) as raised:
        extract(broken)
    assert raised.value.__cause__ is not None
