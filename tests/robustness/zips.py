"""Builders of hostile zip-based Office files for the archive guard tests."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ZERO_CHUNK = b"0" * (16 << 20)


class _RepeatingDeflate:
    """Stands in for zlib's compressor while writing runs of ZERO_CHUNK.

    After a full flush the compressor starts from an empty window, so every chunk of
    zeros compresses to the same bytes: computing them once makes a gigabyte entry in
    about a second instead of compressing it for real.
    """

    def __init__(self) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.block = compressor.compress(ZERO_CHUNK) + compressor.flush(zlib.Z_FULL_FLUSH)

    def compress(self, data: bytes) -> bytes:
        assert len(data) == len(ZERO_CHUNK)
        return self.block

    def flush(self) -> bytes:
        return zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def rewrite_parts(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a zip entry by entry; `change(name, data)` returns new data, or None to keep the entry."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            replaced = change(info.filename, data)
            new.writestr(info.filename, data if replaced is None else replaced)
    return target


def write_zero_bomb(source: Path, target: Path, part: str, chunks: int) -> Path:
    """Copy the Office file `source`, replacing `part` with `chunks` × 16 MiB of the digit 0."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != part:
                new.writestr(info.filename, old.read(info))
        with new.open(part, "w", force_zip64=True) as stream:
            stream._compressor = _RepeatingDeflate()  # type: ignore[attr-defined]
            for _ in range(chunks):
                stream.write(ZERO_CHUNK)
    return target


BILLION_LAUGHS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE w:document [\n'
    b' <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (level, b"".join(b"&lol%s;" % (b"" if level == 1 else b"%d" % (level - 1)) for _ in range(10)))
        for level in range(1, 10)
    )
    + b"]>\n"
)


def with_entity_expansion(name: str, data: bytes) -> bytes | None:
    """Put a billion-laughs DTD in front of word/document.xml and use its largest entity in the body."""
    if name != "word/document.xml":
        return None
    body = data.split(b"?>", 1)[1]
    return BILLION_LAUGHS_HEAD + body.replace(b"<w:body>", b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>", 1)
