"""Checks on zip-based files (docx, xlsx, pptx) before any parser opens them.

A zip bomb declares a huge uncompressed size behind a tiny file, and an XML part with
a DTD can expand entities without bound ("billion laughs"). Both are rejected from the
zip directory and the first bytes of each XML part, without decompressing everything.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from pathlib import Path

from kb.ingest.types import UnsupportedFormatError

logger = logging.getLogger(__name__)

MAX_TOTAL_UNCOMPRESSED = 500 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_COMPRESSION_RATIO = 200
# Entries smaller than this may compress as well as they like: a short run of
# repeated XML is normal and costs nothing to expand.
RATIO_CHECK_MIN_SIZE = 1024 * 1024
# Bytes of each XML part read to look for a DTD, which must precede the root element.
XML_HEAD_BYTES = 4096
_XML_SUFFIXES = (".xml", ".rels", ".vml")

TOO_LARGE_REASON = (
    "文件解压后过大（声明的解压大小超过 {limit} MB），可能是“压缩炸弹”，已拒绝读取。"
    "如果这是正常文件，请拆分后重新上传。"
)
RATIO_REASON = (
    "文件中的“{name}”压缩比异常（超过 {ratio}:1），可能是“压缩炸弹”，已拒绝读取。"
    "请用 Office 打开并另存后重新上传。"
)
ENTRIES_REASON = "文件包含的部件过多（超过 {limit} 个），已拒绝读取。请用 Office 打开并另存后重新上传。"
DTD_REASON = (
    "文件中的“{name}”含有 DTD 或实体声明（<!DOCTYPE / <!ENTITY），正常的 Office 文件不会包含，"
    "可能是恶意构造的文件，已拒绝读取。请用 Office 打开并另存后重新上传。"
)


def check_archive(path: Path, archive: zipfile.ZipFile) -> None:
    """Raise UnsupportedFormatError when the open zip `archive` looks like a bomb or carries a DTD."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise UnsupportedFormatError(path, ENTRIES_REASON.format(limit=MAX_ENTRIES))

    # zipfile stops reading an entry at its declared size, so declared sizes bound
    # what any parser can get out of this file.
    total = sum(entry.file_size for entry in entries)
    if total > MAX_TOTAL_UNCOMPRESSED:
        logger.warning("rejecting %s: declared uncompressed size %d bytes", path, total)
        raise UnsupportedFormatError(path, TOO_LARGE_REASON.format(limit=MAX_TOTAL_UNCOMPRESSED // (1024 * 1024)))

    for entry in entries:
        if entry.file_size > RATIO_CHECK_MIN_SIZE and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1):
            logger.warning("rejecting %s: entry %s expands %d -> %d bytes", path, entry.filename, entry.compress_size, entry.file_size)
            raise UnsupportedFormatError(path, RATIO_REASON.format(name=entry.filename, ratio=MAX_COMPRESSION_RATIO))

    for entry in entries:
        if entry.filename.lower().endswith(_XML_SUFFIXES) and _has_dtd(archive, entry):
            logger.warning("rejecting %s: entry %s declares a DTD or entities", path, entry.filename)
            raise UnsupportedFormatError(path, DTD_REASON.format(name=entry.filename))


def _has_dtd(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    try:
        with archive.open(entry) as stream:
            head = stream.read(XML_HEAD_BYTES)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError):
        # A damaged or encrypted part is the extractor's to report.
        return False
    # Parts may be UTF-16; dropping NULs makes "<!DOCTYPE" findable in both encodings.
    head = head.replace(b"\x00", b"").upper()
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


def check_zip_file(path: Path) -> None:
    """Open `path` as a zip and run check_archive; a file that is no valid zip is left to its extractor."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(path, archive)
    except (zipfile.BadZipFile, OSError, EOFError):
        return
