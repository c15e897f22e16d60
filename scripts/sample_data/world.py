"""The fictional company, customers, products and staff shared by every generated document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

COMPANY = "华辰电子科技有限公司"
COMPANY_SHORT = "华辰电子"
COMPANY_EN = "Huachen Electronics Technology Co., Ltd."
COMPANY_ADDRESS = "江苏省南京市江宁区秣陵街道将军大道 188 号华辰科技园"
COMPANY_PHONE = "025-5218 6600"
TAX_RATE = 0.13


@dataclass(frozen=True)
class Customer:
    name: str
    short: str
    industry: str
    region: str
    city: str
    contact: str
    title: str
    phone: str


@dataclass(frozen=True)
class Product:
    model: str
    name: str
    category: str
    unit: str
    price: float  # list price in yuan, tax excluded
    cost: float  # standard cost in yuan


CUSTOMERS = {
    "苏气象": Customer("江苏省气象局", "苏气象", "气象", "华东区", "南京", "顾建平", "装备保障处处长", "025-8328 7101"),
    "粤气象": Customer("广东省气象局", "粤气象", "气象", "华南区", "广州", "梁志坚", "大气探测中心主任", "020-8718 3322"),
    "中远海运": Customer("中远海运船舶管理有限公司", "中远海运", "航运", "华东区", "上海", "沈立群", "机务部经理", "021-6596 4410"),
    "上海引航": Customer("上海港引航站", "上海引航", "航运", "华东区", "上海", "黄海涛", "设备科科长", "021-5181 2290"),
    "港湾航运": Customer("香港港灣航運有限公司", "港湾航运", "航运", "香港", "香港", "陳家豪", "工程部經理", "+852 2815 6630"),
    "浙江电力": Customer("国网浙江省电力有限公司", "浙江电力", "电力", "华东区", "杭州", "吴晓东", "信通公司副主任", "0571-5199 2308"),
    "南方电网": Customer("中国南方电网有限责任公司", "南方电网", "电力", "华南区", "广州", "林国华", "应急指挥中心主管", "020-3812 1765"),
    "山东电力": Customer("国网山东省电力公司", "山东电力", "电力", "华北区", "济南", "孔祥瑞", "通信运检班班长", "0531-6780 3315"),
    "深圳空管": Customer("深圳市民航空管站", "深圳空管", "民航", "华南区", "深圳", "谢文斌", "技术保障部主任", "0755-2345 6019"),
    "华北空管": Customer("民航华北地区空中交通管理局", "华北空管", "民航", "华北区", "北京", "马骏", "通信导航监视中心工程师", "010-6459 2203"),
    "广东移动": Customer("中国移动通信集团广东有限公司", "广东移动", "通信", "华南区", "广州", "何嘉欣", "网络部采购经理", "020-8810 5532"),
    "河北联通": Customer("中国联合网络通信有限公司河北省分公司", "河北联通", "通信", "华北区", "石家庄", "杜鹏", "无线优化中心主任", "0311-8600 7218"),
}

PRODUCTS = {
    "JDX-2000": Product("JDX-2000", "C波段多普勒气象雷达", "雷达", "套", 6_850_000, 4_620_000),
    "JDX-2500": Product("JDX-2500", "风廓线雷达", "雷达", "套", 2_380_000, 1_640_000),
    "JDX-3100": Product("JDX-3100", "船用X波段导航雷达", "雷达", "台", 386_000, 241_000),
    "TXR-800": Product("TXR-800", "短波电台（125W）", "通信", "台", 118_000, 71_500),
    "TXR-900": Product("TXR-900", "超短波电台", "通信", "台", 86_000, 50_200),
    "QX-7200": Product("QX-7200", "频谱分析仪（9kHz–26.5GHz）", "测试仪器", "台", 285_000, 176_000),
    "QX-7300": Product("QX-7300", "矢量信号发生器（6GHz）", "测试仪器", "台", 198_000, 121_000),
    "ABC-1234": Product("ABC-1234", "综合测试仪", "测试仪器", "台", 156_000, 93_800),
}

# Field service prices in yuan, tax excluded.
SERVICE_DAY_RATE = 3_200
ANNUAL_SUPPORT_RATE = 0.08  # annual support fee as a share of equipment list price

STAFF = {
    "liu": "刘洋",  # 市场部经理
    "zhang": "张伟",  # 华东区销售经理
    "li": "李娜",  # 华南区销售经理
    "chen": "陈刚",  # 华北区销售经理
    "wang": "王䶮",  # 技术支持工程师; the name is outside GBK on purpose
    "zhao": "赵敏",  # 售后服务部主管
    "sun": "孙磊",  # 方案工程师
    "zhou": "周婷",  # 商务助理
}


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 30) -> datetime:
    """Build a fixed document timestamp so re-runs write identical files."""
    return datetime(year, month, day, hour, minute, 0)


def wan(yuan: float) -> str:
    """Format a yuan amount in 万元 with two decimals, as quotes and plans write it."""
    return f"{yuan / 10_000:,.2f}"
