"""Helpers shared by the extractors: title cleaning and whitespace tidying."""

from __future__ import annotations

import re

# Default titles written by Office and PDF printers, which describe nothing in the document.
_JUNK_TITLE_PATTERNS = (
    re.compile(r"^microsoft (word|excel|powerpoint) - ", re.IGNORECASE),
    re.compile(r"^(powerpoint presentation|presentation|slide \d+|untitled|document\d*)$", re.IGNORECASE),
    re.compile(r"^(powerpoint ?)?(无标题|未命名|新建|幻灯片 ?\d*|演示文稿\d*|文档\d*|工作簿\d*|标题)$", re.IGNORECASE),
    re.compile(r"\.(docx?|xlsx?|pptx?|pdf|wps|txt)$", re.IGNORECASE),
)
MAX_TITLE_LENGTH = 200


def clean_title(value: object) -> str | None:
    """Return a stripped title, or None for empty, overlong or default titles."""
    if not isinstance(value, str):
        return None
    title = " ".join(value.replace("\x00", "").split())
    if not title or len(title) > MAX_TITLE_LENGTH:
        return None
    if any(pattern.search(title) for pattern in _JUNK_TITLE_PATTERNS):
        return None
    return title


def clean_text(value: object) -> str | None:
    """Return a stripped metadata string, or None when it is empty."""
    if not isinstance(value, str):
        return None
    text = value.replace("\x00", "").strip()
    return text or None


def join_blocks(blocks: list[str]) -> str:
    """Join non-empty blocks with newlines, normalising line endings."""
    lines = []
    for block in blocks:
        block = block.replace("\r\n", "\n").replace("\r", "\n").strip()
        if block:
            lines.append(block)
    return "\n".join(lines)
