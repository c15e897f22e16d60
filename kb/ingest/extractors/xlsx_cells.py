"""Turn one worksheet cell value into the text shown and indexed for it."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

# A line break inside a cell between two CJK characters splits a word ("商品名\n称").
_BREAK_BETWEEN_CJK = re.compile(r"(?<=[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef])\r?\n(?=[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef])")
_CHINESE_DATE_MARKERS = ("年", "月", "日")


def display_value(value: object, number_format: str) -> str:
    """Return the cell text: dates as ISO or in Chinese form (when the format uses 年月日), numbers without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _join_cell_lines(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return _datetime_text(value, number_format)
    if isinstance(value, date):
        return _date_text(value, number_format)
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, (int, float)):
        return _number_text(value, number_format)
    return str(value).strip()


def _join_cell_lines(text: str) -> str:
    text = _BREAK_BETWEEN_CJK.sub("", text.strip())
    return " ".join(part.strip() for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if part.strip())


def _is_chinese_format(number_format: str) -> bool:
    return any(marker in (number_format or "") for marker in _CHINESE_DATE_MARKERS)


def _date_text(value: date, number_format: str) -> str:
    if _is_chinese_format(number_format):
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def _datetime_text(value: datetime, number_format: str) -> str:
    day = _date_text(value.date(), number_format)
    if value.time() == time(0, 0):
        return day
    return f"{day} {value.strftime('%H:%M:%S')}"


def _number_text(value: float, number_format: str) -> str:
    if "%" in (number_format or ""):
        return f"{value * 100:.10g}%"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)
