"""Recover the file name of an uploaded part from its raw Content-Disposition header.

Clients name Chinese files in several ways: raw UTF-8 bytes inside `filename="..."`,
an RFC 5987 `filename*=UTF-8''...` alone or next to an ASCII `filename`, UTF-8
percent-encoded inside the quotes, or raw GBK bytes. Starlette and python-multipart
(0.0.34) decode header bytes as latin-1 and ignore `filename*` altogether, so a part
named only by `filename*` is not even seen as a file there. This module works on the
header bytes instead.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from urllib.parse import quote, unquote_to_bytes

from kb.ingest.upload import safe_filename

# Encodings tried, in order, for bytes that name no charset. GB18030 is a superset of GBK.
FALLBACK_ENCODINGS = ("utf-8", "gb18030")
_PERCENT_RE = re.compile(rb"%[0-9A-Fa-f]{2}")


def split_header_params(raw: bytes) -> tuple[bytes, dict[str, bytes]]:
    """Split `form-data; name="a"; filename="b"` into the type and lower-cased parameters.

    Quoted values keep their bytes, with backslash escapes removed; `;` inside quotes
    does not end a parameter.
    """
    parts = _split_unquoted(raw, b";")
    kind = parts[0].strip().lower() if parts else b""
    params: dict[str, bytes] = {}
    for part in parts[1:]:
        key, sep, value = part.partition(b"=")
        if not sep:
            continue
        name = key.strip().lower().decode("latin-1")
        params[name] = _unquote_value(value.strip())
    return kind, params


def _split_unquoted(raw: bytes, separator: bytes) -> list[bytes]:
    parts: list[bytes] = []
    current = bytearray()
    in_quotes = escaped = False
    for byte in raw:
        char = bytes([byte])
        if escaped:
            escaped = False
        elif char == b"\\" and in_quotes:
            escaped = True
        elif char == b'"':
            in_quotes = not in_quotes
        elif char == separator and not in_quotes:
            parts.append(bytes(current))
            current.clear()
            continue
        current += char
    parts.append(bytes(current))
    return parts


def _unquote_value(value: bytes) -> bytes:
    if len(value) >= 2 and value.startswith(b'"') and value.endswith(b'"'):
        return re.sub(rb"\\(.)", rb"\1", value[1:-1])
    return value


def _plausible(name: str) -> bool:
    """Reject decodings that produced control, private-use or replacement characters."""
    return bool(name) and all(
        unicodedata.category(char) not in ("Cc", "Co", "Cs", "Cn") and char != "\ufffd" for char in name
    )


def _decode_bytes(raw: bytes, encodings: tuple[str, ...] = FALLBACK_ENCODINGS) -> str | None:
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _plausible(text):
            return text
    return None


def decode_extended_value(value: bytes) -> str | None:
    """Decode an RFC 5987 value such as `UTF-8''%E6%8A%A5.docx`, or None if it is malformed."""
    charset, sep, rest = value.partition(b"'")
    _language, sep2, encoded = rest.partition(b"'")
    if not (sep and sep2):
        return None
    raw = unquote_to_bytes(encoded)
    declared = charset.decode("latin-1").strip().lower() or "utf-8"
    return _decode_bytes(raw, (declared, *FALLBACK_ENCODINGS))


def decode_plain_value(value: bytes) -> str | None:
    """Decode a plain `filename` value: percent-encoded UTF-8, raw UTF-8 or raw GB18030 bytes."""
    if _PERCENT_RE.search(value) and value.isascii():
        decoded = _decode_bytes(unquote_to_bytes(value), ("utf-8",))
        if decoded is not None:
            return decoded
    return _decode_bytes(value)


def header_bytes(value: str | bytes) -> bytes:
    """Return the header's original bytes; a str is taken to be latin-1 decoded, as Starlette does."""
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        # Already real text, not a latin-1 decoding of bytes.
        return value.encode("utf-8")


def filename_from_params(params: dict[str, bytes]) -> str | None:
    """Return the decoded client file name, preferring `filename*`, or None if none decodes."""
    if "filename*" in params:
        decoded = decode_extended_value(params["filename*"])
        if decoded:
            return decoded
    if "filename" in params:
        return decode_plain_value(params["filename"])
    return None


def fallback_name(suffix: str = "") -> str:
    return f"上传文件_{datetime.now():%Y%m%d%H%M%S}{suffix}"


def _suffix_of(raw: bytes) -> str:
    """Return an ASCII extension such as `.docx` from undecodable bytes, or ''."""
    match = re.search(rb"\.([A-Za-z0-9]{1,8})\"?$", raw.strip())
    return "." + match.group(1).decode("ascii").lower() if match else ""


def upload_filename(content_disposition: str | bytes) -> str:
    """Return a safe, readable file name for an uploaded part.

    A name that decodes in no known way becomes `上传文件_<timestamp><extension>`.
    """
    # NOTE: GB18030 decodes most byte strings, so bytes in another legacy encoding (Big5,
    # Shift_JIS) can still come out as wrong but printable Chinese characters.
    _kind, params = split_header_params(header_bytes(content_disposition))
    decoded = filename_from_params(params)
    if decoded is None:
        raw = params.get("filename*") or params.get("filename") or b""
        return safe_filename(fallback_name(_suffix_of(raw)))
    return safe_filename(decoded, fallback_suffix=_suffix_of(decoded.encode("utf-8")))


def _ascii_fallback(name: str) -> str:
    """Return an ASCII-only stand-in for clients that ignore `filename*`."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"[^A-Za-z0-9._ -]+", "_", folded).strip(" ._") or "document"
    clean_suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix)
    return f"{folded}.{clean_suffix}" if clean_suffix else folded


def content_disposition(name: str) -> str:
    """Build an attachment header with an ASCII fallback and the UTF-8 name (RFC 6266, RFC 5987)."""
    encoded = quote(name, safe="")
    return f"attachment; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"
