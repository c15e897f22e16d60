"""模板库: blank forms with 【placeholders】 for quotes, cases, proposals, estimates and minutes."""

from __future__ import annotations

from pathlib import Path

from openpyxl.styles import Font

from sample_data.world import COMPANY, SERVICE_DAY_RATE, STAFF, TAX_RATE, at
from sample_data.writers import (
    Meta, Workbook, docx_grouped_header_table, docx_text_box, new_docx, new_pptx, pptx_bullet_slide,
    pptx_group_slide, pptx_table_slide, pptx_title_slide, render_docx, save_docx, save_pptx, save_xlsx,
    style_body, style_header, write_text,
)


def quote_template_xlsx(path: Path) -> None:
    """Empty item lines still carry formulas, so their cached values are zero."""
    book = Workbook()
    ws = book.sheet("报价单")
    ws.merge_cells("A1:G1")
    ws["A1"] = COMPANY
    ws["A1"].font = Font(size=16, bold=True)
    ws.merge_cells("A2:G2")
    ws["A2"] = "报价单"
    ws["A3"] = "客户：【客户名称】"
    ws["E3"] = "编号：HC-BJ-【年份】-【序号】"
    ws["G3"] = "日期：【日期】"
    ws.append(["序号", "产品型号", "名称", "数量", "单价（元）", "金额（元）", "备注"])
    style_header(ws, 4, 1, 7)
    for row in range(5, 15):
        ws.cell(row=row, column=1, value=row - 4)
        book.formula(ws, f"F{row}", f"D{row}*E{row}", 0)
    style_body(ws, 5, 14, 1, 7)
    ws["E15"], ws["E16"], ws["E17"], ws["E18"] = "小计（不含税）", "税率", "税额", "含税合计"
    book.formula(ws, "F15", "SUM(F5:F14)", 0)
    ws["F16"] = TAX_RATE
    book.formula(ws, "F17", "ROUND(F15*F16,2)", 0)
    book.formula(ws, "F18", "F15+F17", 0)
    ws["A20"] = "商务条款：1. 报价有效期【天数】天；2. 交货期【交货期】；3. 付款方式【付款方式】。"
    ws["A21"] = "说明：型号按价格表正式写法填写；折扣权限见《华辰电子报价管理制度》。"
    for column, width in zip("ABCDEFG", (6, 16, 34, 8, 14, 16, 30)):
        ws.column_dimensions[column].width = width
    save_xlsx(book, path, Meta("报价单模板（标准版）", STAFF["zhou"], at(2023, 7, 1)))


def estimate_template_xlsx(path: Path) -> None:
    book = Workbook()
    ws = book.sheet("成本测算")
    ws["A1"] = "项目：【商机名称】"
    ws.append([])
    ws.append(["序号", "成本项", "数量", "单位成本（元）", "成本小计（元）", "销售单价（元）", "销售额（元）"])
    style_header(ws, 3, 1, 7)
    for row in range(4, 12):
        ws.cell(row=row, column=1, value=row - 3)
        book.formula(ws, f"E{row}", f"C{row}*D{row}", 0)
        book.formula(ws, f"G{row}", f"C{row}*F{row}", 0)
    ws["B12"] = "合计"
    book.formula(ws, "E12", "SUM(E4:E11)", 0)
    book.formula(ws, "G12", "SUM(G4:G11)", 0)
    labour = book.sheet("人工")
    labour.append(["岗位", "人天", "日成本（元）", "金额（元）"])
    for row, role in enumerate(["项目经理", "现场工程师", "方案工程师"], start=2):
        labour.append([role, 0, {"项目经理": 1800, "现场工程师": 1450, "方案工程师": 1600}[role]])
        book.formula(labour, f"D{row}", f"B{row}*C{row}", 0)
    book.formula(labour, "D5", "SUM(D2:D4)", 0)
    summary = book.sheet("汇总")
    summary.append(["指标", "金额（元）"])
    summary.append(["收入（不含税）"])
    summary.append(["总成本"])
    summary.append(["毛利率"])
    book.formula(summary, "B2", "'成本测算'!G12", 0)
    book.formula(summary, "B3", "'成本测算'!E12+'人工'!D5", 0)
    book.formula(summary, "B4", "IF(B2=0,0,(B2-B3)/B2)", 0, "0.0%")
    summary["A6"] = "毛利率要求：设备类 ≥ 25%，服务类 ≥ 35%。"
    save_xlsx(book, path, Meta("测算表模板", STAFF["sun"], at(2024, 2, 20)))


REPAIR_QUOTE = [
    ("h1", "维修服务报价单"),
    ("p", "致：【客户名称】　　联系人：【联系人】\n报价编号：HC-BJ-【年份】-【序号】　　日期：【日期】"),
    ("p", "贵单位【设备型号】【设备名称】（序列号【序列号】）经我司工程师检测，故障现象为【故障现象】。维修报价如下："),
    ("table", [["序号", "维修项目", "数量", "单价（元）", "金额（元）"], ["1", "【备件或项目】", "【数量】", "【单价】", "【金额】"],
               ["2", "现场维修技术服务（人天）", "【人天】", f"{SERVICE_DAY_RATE}", "【金额】"],
               ["合计（含税 13%）", "", "", "", "【含税合计】"]], "维修报价明细"),
    ("p", "说明：1. 更换部件质保 6 个月；2. 报价有效期 30 天；3. 维修完成经用户签字确认后 30 日内付款。"),
    ("p", f"{COMPANY}（盖章）　　经办人：【销售姓名】　电话：【电话】"),
]

PROPOSAL = [
    ("h1", "【客户名称】【项目名称】技术方案"),
    ("p", "方案编号：HC-FA-【年份】-【序号】　版本：V【版本】　编制：【方案工程师】"),
    ("h2", "1 项目背景"), ("p", "【简述客户业务、现状和本项目的起因，200 字以内】"),
    ("h2", "2 需求分析"), ("bullets", ["【功能需求】", "【性能指标，例如探测距离、MTBF、防护等级】", "【工期与环境约束】"]),
    ("h2", "3 总体方案"), ("p", "【系统组成、架构图说明】"),
    ("h2", "4 设备配置"), ("table", [["设备", "型号", "数量", "用途"], ["【设备】", "【型号】", "【数量】", "【用途】"]], "主要设备配置"),
    ("h2", "5 实施计划"), ("steps", ["【阶段一】", "【阶段二】", "【验收】"]),
    ("h2", "6 维护保障方案"), ("p", "【质保期、SLA、备件、培训】"),
    ("h2", "7 类似案例"), ("p", "【引用案例库中同行业案例，写明客户、设备和量化效果】"),
]


def case_template_docx(path: Path) -> None:
    doc = new_docx(f"{COMPANY}  客户案例", "HC-AL-【年份】-【序号】")
    doc.add_heading("【客户简称】【产品型号】【项目类型】案例", level=1)
    doc.add_paragraph("客户：【客户名称】（【客户简称】）    行业：【行业】    区域：【区域】")
    for label, hint in [("客户背景", "【客户规模、业务特点、使用我司设备的情况】"),
                        ("问题与需求", "【客户遇到的问题，尽量给出数据，例如停机时间、故障次数】"),
                        ("解决方案", "【我们做了什么：设备、服务、实施方法，分条列出】"),
                        ("实施效果", "【量化效果：可用率、修复时间、效率提升；客户评价】")]:
        doc.add_heading(label, level=2)
        doc.add_paragraph(hint)
    doc.add_heading("设备与服务清单", level=2)
    docx_grouped_header_table(doc, [("设备信息", 3), ("服务信息", 2)], ["型号", "名称", "数量", "服务内容", "周期"],
                              [["【型号】", "【名称】", "【数量】", "【服务内容】", "【周期】"]])
    docx_text_box(doc, ["填写提示：案例中引用客户名称前，须确认客户同意公开。"])
    save_docx(doc, path, Meta("案例模板", STAFF["liu"], at(2023, 5, 4)))


def deck_template(path: Path) -> None:
    prs = new_pptx()
    pptx_title_slide(prs, "【产品或方案名称】", "【客户名称】交流材料　【日期】", "封面：替换客户名称和日期。")
    pptx_bullet_slide(prs, "客户需求理解", ["【需求一】", "【需求二】", "【需求三】"], "先复述客户需求，确认理解一致。")
    pptx_group_slide(prs, "方案概览", [("【模块一】", "【说明】"), ("【模块二】", "【说明】"), ("【模块三】", "【说明】")],
                     "三个方块为组合图形，可整体复制。")
    pptx_table_slide(prs, "主要指标", [["指标", "参数", "说明"], ["【指标】", "【参数】", "【说明】"]], "指标与价格表、技术方案保持一致。")
    pptx_bullet_slide(prs, "类似案例", ["【案例一：客户、效果】", "【案例二：客户、效果】"], "从案例库选择同行业案例。")
    save_pptx(prs, path, Meta("产品宣讲 PPT 模板", STAFF["zhou"], at(2024, 1, 18)))


MINUTES_MD = """# 会议纪要模板

- 会议名称：【会议名称】
- 时间：【YYYY-MM-DD HH:MM】
- 地点：【地点/线上会议号】
- 主持：【主持人】　记录：【记录人】
- 参会：【客户方】；【我方】

## 一、会议议题

1. 【议题】

## 二、讨论内容与结论

| 议题 | 结论 | 负责人 | 完成时间 |
| --- | --- | --- | --- |
| 【议题】 | 【结论】 | 【负责人】 | 【日期】 |

## 三、待办事项

- [ ] 【负责人】：【事项】（【截止日期】）

> 纪要发出后请存入知识库"文件库/会议纪要"，文件名格式：YYYY-MM-DD_主题纪要。
"""

VISIT_TXT = """客户拜访记录模板

拜访日期：【日期】
客户名称：【客户全称】　客户简称：【简称】
行业：【气象/航运/电力/民航/通信】
拜访对象：【姓名、职务、电话】
我方人员：【姓名】
关联商机：【商机名称，例如 苏气象2025雷达升级】

一、拜访目的
【介绍产品 / 技术交流 / 报价沟通 / 维修回访】

二、客户现状
现有设备：【型号、数量、使用年限】
存在问题：【故障、维修、维护需求】

三、客户需求与关注点
【预算、时间、技术指标、服务要求】

四、下一步计划
【提交报价 / 技术方案 / 安排演示】　完成时间：【日期】

备注：拜访记录请在3个工作日内录入CRM。
"""


def build(out: Path) -> list[Path]:
    out = out / "templates"
    paths = [out / "报价单模板_标准版.xlsx", out / "测算表模板.xlsx", out / "案例模板.docx", out / "产品宣讲PPT模板.pptx"]
    quote_template_xlsx(paths[0])
    estimate_template_xlsx(paths[1])
    case_template_docx(paths[2])
    deck_template(paths[3])

    path = out / "报价单模板_维修服务.docx"
    render_docx(path, Meta("报价单模板（维修服务）", STAFF["zhao"], at(2024, 1, 15)), REPAIR_QUOTE, footer="HC-MB-003")
    paths.append(path)
    path = out / "技术方案模板.docx"
    render_docx(path, Meta("技术方案模板", STAFF["sun"], at(2023, 9, 6)), PROPOSAL, footer="HC-MB-005")
    paths.append(path)
    path = out / "会议纪要模板.md"
    write_text(path, MINUTES_MD, Meta(None, STAFF["zhou"], at(2023, 3, 2)))
    paths.append(path)
    path = out / "客户拜访记录模板.txt"
    write_text(path, VISIT_TXT, Meta(None, STAFF["zhou"], at(2023, 3, 2)))
    paths.append(path)
    return paths
