"""Judge whether extracted PDF text is real CJK or Latin text, or garbage from a broken font map.

A font without a usable ToUnicode map makes extractors emit glyph ids as code
points. The result mixes scripts that never meet in a Chinese, Japanese or
English document, so the share of such characters measures the damage.
"""

from __future__ import annotations

import re
import unicodedata

# pdfminer writes "(cid:123)" for a glyph it cannot map.
_CID_PLACEHOLDER = re.compile(r"\(cid:\d+\)")

# Code point ranges expected in Chinese, Japanese and English documents.
_LIKELY_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x024F),  # Latin-1 supplement, Latin extended A and B
    (0x0370, 0x04FF),  # Greek and Cyrillic, common in technical text
    (0x2000, 0x206F),  # general punctuation
    (0x2070, 0x23FF),  # super/subscripts, currency, letterlike, number forms, arrows, math
    (0x2460, 0x27BF),  # enclosed numbers, box drawing, shapes, dingbats
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # hiragana and katakana
    (0x3100, 0x312F),  # bopomofo
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3200, 0x33FF),  # enclosed CJK, CJK compatibility (units)
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms (vertical punctuation)
    (0xFF00, 0xFFEF),  # half-width and full-width forms
)
# Code points that real text almost never contains but glyph ids read as code points often hit.
_UNLIKELY_RANGES = (
    (0x0000, 0x001F),  # control characters (whitespace is removed before counting)
    (0x007F, 0x009F),  # DEL and C1 controls
    (0x0250, 0x036F),  # IPA, spacing modifiers, combining diacritics
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2E80, 0x2FFF),  # CJK radicals, Kangxi radicals, ideographic description
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0x31C0, 0x31EF),  # CJK strokes
    (0x3400, 0x4DBF),  # CJK extension A
    (0xA000, 0xA4CF),  # Yi
    (0xD800, 0xF8FF),  # surrogates and the Private Use Area
    (0xFFF0, 0xFFFF),  # specials, including U+FFFD
    (0x20000, 0x10FFFF),  # CJK extension B and later, supplementary Private Use Areas
)
_HAN = (0x4E00, 0x9FFF)
_HANGUL_SYLLABLES = (0xAC00, 0xD7AF)
# Other scripts count as real text only in runs of this many letters from one 128-code-point block.
MIN_SCRIPT_RUN = 2

# A page whose non-space characters are at least this share unlikely is garbage.
GARBLED_SHARE = 0.2
# Fewer unlikely characters than this never make a page garbage (one odd symbol in a short line).
MIN_GARBLED_CHARACTERS = 3


def normalise_cjk(text: str) -> str:
    """Map Kangxi radicals and CJK compatibility ideographs to the unified ideographs.

    NFKC is applied to these characters only, because NFKC on the whole text
    would also turn full-width Chinese punctuation into ASCII.
    """
    return "".join(
        unicodedata.normalize("NFKC", char) if _is_compatibility_han(char) else char
        for char in text.replace("\x00", "")
    )


def _is_compatibility_han(char: str) -> bool:
    code = ord(char)
    return 0x2F00 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F


def unlikely_counts(text: str) -> tuple[int, int]:
    """Return (unlikely characters, all non-space characters) of `text`.

    Unlikely: code points in _UNLIKELY_RANGES, Hangul in a text with more Han than
    Hangul, and letters of other scripts standing alone. Glyph ids read as code
    points jump between scripts at every character, while real Arabic or Thai
    words keep several letters of one block together.
    """
    text = _CID_PLACEHOLDER.sub("\ufffd", text)
    codes = [ord(char) for char in text if not char.isspace()]
    han = sum(1 for code in codes if _HAN[0] <= code <= _HAN[1])
    hangul = sum(1 for code in codes if _HANGUL_SYLLABLES[0] <= code <= _HANGUL_SYLLABLES[1])

    unlikely = 0
    for index, code in enumerate(codes):
        if _in_ranges(code, _UNLIKELY_RANGES):
            unlikely += 1
        elif _in_ranges(code, _LIKELY_RANGES):
            continue
        elif _HANGUL_SYLLABLES[0] <= code <= _HANGUL_SYLLABLES[1]:
            unlikely += 1 if hangul <= han else 0
        elif _run_length(codes, index) < MIN_SCRIPT_RUN:
            unlikely += 1
    return unlikely, len(codes)


def _run_length(codes: list[int], index: int) -> int:
    """Return how many neighbouring code points share the 128-code-point block of codes[index]."""
    block = codes[index] >> 7
    start = index
    while start > 0 and codes[start - 1] >> 7 == block:
        start -= 1
    end = index
    while end + 1 < len(codes) and codes[end + 1] >> 7 == block:
        end += 1
    return end - start + 1


def unlikely_share(text: str) -> float:
    """Return the share of unlikely characters among the non-space characters of `text`."""
    unlikely, total = unlikely_counts(text)
    return unlikely / total if total else 0.0


def is_garbled(text: str) -> bool:
    """Return True when `text` is mostly characters a real document would not contain."""
    unlikely, total = unlikely_counts(text)
    return unlikely >= MIN_GARBLED_CHARACTERS and unlikely / total >= GARBLED_SHARE


def _in_ranges(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code <= high for low, high in ranges)
