"""PDF files: text per page from pypdf, with other extractors for pages pypdf garbles."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pypdf import PdfReader

from kb.ingest.extractors.common import clean_text, clean_title
from kb.ingest.extractors.garble import is_garbled, normalise_cjk, unlikely_counts, unlikely_share
from kb.ingest.extractors.pdf_fallback import FALLBACKS, PasswordRequiredError, pdfminer_pages
from kb.ingest.types import ExtractedDocument, ExtractionError

logger = logging.getLogger(__name__)

PASSWORD_REASON = "PDF 文件已加密，需要密码才能打开。请取消密码保护（或导出一份不加密的 PDF）后重新上传。"
DAMAGED_REASON = "PDF 文件已损坏或不完整，无法读取。请重新导出或重新下载该 PDF 后上传。"


@dataclass(frozen=True)
class _Metadata:
    title: str | None = None
    author: str | None = None
    created: datetime | None = None
    modified: datetime | None = None


def extract(path: Path) -> ExtractedDocument:
    """Read a PDF, raising ExtractionError when it is damaged beyond reading or needs a password."""
    try:
        pages, metadata = _read_with_pypdf(path)
    except PasswordRequiredError as error:
        raise ExtractionError(path, PASSWORD_REASON) from error
    except Exception as error:
        # Damaged xref tables and a missing startxref stop pypdf, but pdfminer rebuilds them.
        logger.warning("pypdf cannot read %s, trying pdfminer: %s", path, error)
        pages, metadata = _read_with_pdfminer(path), _Metadata()
    else:
        pages = _replace_suspicious_pages(path, pages)

    return _build_document(pages, metadata)


def _read_with_pypdf(path: Path) -> tuple[list[str], _Metadata]:
    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):
        raise PasswordRequiredError(str(path))

    pages = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            pages.append(normalise_cjk(page.extract_text() or ""))
        except Exception as error:
            logger.warning("pypdf cannot read page %d of %s: %s", number, path, error)
            pages.append("")
    return pages, _read_metadata(reader, path)


def _read_metadata(reader: PdfReader, path: Path) -> _Metadata:
    try:
        info = reader.metadata
        if info is None:
            return _Metadata()
        title = clean_title(normalise_cjk(info.title or ""))
        if title is not None and is_garbled(title):
            title = None
        return _Metadata(title, clean_text(info.author), info.creation_date, info.modification_date)
    except Exception as error:
        logger.warning("Cannot read the metadata of %s: %s", path, error)
        return _Metadata()


def _read_with_pdfminer(path: Path) -> list[str]:
    try:
        return [normalise_cjk(page) for page in pdfminer_pages(path)]
    except PasswordRequiredError as error:
        raise ExtractionError(path, PASSWORD_REASON) from error
    except Exception as error:
        logger.warning("pdfminer cannot read %s: %s", path, error)
        raise ExtractionError(path, DAMAGED_REASON) from error


def _needs_second_opinion(text: str) -> bool:
    """Return True for an empty page or one holding any character a real document rarely has."""
    unlikely, total = unlikely_counts(text)
    return total == 0 or unlikely > 0


def _replace_suspicious_pages(path: Path, pages: list[str]) -> list[str]:
    """Replace empty or suspicious pages by the better reading of each fallback extractor."""
    pages = list(pages)
    for name, read_pages in FALLBACKS:
        suspicious = [index for index, text in enumerate(pages) if _needs_second_opinion(text)]
        if not suspicious:
            break
        try:
            alternatives = [normalise_cjk(page) for page in read_pages(path)]
        except Exception as error:
            logger.warning("%s cannot read %s: %s", name, path, error)
            continue
        for index in suspicious:
            if index < len(alternatives) and _quality(alternatives[index]) > _quality(pages[index]):
                logger.debug("Page %d of %s taken from %s", index + 1, path, name)
                pages[index] = alternatives[index]
    return pages


def _quality(text: str) -> tuple[bool, float, int]:
    """Rank a page reading: usable text first, then fewer unlikely characters, then more text."""
    stripped = "".join(text.split())
    usable = bool(stripped) and not is_garbled(text)
    return usable, -unlikely_share(text), len(stripped)


# PDF text extraction often puts a space between every Chinese character of a line
# ("开 票 通 知 单"); Chinese has no spaces between words, so such spaces carry nothing.
_SPACED_CJK_RE = re.compile(r"(?<=[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff01-\uff5e\u3000-\u303f]) (?=[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff01-\uff5e\u3000-\u303f])")


def _join_spaced_cjk(text: str) -> str:
    return _SPACED_CJK_RE.sub("", text)


def _build_document(pages: list[str], metadata: _Metadata) -> ExtractedDocument:
    texts: list[str] = []
    notes: list[str] = []
    empty_pages = 0
    garbled_pages: list[int] = []
    for number, text in enumerate(pages, start=1):
        if not text.strip():
            empty_pages += 1
        elif is_garbled(text):
            garbled_pages.append(number)
        else:
            texts.append(_join_spaced_cjk(text.strip()))

    if empty_pages:
        notes.append(f"有 {empty_pages} 页没有文字层（可能是扫描件或图片），需要 OCR 识别后才能搜索到这些页的内容。")
    if garbled_pages:
        listed = "、".join(str(number) for number in garbled_pages)
        notes.append(f"第 {listed} 页的文字编码无法识别，已略过这些页的文字。请用 OCR 识别，或从原文件重新导出 PDF。")

    return ExtractedDocument(
        format="pdf",
        text="\n".join(texts),
        title=metadata.title,
        author=metadata.author,
        created=metadata.created,
        modified=metadata.modified,
        pages=len(pages),
        pages_without_text=empty_pages,
        needs_ocr=bool(empty_pages or garbled_pages),
        notes=tuple(notes),
    )
