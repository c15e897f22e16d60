"""测算库: cost and margin workbooks with 成本测算, 人工 and 汇总 sheets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sample_data.world import PRODUCTS, SERVICE_DAY_RATE, STAFF, TAX_RATE, at
from sample_data.writers import Meta, Workbook, save_xlsx, style_body, style_header, write_text


@dataclass(frozen=True)
class CostItem:
    name: str
    quantity: float
    unit_cost: float
    unit_price: float


@dataclass(frozen=True)
class Labour:
    role: str
    days: float
    rate: float


@dataclass(frozen=True)
class Estimate:
    path: str
    project: str
    items: tuple[CostItem, ...]
    labour: tuple[Labour, ...]
    meta: Meta
    risk_rate: float = 0.03
    remark: str = ""


def product_item(model: str, quantity: float, discount: float = 1.0) -> CostItem:
    product = PRODUCTS[model]
    return CostItem(f"{model} {product.name}", quantity, product.cost, round(product.price * discount))


def write_cost_sheet(book: Workbook, estimate: Estimate) -> tuple[float, float, int]:
    ws = book.sheet("成本测算")
    ws["A1"] = f"项目：{estimate.project}"
    ws.append([])
    ws.append(["序号", "成本项", "数量", "单位成本（元）", "成本小计（元）", "销售单价（元）", "销售额（元）"])
    style_header(ws, 3, 1, 7)
    for index, item in enumerate(estimate.items):
        row = 4 + index
        ws.append([index + 1, item.name, item.quantity, item.unit_cost, None, item.unit_price, None])
        book.formula(ws, f"E{row}", f"C{row}*D{row}", item.quantity * item.unit_cost)
        book.formula(ws, f"G{row}", f"C{row}*F{row}", item.quantity * item.unit_price)
    last = 3 + len(estimate.items)
    total_row = last + 1
    cost = sum(i.quantity * i.unit_cost for i in estimate.items)
    revenue = sum(i.quantity * i.unit_price for i in estimate.items)
    ws.cell(row=total_row, column=2, value="合计")
    book.formula(ws, f"E{total_row}", f"SUM(E4:E{last})", cost)
    book.formula(ws, f"G{total_row}", f"SUM(G4:G{last})", revenue)
    style_body(ws, 4, total_row, 1, 7)
    for column, width in zip("ABCDEFG", (6, 40, 8, 16, 16, 16, 16)):
        ws.column_dimensions[column].width = width
    return cost, revenue, total_row


def write_labour_sheet(book: Workbook, estimate: Estimate) -> tuple[float, int]:
    ws = book.sheet("人工")
    ws.append(["岗位", "人天", "日成本（元）", "金额（元）"])
    style_header(ws, 1, 1, 4)
    for index, labour in enumerate(estimate.labour):
        row = 2 + index
        ws.append([labour.role, labour.days, labour.rate, None])
        book.formula(ws, f"D{row}", f"B{row}*C{row}", labour.days * labour.rate)
    total_row = 2 + len(estimate.labour)
    total = sum(l.days * l.rate for l in estimate.labour)
    ws.cell(row=total_row, column=1, value="人工合计")
    book.formula(ws, f"D{total_row}", f"SUM(D2:D{total_row - 1})", total)
    style_body(ws, 2, total_row, 1, 4)
    ws.column_dimensions["A"].width = 28
    return total, total_row


def write_summary_sheet(book: Workbook, estimate: Estimate, figures: dict[str, float], rows: dict[str, int]) -> None:
    ws = book.sheet("汇总")
    ws.append(["项目", estimate.project])
    ws.append(["指标", "金额（元）", "说明"])
    style_header(ws, 2, 1, 3)
    revenue, cost, labour = figures["revenue"], figures["cost"], figures["labour"]
    risk = round((cost + labour) * estimate.risk_rate, 2)
    total_cost = cost + labour + risk
    margin = revenue - total_cost
    lines = [
        ("销售收入（不含税）", f"'成本测算'!G{rows['cost']}", revenue, ""),
        ("设备及材料成本", f"'成本测算'!E{rows['cost']}", cost, ""),
        ("人工成本", f"'人工'!D{rows['labour']}", labour, f"公司内部人天成本，对外报价按 {SERVICE_DAY_RATE} 元/人天"),
        ("风险准备金", f"ROUND((B4+B5)*{estimate.risk_rate},2)", risk, f"按成本的 {estimate.risk_rate:.0%} 计提"),
        ("总成本", "B4+B5+B6", total_cost, ""),
        ("毛利", "B3-B7", margin, ""),
        ("毛利率", "IF(B3=0,0,B8/B3)", margin / revenue if revenue else 0, "公司要求：设备类 ≥ 25%，服务类 ≥ 35%"),
        ("含税收入", f"B3*(1+{TAX_RATE})", revenue * (1 + TAX_RATE), "税率 13%"),
    ]
    for offset, (label, formula, value, note) in enumerate(lines):
        row = 3 + offset
        ws.cell(row=row, column=1, value=label)
        ws.cell(row=row, column=3, value=note)
        book.formula(ws, f"B{row}", formula, value, "0.0%" if label == "毛利率" else "#,##0.00")
    style_body(ws, 3, 2 + len(lines), 1, 3)
    if estimate.remark:
        ws.cell(row=4 + len(lines), column=1, value=f"备注：{estimate.remark}")
    for column, width in zip("ABC", (22, 18, 48)):
        ws.column_dimensions[column].width = width


def write_estimate(out: Path, estimate: Estimate) -> Path:
    book = Workbook()
    cost, revenue, cost_row = write_cost_sheet(book, estimate)
    labour, labour_row = write_labour_sheet(book, estimate)
    figures = {"cost": cost, "revenue": revenue, "labour": labour}
    write_summary_sheet(book, estimate, figures, {"cost": cost_row, "labour": labour_row})
    path = out / estimate.path
    save_xlsx(book, path, estimate.meta)
    return path


ESTIMATES = (
    Estimate(
        "苏气象2025雷达升级_成本测算.xlsx", "苏气象2025雷达升级（南京、徐州站 JDX-2000 双偏振改造）",
        (
            CostItem("双偏振馈线及旋转关节", 2, 386_000, 520_000),
            CostItem("JDX-2000 双通道接收机", 2, 298_000, 410_000),
            CostItem("FPGA 信号处理分机（v4）", 2, 126_000, 188_000),
            CostItem("标定设备及测试电缆", 1, 42_000, 58_000),
            CostItem("运输及保险", 1, 36_000, 36_000),
        ),
        (Labour("项目经理", 40, 1_800), Labour("雷达系统工程师", 60, 1_600), Labour("现场工程师", 90, 1_450),
         Labour("软件工程师（远程）", 30, 1_500)),
        Meta("苏气象2025雷达升级成本测算", STAFF["sun"], at(2024, 10, 21), at(2024, 11, 2)),
        remark="改造期间需避开汛期（6–9 月），工期按 4 个月测算。",
    ),
    Estimate(
        "中远海运_JDX-3100改造项目测算表.xlsx", "中远海运 6 艘散货船导航雷达改造",
        (product_item("JDX-3100", 6), CostItem("6 英尺天线单元（IP67）", 6, 27_500, 42_000),
         CostItem("船检及证书费用", 6, 3_500, 3_500)),
        (Labour("安装工程师", 18, 1_450), Labour("培训讲师", 4, 1_600)),
        Meta("中远海运导航雷达改造测算", STAFF["zhang"], at(2024, 5, 16)),
    ),
    Estimate(
        "浙江电力_TXR-800短波通信保障_毛利测算.xlsx", "国网浙江短波应急通信系统",
        (product_item("TXR-800", 11), CostItem("宽带短波天线", 11, 10_200, 16_800),
         CostItem("应急电源箱", 11, 6_100, 9_600)),
        (Labour("现场工程师", 22, 1_450), Labour("网络规划工程师", 6, 1_600)),
        Meta("浙江电力短波通信毛利测算", STAFF["zhang"], at(2024, 6, 12)),
    ),
    Estimate(
        "2024/深圳空管_频谱监测系统测算_v2.xlsx", "深圳空管 2025 频谱监测（QX-7200 便携监测）",
        (product_item("QX-7200", 2), CostItem("前置放大器选件", 2, 9_800, 18_000),
         CostItem("手持定向天线", 2, 14_200, 23_500)),
        (Labour("应用工程师", 6, 1_600),),
        Meta("深圳空管频谱监测测算 v2", STAFF["li"], at(2024, 9, 1)),
        remark="v2 按客户要求取消监测车方案，改为 2 台便携式 QX7200。",
    ),
    Estimate(
        "2024/南方电网应急通信项目测算.xlsx", "南方电网 2024 应急通信（TXR-900 车载组网）",
        (product_item("TXR-900", 40, 0.94), product_item("TXR-800", 6), CostItem("手持终端", 60, 3_900, 6_800)),
        (Labour("现场工程师", 45, 1_450), Labour("项目经理", 20, 1_800)),
        Meta("南方电网应急通信项目测算", STAFF["li"], at(2024, 7, 22)),
        risk_rate=0.05,
        remark="台风季交付，风险准备金按 5% 计提。",
    ),
    Estimate(
        "年度保障服务_人工成本测算模型.xlsx", "JDX-2000 年度保障服务（单站）",
        (CostItem("预防性巡检（2 次）", 2, 9_600, 18_000), CostItem("备件消耗（按历史均值）", 1, 168_000, 240_000),
         CostItem("远程支持平台分摊", 12, 1_200, 4_500)),
        (Labour("驻场维护工程师", 24, 1_450), Labour("远程支持工程师", 36, 1_300)),
        Meta(None, STAFF["zhao"], at(2024, 3, 5)),
        remark="服务类项目毛利率要求不低于 35%。",
    ),
    Estimate(
        "2025/上海引航_雷达维护测算_初稿.xlsx", "上海引航 2025 年度雷达维护",
        (CostItem("磁控管备件", 4, 7_100, 12_000), CostItem("驱动电机", 2, 4_800, 8_600),
         CostItem("LCD 显示屏", 3, 3_900, 6_400)),
        (Labour("现场维修工程师", 8, 1_450),),
        Meta("上海引航雷达维护测算（初稿）", STAFF["zhang"], at(2025, 1, 3)),
    ),
)

METHOD_MD = f"""# 项目测算口径说明（毛利率计算方法）

编制：{STAFF["sun"]}　审核：{STAFF["liu"]}　版本：2024-02

## 1. 收入口径

测算表中的收入一律使用**不含税**金额。含税金额 = 不含税金额 × (1 + 13%)。服务类合同如按 6% 开票，需在"汇总"页手工调整税率。

## 2. 成本口径

- 设备成本：取 ERP 标准成本，不用采购最新价格；JDX-2000 等长周期产品按最近一次入库成本复核。
- 人工成本：按公司内部人天成本（现场工程师 1450 元/人天，项目经理 1800 元/人天），**不是**对外报价的 {SERVICE_DAY_RATE} 元/人天。
- 风险准备金：一般项目按 3%，台风、汛期或海上施工项目按 5%。

## 3. 毛利率

毛利率 = (收入 − 总成本) ÷ 收入。设备类项目不低于 25%，服务类（维修、维护、年度保障）不低于 35%。低于底线的测算需要在周例会上单独说明原因。

## 4. 常见错误

1. 把含税报价当作收入，毛利率虚高约 11 个百分点。
2. 漏算运输、船检证书等杂费。
3. 人工按对外报价计算成本。
"""


def build(out: Path) -> list[Path]:
    out = out / "estimates"
    paths = [write_estimate(out, estimate) for estimate in ESTIMATES]
    method = out / "测算口径说明_毛利率.md"
    write_text(method, METHOD_MD, Meta(None, STAFF["sun"], at(2024, 2, 20)))
    return paths + [method]
