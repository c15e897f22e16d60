"""Turn one file into an ExtractedDocument, with one module per format."""

from __future__ import annotations

import importlib
from pathlib import Path

from kb.ingest.types import ExtractedDocument, UnsupportedFormatError

# Format to extractor module. The modules are imported on first use: their libraries
# (python-docx, openpyxl, pypdf, python-pptx) take about 0.3 s to import, which a
# web server that only searches should not pay at start-up.
_EXTRACTORS: dict[str, str] = {
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "pdf": "pdf",
    "txt": "text",
    "md": "text",
    "csv": "text",
}

_ZIP_FORMATS = ("docx", "xlsx", "pptx")


def extract(path: Path, fmt: str | None = None) -> ExtractedDocument:
    """Read the text and metadata of `path`, detecting the format when `fmt` is None.

    Raises ExtractionError (UnsupportedFormatError for unknown formats) with a
    Chinese reason for the administrator. Zip-based formats pass the archive guards
    (kb.ingest.guards) first, also when `fmt` is given.
    """
    # Imported here because detect.py imports this package's encoding module.
    from kb.ingest.detect import FORMATS, detect_format
    from kb.ingest.guards import check_zip_file
    from kb.ingest.legacy import LEGACY_FORMATS, extract_legacy

    path = Path(path)
    if fmt is None:
        fmt = detect_format(path)
    elif fmt in _ZIP_FORMATS:
        check_zip_file(path)
    if fmt in LEGACY_FORMATS:
        return extract_legacy(path, fmt)
    if fmt not in _EXTRACTORS:
        raise UnsupportedFormatError(path, f"不支持的格式“{fmt}”。支持的格式：{'、'.join(FORMATS)}。")
    module = importlib.import_module(f"kb.ingest.extractors.{_EXTRACTORS[fmt]}")
    return module.extract(path)
