"""Name a file's format from its bytes. The extension only picks the text subtype."""

from __future__ import annotations

import logging
import zipfile
import zlib
from pathlib import Path

from kb.ingest.extractors.encoding import decode_bytes
from kb.ingest.guards import check_archive
from kb.ingest.legacy import LEGACY_FORMATS, legacy_format
from kb.ingest.extractors.text import text_subtype
from kb.ingest.types import UnsupportedFormatError

logger = logging.getLogger(__name__)

FORMATS = ("docx", "xlsx", "pptx", "pdf", "txt", "md", "csv", *LEGACY_FORMATS)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# PDF readers accept the header anywhere in the first kilobyte.
PDF_HEADER_WINDOW = 1024
# Bytes read to decide whether a file is text.
TEXT_SAMPLE_SIZE = 64 * 1024
# Share of control characters above which decoded bytes count as binary.
MAX_CONTROL_SHARE = 0.02
# Share of NUL characters above which decoded bytes count as binary.
MAX_NUL_SHARE = 0.1

# Main content types of the OOXML formats, as written in [Content_Types].xml.
_OOXML_CONTENT_TYPES = {
    "docx": ("wordprocessingml.document.main", "wordprocessingml.template.main"),
    "xlsx": ("spreadsheetml.sheet.main", "spreadsheetml.template.main"),
    "pptx": ("presentationml.presentation.main", "presentationml.template.main",
             "presentationml.slideshow.main"),
}
_OOXML_PART_PREFIXES = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}

EMPTY_FILE_REASON = "文件为空，没有可读取的内容。请检查文件是否完整后重新上传。"
UNKNOWN_FORMAT_REASON = (
    "无法识别的文件格式。支持的格式：Word（.docx）、Excel（.xlsx）、PowerPoint（.pptx）、"
    "PDF 以及文本文件（.txt、.md、.csv）。请转换为其中一种格式后重新上传。"
)


def detect_format(path: Path) -> str:
    """Return one of FORMATS for the file at `path`, decided by its content.

    Raises UnsupportedFormatError for empty files, zip bombs, legacy OLE2 Office files
    when LibreOffice is not installed, and anything else kb cannot read.
    """
    with path.open("rb") as stream:
        head = stream.read(TEXT_SAMPLE_SIZE)

    if not head:
        raise UnsupportedFormatError(path, EMPTY_FILE_REASON)
    if head.startswith(OLE2_MAGIC):
        return legacy_format(path)
    if b"%PDF-" in head[:PDF_HEADER_WINDOW]:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return _detect_ooxml(path)
    if _looks_like_text(head):
        _reject_binary_suffix(path)
        return text_subtype(path)

    logger.debug("No known signature in %s", path)
    raise UnsupportedFormatError(path, UNKNOWN_FORMAT_REASON)


def _detect_ooxml(path: Path) -> str:
    """Name the OOXML format of a zip file from its content types, else from its part names."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(path, archive)
            names = archive.namelist()
            content_types = ""
            if "[Content_Types].xml" in names:
                content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError) as error:
        # A damaged Office file still starts with the zip signature, so its extractor
        # reports the damage in words the administrator can act on.
        fmt = _format_from_suffix(path)
        if fmt is not None:
            logger.warning("Damaged zip %s, assuming %s from the extension: %s", path, fmt, error)
            return fmt
        raise UnsupportedFormatError(path, "压缩包已损坏，无法打开。请重新导出或重新上传完整的文件。") from error

    for fmt, markers in _OOXML_CONTENT_TYPES.items():
        if any(marker in content_types for marker in markers):
            return fmt
    for fmt, prefix in _OOXML_PART_PREFIXES.items():
        if any(name.startswith(prefix) for name in names):
            return fmt
    raise UnsupportedFormatError(
        path, "这是一个普通的 zip 压缩包，不是 Office 文档。请解压后分别上传其中的文件。"
    )


def _format_from_suffix(path: Path) -> str | None:
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in ("docx", "xlsx", "pptx") else None


def _looks_like_text(sample: bytes) -> bool:
    """Return True when the sample decodes to text with few control characters."""
    text = _decode_sample(sample)
    if not text:
        return False
    # Stray NULs are tolerated (the text extractor strips them), unless they dominate.
    if text.count("\x00") > len(text) * MAX_NUL_SHARE:
        return False
    controls = sum(1 for char in text if ord(char) < 0x20 and char not in "\t\n\r\f\v\x00")
    return controls / len(text) <= MAX_CONTROL_SHARE


def _decode_sample(sample: bytes) -> str | None:
    """Decode the sample, dropping up to three bytes of a character cut at the sample's end."""
    cuts = range(4) if len(sample) == TEXT_SAMPLE_SIZE else range(1)
    for cut in cuts:
        try:
            return decode_bytes(sample[: len(sample) - cut]).text
        except UnicodeDecodeError:
            continue
    return None


# Extensions of binary formats: a file named so whose bytes are plain text was renamed
# or damaged, and indexing it as text would hide the problem from the administrator.
_BINARY_SUFFIXES = frozenset(
    ".docx .xlsx .pptx .pdf .doc .xls .ppt .wps .et .dps .zip .rar .7z .png .jpg .jpeg .gif .exe .dll".split()
)


def _reject_binary_suffix(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix in _BINARY_SUFFIXES:
        raise UnsupportedFormatError(
            path, f"文件内容与扩展名不符：扩展名是 {suffix}，内容却是纯文本。请确认文件是否被改名或损坏，重新导出后再上传。"
        )


