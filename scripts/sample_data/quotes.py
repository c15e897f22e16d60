"""报价库: quotation workbooks per region, a price list, a CSV export and a letter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl.styles import Alignment, Font

from sample_data.world import (
    ANNUAL_SUPPORT_RATE, COMPANY, COMPANY_ADDRESS, COMPANY_PHONE, CUSTOMERS, PRODUCTS,
    SERVICE_DAY_RATE, STAFF, TAX_RATE, at, wan,
)
from sample_data.writers import (
    Meta, Workbook, docx_table, new_docx, save_docx, save_xlsx, style_body, style_header,
    write_pdf, write_text,
)


@dataclass(frozen=True)
class Line:
    model: str
    name: str
    quantity: float
    price: float
    remark: str = ""


@dataclass(frozen=True)
class Quote:
    path: str
    customer: str
    number: str
    heading: str
    lines: tuple[Line, ...]
    meta: Meta
    terms: tuple[str, ...]
    formulas: bool = True


def product_line(model: str, quantity: float, remark: str = "", price: float | None = None, spelled: str | None = None) -> Line:
    product = PRODUCTS[model]
    return Line(spelled or model, product.name, quantity, price if price is not None else product.price, remark)


def write_quote(out: Path, quote: Quote) -> Path:
    """Write one quotation sheet: item lines with =D*E, a SUM subtotal, tax and total."""
    customer = CUSTOMERS[quote.customer]
    book = Workbook()
    ws = book.sheet("报价单")
    for column, width in zip("ABCDEFG", (6, 16, 34, 8, 14, 16, 30)):
        ws.column_dimensions[column].width = width

    ws.merge_cells("A1:G1")
    ws["A1"] = COMPANY
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A2:G2")
    ws["A2"] = quote.heading
    ws["A2"].font = Font(size=14, bold=True)
    ws["A2"].alignment = Alignment(horizontal="center")
    ws["A3"] = f"客户：{customer.name}"
    ws["E3"] = f"编号：{quote.number}"
    ws["G3"] = f"日期：{quote.meta.created:%Y-%m-%d}"

    ws.append(["序号", "产品型号", "名称", "数量", "单价（元）", "金额（元）", "备注"])
    style_header(ws, 4, 1, 7)
    first = 5
    for index, line in enumerate(quote.lines):
        row = first + index
        ws.cell(row=row, column=1, value=index + 1)
        ws.cell(row=row, column=2, value=line.model)
        ws.cell(row=row, column=3, value=line.name)
        ws.cell(row=row, column=4, value=line.quantity)
        ws.cell(row=row, column=5, value=line.price).number_format = "#,##0.00"
        amount = line.quantity * line.price
        if quote.formulas:
            book.formula(ws, f"F{row}", f"D{row}*E{row}", amount)
        else:
            ws.cell(row=row, column=6, value=amount).number_format = "#,##0.00"
        ws.cell(row=row, column=7, value=line.remark)
    last = first + len(quote.lines) - 1
    style_body(ws, first, last, 1, 7)

    subtotal = sum(line.quantity * line.price for line in quote.lines)
    tax = subtotal * TAX_RATE
    rows = {"sub": last + 1, "rate": last + 2, "tax": last + 3, "total": last + 4}
    ws.cell(row=rows["sub"], column=5, value="小计（不含税）")
    ws.cell(row=rows["rate"], column=5, value="税率")
    ws.cell(row=rows["rate"], column=6, value=TAX_RATE).number_format = "0%"
    ws.cell(row=rows["tax"], column=5, value="税额")
    ws.cell(row=rows["total"], column=5, value="含税合计")
    if quote.formulas:
        book.formula(ws, f"F{rows['sub']}", f"SUM(F{first}:F{last})", subtotal)
        book.formula(ws, f"F{rows['tax']}", f"ROUND(F{rows['sub']}*F{rows['rate']},2)", round(tax, 2))
        book.formula(ws, f"F{rows['total']}", f"F{rows['sub']}+F{rows['tax']}", subtotal + round(tax, 2))
    else:
        ws.cell(row=rows["sub"], column=6, value=subtotal)
        ws.cell(row=rows["tax"], column=6, value=round(tax, 2))
        ws.cell(row=rows["total"], column=6, value=subtotal + round(tax, 2))
    for key in ("sub", "tax", "total"):
        ws.cell(row=rows[key], column=6).number_format = "#,##0.00"
    ws.cell(row=rows["total"], column=5).font = Font(bold=True)
    ws.cell(row=rows["total"], column=7, value=f"折合 {wan(subtotal + round(tax, 2))} 万元")

    row = rows["total"] + 2
    ws.cell(row=row, column=1, value="商务条款：")
    for offset, term in enumerate(quote.terms, start=1):
        ws.cell(row=row + offset, column=1, value=f"{offset}. {term}")
    ws.cell(row=row + len(quote.terms) + 2, column=1, value=f"{COMPANY}  地址：{COMPANY_ADDRESS}  电话：{COMPANY_PHONE}")

    path = out / quote.path
    save_xlsx(book, path, quote.meta)
    return path


STANDARD_TERMS = (
    "以上价格为人民币含运输费用，税率 13%，报价有效期 90 天。",
    "交货期：合同生效且收到预付款后 60 个工作日内。",
    "付款方式：预付 30%，到货验收合格后付 60%，质保金 10% 于质保期满后支付。",
    "质保期：设备整机 24 个月，备件 12 个月。",
)

REPAIR_TERMS = (
    "维修价格含检测、更换备件和整机联调，不含因外力损坏产生的结构件费用。",
    f"现场技术服务按 {SERVICE_DAY_RATE} 元/人天计，差旅费按实结算。",
    "维修后更换部件质保 6 个月，报价有效期 30 天。",
    "付款方式：维修完成并经用户签字确认后 30 日内一次性支付。",
)

QUOTES = (
    Quote(
        "华东区/苏气象_JDX-2000雷达维修报价单_2024.xlsx", "苏气象", "HC-BJ-2024-0312", "JDX-2000 气象雷达维修报价单",
        (
            Line("JDX-2000-TX", "发射机速调管组件（更换）", 1, 412_000, "原管累计工作 2.1 万小时，功率下降"),
            Line("JDX-2000-RF", "接收机 RF 前端模块", 1, 86_500, "含低噪放与限幅器"),
            Line("JDX-2000-SP", "信号处理板（FPGA）", 2, 38_800, "固件升级至 v3.2"),
            Line("SVC-ONSITE", "现场维修技术服务（人天）", 12, SERVICE_DAY_RATE, "2 人 × 6 天"),
            Line("SVC-CAL", "整机标定与回波强度校准", 1, 26_000, "含标准信号源"),
        ),
        Meta("苏气象 JDX-2000 雷达维修报价单", STAFF["zhang"], at(2024, 3, 12), at(2024, 3, 14, 16, 5), "雷达维修报价", "JDX-2000;维修;苏气象"),
        REPAIR_TERMS,
    ),
    Quote(
        "华东区/苏气象_JDX-2000年度保障服务报价_2025.xlsx", "苏气象", "HC-BJ-2024-1108", "2025 年度雷达保障服务报价",
        (
            Line("SVC-ANNUAL", "JDX-2000 年度保障服务（含 2 次巡检）", 3, PRODUCTS["JDX-2000"].price * ANNUAL_SUPPORT_RATE, "南京、徐州、盐城三站"),
            Line("SPARE-PACK", "JDX-2000 关键备件包", 1, 268_000, "含接收机模块、电源模块各 1 套"),
            Line("SVC-REMOTE", "7×24 远程技术支持", 12, 4_500, "按月计，SLA 响应 2 小时"),
        ),
        Meta("苏气象 2025 年度保障服务报价", STAFF["zhang"], at(2024, 11, 8), None, "年度保障", "苏气象2025雷达升级;保障服务"),
        ("年度保障服务期自 2025 年 1 月 1 日至 12 月 31 日。", "故障响应：2 小时远程响应，24 小时到达现场（江苏省内）。",
         "备件包所有权归用户，使用后由我司按原价补充。", "付款方式：合同签订后支付 50%，服务期满半年后支付 50%。"),
    ),
    Quote(
        "华东区/中远海运_JDX-3100导航雷达报价单.xlsx", "中远海运", "HC-BJ-2024-0520", "JDX-3100 船用导航雷达报价单",
        (
            product_line("JDX-3100", 6, "6 艘散货船改造，每船 1 台"),
            Line("JDX-3100-ANT", "6 英尺天线单元（IP67）", 6, 42_000, "替换原 4 英尺天线"),
            Line("SVC-INSTALL", "安装调试（人天）", 18, SERVICE_DAY_RATE, "靠港期间施工"),
            Line("SVC-TRAIN", "船员操作培训", 2, 8_000, "上海、青岛各 1 期"),
        ),
        Meta("中远海运 JDX-3100 导航雷达报价", STAFF["zhang"], at(2024, 5, 20), at(2024, 5, 22), "", "JDX-3100;航运"),
        STANDARD_TERMS,
    ),
    Quote(
        "华东区/国网浙江_TXR-800短波电台报价明细.xlsx", "浙江电力", "HC-BJ-2024-0617", "TXR-800 短波电台报价明细",
        (
            product_line("TXR-800", 11, "11 个地市公司各 1 台"),
            Line("TXR-800-ANT", "宽带短波天线（2–30MHz）", 11, 16_800),
            Line("TXR-800-PWR", "应急电源箱（48V 锂电）", 11, 9_600, "续航 8 小时"),
            Line("SVC-ONSITE", "安装开通（人天）", 22, SERVICE_DAY_RATE),
        ),
        Meta("国网浙江短波电台报价明细", STAFF["zhang"], at(2024, 6, 17), None, "", "浙江电力;应急通信"),
        STANDARD_TERMS,
    ),
    Quote(
        "华南区/深圳空管_QX-7200频谱分析仪报价单.xlsx", "深圳空管", "HC-BJ-2024-0903", "频谱分析仪报价单",
        (
            product_line("QX-7200", 2, "选件：实时频谱 40MHz"),
            Line("QX-7200-OPT-PA", "前置放大器选件", 2, 18_000),
            Line("ANT-DF", "手持定向天线（20MHz–8GHz）", 2, 23_500, "用于干扰源查找"),
            Line("SVC-TRAIN", "频谱监测操作培训", 1, 12_000),
        ),
        Meta("深圳空管频谱分析仪报价单", STAFF["li"], at(2024, 9, 3), at(2024, 9, 5), "频谱分析仪报价", "QX-7200;民航;深圳空管2025频谱监测"),
        STANDARD_TERMS,
    ),
    Quote(
        "华南区/广东移动_ABC-1234综合测试仪报价.xlsx", "广东移动", "HC-BJ-2024-0415", "ABC-1234 综合测试仪报价",
        (
            product_line("ABC-1234", 20, "批量价", price=139_800),
            Line("ABC-1234-KIT", "射频线缆及转接头套件", 20, 3_200),
            Line("SVC-CAL-Y", "首年计量校准服务", 20, 2_600),
        ),
        Meta("广东移动综合测试仪报价", STAFF["li"], at(2024, 4, 15), None, "", "ABC-1234;通信"),
        STANDARD_TERMS,
    ),
    Quote(
        "华南区/南方电网_TXR-900电台价格表.xlsx", "南方电网", "HC-BJ-2024-0726", "TXR-900 超短波电台价格表",
        (
            product_line("TXR-900", 40, "车载型"),
            product_line("TXR-800", 6, "指挥中心固定台"),
            Line("TXR-900-HS", "手持终端", 60, 6_800),
            Line("SPARE-TXR", "备件（电源模块、功放模块）", 1, 96_000, "按 10% 比例配置"),
        ),
        Meta("南方电网电台价格表", STAFF["li"], at(2024, 7, 26), None, "", "南方电网2024应急通信"),
        STANDARD_TERMS,
    ),
    Quote(
        "华北区/华北空管_QX7200及QX7300仪表报价.xlsx", "华北空管", "HC-BJ-2024-1015", "测试仪表报价明细",
        (
            product_line("QX-7200", 1, "", spelled="QX7200"),
            product_line("QX-7300", 1, "", spelled="QX7300"),
            Line("QX-CAL", "仪表联合校准", 2, 5_800),
        ),
        Meta(None, STAFF["chen"], at(2024, 10, 15)),
        STANDARD_TERMS,
    ),
    Quote(
        "华北区/河北联通_测试仪表报价_2024.xlsx", "河北联通", "HC-BJ-2024-0228", "测试仪表报价（ERP 导出）",
        (
            product_line("ABC-1234", 8),
            product_line("QX-7200", 2, "", spelled="ＱＸ－７２００"),
            Line("RENT-QX", "频谱分析仪短期租赁（月）", 3, 12_000, "过渡期使用"),
        ),
        Meta("河北联通测试仪表报价", STAFF["chen"], at(2024, 2, 28)),
        STANDARD_TERMS,
        formulas=False,
    ),
    Quote(
        "华北区/山东电力_TXR-900电台检修报价.xlsx", "山东电力", "HC-BJ-2024-0809", "TXR-900 电台检修报价单",
        (
            Line("TXR-900-PA", "功放模块检修", 14, 3_800),
            Line("TXR-900-PWR", "电源模块更换", 5, 2_900),
            Line("SVC-ONSITE", "现场检修（人天）", 6, SERVICE_DAY_RATE),
        ),
        Meta("山东电力电台检修报价", STAFF["chen"], at(2024, 8, 9)),
        REPAIR_TERMS,
    ),
)


def write_price_list(out: Path) -> Path:
    """Write the 2024 price list: one sheet per category with a channel price formula."""
    book = Workbook()
    categories = {"雷达": ["JDX-2000", "JDX-2500", "JDX-3100"], "通信": ["TXR-800", "TXR-900"],
                  "测试仪器": ["QX-7200", "QX-7300", "ABC-1234"]}
    specs = {
        "JDX-2000": "C波段，探测半径 250km，双偏振可选，MTBF ≥ 2000h",
        "JDX-2500": "边界层风廓线，探测高度 0.1–8km",
        "JDX-3100": "X波段 9.41GHz，量程 0.125–96nm，天线 IP67",
        "TXR-800": "2–30MHz，125W，支持 ALE 自动建链",
        "TXR-900": "30–512MHz，50W，支持加密话音",
        "QX-7200": "9kHz–26.5GHz，DANL −165dBm/Hz，实时带宽 40MHz",
        "QX-7300": "9kHz–6GHz，矢量调制带宽 160MHz",
        "ABC-1234": "LTE/5G NR 信令与射频综合测试",
    }
    for category, models in categories.items():
        ws = book.sheet(category)
        ws.append(["产品型号", "名称", "主要参数", "单位", "目录价（元）", "渠道价（元）", "备注"])
        style_header(ws, 1, 1, 7)
        for row, model in enumerate(models, start=2):
            product = PRODUCTS[model]
            ws.append([model, product.name, specs[model], product.unit, product.price, None, "不含税"])
            book.formula(ws, f"F{row}", f"ROUND(E{row}*0.92,0)", round(product.price * 0.92))
        style_body(ws, 2, len(models) + 1, 1, 7)
        for column, width in zip("ABCDEFG", (12, 26, 48, 6, 14, 14, 10)):
            ws.column_dimensions[column].width = width

    ws = book.sheet("服务与备件")
    ws.append(["服务项目", "计价单位", "单价（元）", "说明"])
    style_header(ws, 1, 1, 4)
    services = [
        ("现场维修/检修技术服务", "人天", SERVICE_DAY_RATE, "工作日 8 小时，节假日 1.5 倍"),
        ("远程技术支持", "月", 4_500, "7×24，SLA 2 小时响应"),
        ("年度保障服务", "套·年", "目录价 × 8%", "含 2 次巡检、备件优先供应"),
        ("仪表计量校准", "台次", 2_600, "出具 CNAS 校准证书"),
        ("雷达整机标定", "次", 26_000, "JDX 系列"),
    ]
    for service in services:
        ws.append(list(service))
    style_body(ws, 2, len(services) + 1, 1, 4)

    path = out / "华辰电子2024产品价格表.xlsx"
    save_xlsx(book, path, Meta("华辰电子 2024 产品价格表", STAFF["zhou"], at(2024, 1, 8), at(2024, 6, 30)))
    return path


def write_price_csv(out: Path) -> Path:
    rows = ["型号,名称,类别,单位,目录价(元),2025调价说明"]
    notes = {"JDX-2000": "维持不变", "JDX-3100": "上调3%", "QX-7200": "下调5%（竞品压力）", "TXR-800": "维持不变"}
    for model, product in PRODUCTS.items():
        price = product.price * {"JDX-3100": 1.03, "QX-7200": 0.95}.get(model, 1.0)
        rows.append(f'{model},"{product.name}",{product.category},{product.unit},{price:.0f},{notes.get(model, "维持不变")}')
    rows.append(f'SVC-ONSITE,现场维修技术服务,服务,人天,{SERVICE_DAY_RATE},维持不变')
    path = out / "产品价格清单_2025.csv"
    write_text(path, "\n".join(rows) + "\n", Meta(None, STAFF["zhou"], at(2025, 1, 6)))
    return path


REPAIR_FEES_MD = f"""# 维修服务收费标准（2024 版）

> 适用范围：华辰电子全部在保及过保设备的维修、维护和保障服务报价。编制：售后服务部 {STAFF["zhao"]}，审核：市场部 {STAFF["liu"]}。

## 一、计费原则

1. 在保设备（整机质保 24 个月内）非人为故障免收维修费和备件费，只收取超出约定次数的差旅费。
2. 过保设备按"检测费 + 备件费 + 人工费"计价，检测后如用户放弃维修，只收检测费。
3. 年度保障服务按设备目录价的 {ANNUAL_SUPPORT_RATE:.0%} 计收，含两次预防性巡检和备件优先供应。

## 二、人工费

| 项目 | 单位 | 价格（元） | 说明 |
| --- | --- | --- | --- |
| 现场维修/检修 | 人天 | {SERVICE_DAY_RATE} | 节假日 1.5 倍 |
| 远程技术支持 | 次 | 800 | 单次不超过 2 小时 |
| 返厂维修检测 | 台次 | 1500 | 雷达分机、电台、仪表 |

## 三、常见维修项目参考价

- JDX-2000 气象雷达：速调管组件更换约 41 万元；接收机 RF 前端约 8.6 万元；FPGA 信号处理板约 3.9 万元/块。
- JDX-3100 导航雷达：磁控管更换 1.2 万元；天线驱动电机 0.86 万元。
- TXR-800/TXR-900 电台：功放模块检修 3800 元；电源模块 2900 元。
- QX-7200 频谱分析仪：前端混频器更换 2.4 万元；年度计量校准 2600 元。

## 四、报价流程

报价单统一使用模板库中的《报价单模板_维修服务》，金额超过 50 万元的维修报价需市场部经理审批，超过 200 万元需分管副总审批。
"""


def write_repair_fees(out: Path) -> Path:
    path = out / "维修服务收费标准_2024.md"
    write_text(path, REPAIR_FEES_MD, Meta(None, STAFF["zhao"], at(2024, 1, 15)))
    return path


def write_pilot_quote_pdf(out: Path) -> Path:
    """A quotation letter exported to PDF, as sent to 上海港引航站."""
    customer = CUSTOMERS["上海引航"]
    rows = [["序号", "项目", "数量", "单价（元）", "金额（元）"],
            ["1", "JDX-3100 雷达磁控管更换", "4", "12,000.00", "48,000.00"],
            ["2", "天线驱动电机检修", "2", "8,600.00", "17,200.00"],
            ["3", "显控单元 LCD 屏更换", "3", "6,400.00", "19,200.00"],
            ["4", "现场检修技术服务（人天）", "8", "3,200.00", "25,600.00"],
            ["", "小计（不含税）", "", "", "110,000.00"],
            ["", "含税合计（13%）", "", "", "124,300.00"]]
    blocks = [
        ("title", "雷达检修报价函"),
        ("plain", f"致：{customer.name} {customer.title} {customer.contact}\n编号：HC-BJ-2025-0107\n日期：2025 年 1 月 7 日"),
        ("p", "感谢贵站长期以来对华辰电子的信任。根据 2024 年 12 月 26 日我司工程师对引航艇雷达的现场检测结果，"
              "4 艘引航艇的 JDX-3100 导航雷达存在发射功率下降、天线转速不稳等问题，现将检修价格报告如下："),
        ("table", rows, [12, 70, 16, 30, 32]),
        ("p", "说明：本次检修在引航艇例行坞修期间进行，不影响正常引航作业；更换部件质保 6 个月。"
              "报价有效期 30 天，如需同时签订 2025 年度维护保障协议，人工费可按 9 折执行。"),
        ("space", 10),
        ("right", f"{COMPANY}（盖章）\n华东区销售经理：{STAFF['zhang']}\n联系电话：{COMPANY_PHONE}"),
    ]
    path = out / "华东区" / "上海港引航站_雷达检修报价函.pdf"
    write_pdf(path, Meta("上海港引航站雷达检修报价函", STAFF["zhang"], at(2025, 1, 7)), blocks)
    return path


HK_LETTER = [
    ("h", "關於 JDX-3100 導航雷達維修報價函"),
    ("p", "陳家豪經理：您好！"),
    ("p", "承蒙 貴公司於本年九月來函查詢旗下兩艘集裝箱船之雷達維修事宜，本公司工程師已於九月二十日登輪檢測。"
          "經檢測，「港灣一號」之 JDX-3100 雷達磁控管老化、發射功率不足；「港灣五號」之天線旋轉單元軸承磨損，"
          "需更換驅動馬達。現將維修報價列明如下，請 查閱。"),
]


def write_hk_letter(out: Path) -> Path:
    """A quotation letter in traditional characters for the Hong Kong customer."""
    doc = new_docx(f"{COMPANY}  香港辦事處", "HC-BJ-2024-0925")
    for kind, text in HK_LETTER:
        if kind == "h":
            doc.add_heading(text, level=1)
        else:
            doc.add_paragraph(text)
    docx_table(doc, [
        ["項目", "數量", "單價（港幣）", "金額（港幣）"],
        ["JDX-3100 磁控管更換", "1", "14,200", "14,200"],
        ["天線驅動馬達更換", "1", "9,800", "9,800"],
        ["登輪維修工時（人日）", "4", "3,600", "14,400"],
        ["合計", "", "", "38,400"],
    ], title="維修報價明細")
    doc.add_paragraph("以上報價有效期三十日，維修完成後部件保用六個月。如有疑問，請致電本公司香港辦事處。")
    doc.add_paragraph(f"{COMPANY}\n二〇二四年九月二十五日")
    path = out / "华南区" / "港湾航运_雷达維修報價函.docx"
    save_docx(doc, path, Meta("JDX-3100 導航雷達維修報價函", STAFF["li"], at(2024, 9, 25)))
    return path


def build(out: Path) -> list[Path]:
    out = out / "quotes"
    paths = [write_quote(out, quote) for quote in QUOTES]
    paths += [write_price_list(out), write_price_csv(out), write_repair_fees(out), write_pilot_quote_pdf(out),
              write_hk_letter(out)]
    return paths
