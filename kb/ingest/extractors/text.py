"""Plain text, Markdown and CSV files."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from kb.ingest.extractors.common import clean_title
from kb.ingest.extractors.encoding import decode_bytes
from kb.ingest.types import ExtractedDocument, ExtractionError

logger = logging.getLogger(__name__)

_MARKDOWN_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def extract(path: Path) -> ExtractedDocument:
    """Decode a text file and, for Markdown, take the first level-1 heading as title."""
    fmt = text_subtype(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExtractionError(path, "无法读取文件，请检查文件是否存在以及读取权限。") from error

    try:
        decoded = decode_bytes(data)
    except UnicodeDecodeError as error:
        raise ExtractionError(
            path, "无法识别文本编码。请用记事本或 WPS 另存为 UTF-8 编码后重新上传。"
        ) from error
    logger.debug("Decoded %s as %s", path, decoded.encoding)

    text = decoded.text.replace("\x00", "").replace("\ufeff", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")

    title = None
    if fmt == "md":
        match = _MARKDOWN_HEADING.search(text)
        title = clean_title(match.group(1)) if match else None
    return ExtractedDocument(format=fmt, text=text.strip(), title=title)


def text_subtype(path: Path) -> str:
    """Return md, csv or txt from the file name of a file whose bytes are text."""
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix == ".csv":
        return "csv"
    return "txt"
