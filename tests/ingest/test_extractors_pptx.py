"""PowerPoint .pptx extraction: nested groups, tables, charts, equations and speaker notes."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from kb.ingest.extractors import extract
from kb.ingest.types import ExtractionError

NAMESPACES = (
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:a14="http://schemas.microsoft.com/office/drawing/2010/main" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'
)
EQUATION_SHAPE = f"""
<mc:AlternateContent {NAMESPACES}>
  <mc:Choice Requires="a14">
    <p:sp><p:nvSpPr><p:cNvPr id="90" name="公式"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr/>
      <p:txBody><a:bodyPr/><a:p><a:r><a:t>公式前</a:t></a:r>
        <a14:m><m:oMathPara><m:oMath><m:r><m:t>P=UI</m:t></m:r></m:oMath></m:oMathPara></a14:m>
      </a:p></p:txBody></p:sp>
  </mc:Choice>
  <mc:Fallback>
    <p:sp><p:nvSpPr><p:cNvPr id="90" name="公式"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr/>
      <p:txBody><a:bodyPr/><a:p><a:r><a:t>公式前</a:t></a:r></a:p></p:txBody></p:sp>
  </mc:Fallback>
</mc:AlternateContent>
"""


@pytest.fixture
def campaign_pptx(tmp_path: Path) -> Path:
    presentation = Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[0])
    first.shapes.title.text = "连锁酒店推广方案"
    first.notes_slide.notes_text_frame.text = "讲解时强调产品已通过节能认证"

    second = presentation.slides.add_slide(presentation.slide_layouts[6])
    outer = second.shapes.add_group_shape()
    inner = outer.shapes.add_group_shape()
    inner.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(1)).text_frame.text = "样板间布置在大堂旁"
    table = second.shapes.add_table(2, 2, Inches(1), Inches(3), Inches(4), Inches(1)).table
    for row, (label, value) in enumerate([("预算", "十二万元"), ("工期", "三周")]):
        table.cell(row, 0).text = label
        table.cell(row, 1).text = value

    third = presentation.slides.add_slide(presentation.slide_layouts[6])
    chart_data = CategoryChartData()
    chart_data.categories = ["华东", "华南"]
    chart_data.add_series("销售额", (120, 80))
    third.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1), Inches(4), Inches(3), chart_data)
    third.shapes._spTree.append(etree.fromstring(EQUATION_SHAPE))

    path = tmp_path / "宣传方案.pptx"
    presentation.save(path)
    return path


def test_pptx_nested_group_text_read(campaign_pptx: Path) -> None:
    assert "样板间布置在大堂旁" in extract(campaign_pptx).text.splitlines()


def test_pptx_table_row_beside_label(campaign_pptx: Path) -> None:
    assert "预算\t十二万元" in extract(campaign_pptx).text.splitlines()


def test_pptx_speaker_notes_read(campaign_pptx: Path) -> None:
    assert "讲解时强调产品已通过节能认证" in extract(campaign_pptx).text


def test_pptx_title_placeholder_text_read(campaign_pptx: Path) -> None:
    assert "连锁酒店推广方案" in extract(campaign_pptx).text.splitlines()


def test_pptx_chart_names_read(campaign_pptx: Path) -> None:
    assert "销售额  华东  华南" in extract(campaign_pptx).text.splitlines()


def test_pptx_equation_text_read(campaign_pptx: Path) -> None:
    assert "公式前P=UI" in extract(campaign_pptx).text.splitlines()


def test_pptx_alternate_content_read_once(campaign_pptx: Path) -> None:
    assert extract(campaign_pptx).text.count("公式前") == 1


def test_pptx_title_from_first_slide_when_core_title_default(campaign_pptx: Path) -> None:
    assert extract(campaign_pptx).title == "连锁酒店推广方案"


def test_pptx_slide_count(campaign_pptx: Path) -> None:
    assert extract(campaign_pptx).pages == 3


def test_pptx_truncated_raises_extraction_error(campaign_pptx: Path, tmp_path: Path) -> None:
    broken = tmp_path / "损坏.pptx"
    broken.write_bytes(campaign_pptx.read_bytes()[:2000])
    with pytest.raises(ExtractionError) as raised:
        extract(broken)
    assert "PowerPoint 文件已损坏" in raised.value.reason
