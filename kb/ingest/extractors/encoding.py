"""Decode the bytes of a plain-text file, with the legacy Chinese encodings tried first."""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass

import charset_normalizer

logger = logging.getLogger(__name__)

# Checked longest first, because the UTF-32 LE BOM starts with the UTF-16 LE BOM.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Legacy encodings in order of preference when two score the same.
_LEGACY_CANDIDATES = ("gb18030", "cp950", "big5hkscs", "cp932")

# A decode whose plausibility reaches this share is accepted without asking a detector.
PLAUSIBLE_SCORE = 0.6


@dataclass(frozen=True)
class DecodedText:
    """Text decoded from bytes and the codec that decoded it."""

    text: str
    encoding: str


def decode_bytes(data: bytes) -> DecodedText:
    """Decode `data` as text, raising UnicodeDecodeError when no encoding fits.

    Order: BOM, strict UTF-8, UTF-16 without BOM when NUL bytes sit at every other
    position, then GB18030/Big5/Shift_JIS ranked by how common their characters are.
    Statistical detectors come last because they read short GBK text as Korean.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return DecodedText(data[len(bom):].decode(encoding), encoding)

    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass

    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return DecodedText(data.decode(utf16, errors="replace"), utf16)

    return _decode_legacy(data)


def _utf16_without_bom(data: bytes) -> str | None:
    """Return the UTF-16 byte order when NULs fill one byte parity, else None.

    ASCII characters in UTF-16 carry a NUL high byte. Text with no NULs at all
    (such as GB2312 of even length) is never taken as UTF-16.
    """
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    even_nuls = data[0::2].count(0) / half
    odd_nuls = data[1::2].count(0) / half
    if odd_nuls >= 0.2 and even_nuls <= 0.05:
        return "utf-16-le"
    if even_nuls >= 0.2 and odd_nuls <= 0.05:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes) -> DecodedText:
    """Pick the legacy CJK decode whose characters are most plausible."""
    best: tuple[float, DecodedText] | None = None
    for encoding in _LEGACY_CANDIDATES:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = plausibility(text, encoding)
        logger.debug("Decoding as %s scores %.2f", encoding, score)
        if best is None or score > best[0]:
            best = (score, DecodedText(text, encoding))

    if best is not None and best[0] >= PLAUSIBLE_SCORE:
        return best[1]

    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None:
        logger.debug("charset-normalizer guesses %s", guess.encoding)
        return DecodedText(str(guess), guess.encoding)
    if best is not None:
        return best[1]
    raise UnicodeDecodeError("unknown", data, 0, len(data), "no text encoding fits")


def plausibility(text: str, encoding: str) -> float:
    """Return the share of non-ASCII characters that sit in the common range of `encoding`.

    Common ranges: GB2312 level 1 and 2 (level 2 counts half) and GB punctuation for
    GB18030, the Big5 frequent-character block for cp950/Big5-HKSCS, JIS level 1,
    kana and punctuation for cp932. A decode in the wrong encoding lands mostly
    outside these ranges, in kana, Cyrillic or rare Han.
    """
    weights = [_char_weight(char, encoding) for char in text if ord(char) >= 0x80]
    if not weights:
        return 1.0
    return sum(weights) / len(weights)


def _char_weight(char: str, encoding: str) -> float:
    if encoding == "gb18030":
        return _gb_weight(char)
    if encoding == "cp932":
        return _jis_weight(char)
    return _big5_weight(char)


def _two_bytes(char: str, encoding: str) -> int | None:
    try:
        encoded = char.encode(encoding)
    except UnicodeEncodeError:
        return None
    if len(encoded) != 2:
        return None
    return encoded[0] << 8 | encoded[1]


def _gb_weight(char: str) -> float:
    code = _two_bytes(char, "gb2312")
    if code is None:
        return 0.0
    lead = code >> 8
    if 0xB0 <= lead <= 0xD7 or lead in (0xA1, 0xA3):
        return 1.0
    if 0xD8 <= lead <= 0xF7:
        return 0.5
    return 0.0


def _big5_weight(char: str) -> float:
    code = _two_bytes(char, "cp950")
    if code is None:
        return 0.0
    if 0xA140 <= code <= 0xC67E:
        return 1.0
    if 0xC940 <= code <= 0xF9D5:
        return 0.5
    return 0.0


def _jis_weight(char: str) -> float:
    if "\u3040" <= char <= "\u30ff":
        return 1.0
    code = _two_bytes(char, "cp932")
    if code is None:
        # Half-width katakana are single bytes in Shift_JIS. They count little because
        # GBK lead bytes read as Shift_JIS turn into exactly these characters.
        return 0.25 if "\uff61" <= char <= "\uff9f" else 0.0
    lead = code >> 8
    if lead == 0x81 or 0x88 <= lead <= 0x98:
        return 1.0
    if 0x99 <= lead <= 0x9F or 0xE0 <= lead <= 0xEA:
        return 0.5
    return 0.0
