"""Extraction functions that misbehave on purpose, run inside sandbox worker processes by the tests."""

from __future__ import annotations

import os
import time
from pathlib import Path

from kb.ingest.extractors import extract
from kb.ingest.types import ExtractedDocument


def misbehaving_extract(path: Path) -> ExtractedDocument:
    """Hang, allocate without bound or crash when the file name says so; otherwise extract normally."""
    if "hang" in path.name:
        time.sleep(3600)
    if "hog" in path.name:
        hoard = [bytearray(64 * 1024 * 1024) for _ in range(64)]
        return ExtractedDocument(format="txt", text=str(len(hoard)))
    if "crash" in path.name:
        os._exit(3)
    return extract(path)


def rewriting_extract(path: Path) -> ExtractedDocument:
    """Extract, then append to the file, as if a user saved it again while kb read it."""
    document = extract(path)
    if "editing" in path.name:
        with path.open("ab") as handle:
            handle.write("（已修改）".encode("utf-8"))
    return document
