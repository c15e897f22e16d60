"""Types shared by format detection, the extractors and the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class ExtractedDocument:
    """Text and metadata read from one file, before it is stored or indexed."""

    format: str
    text: str
    title: str | None = None
    author: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    pages: int | None = None
    # Pages of a PDF that have no text layer (scans); any such page sets needs_ocr.
    pages_without_text: int = 0
    needs_ocr: bool = False
    # Notes for the administrator, in Chinese, about text that could not be read fully.
    notes: tuple[str, ...] = field(default_factory=tuple)


class ExtractionError(Exception):
    """A file could not be read; `reason` is a Chinese message for the administrator."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class UnsupportedFormatError(ExtractionError):
    """The file's content is not a format kb can read."""
