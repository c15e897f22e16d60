"""Chinese text analysis shared by every search backend, for documents and queries alike.

Text is normalised (NFKC, lower case, traditional Han to simplified), cut into runs of Han characters and runs of
letters and digits, and turned into two token streams:

- words: jieba's words for Han runs, plus the dictionary sub-words of long words at
  the same position, and model codes (`qx-7200`) as one joined token plus their
  letter and digit parts. Positions are token ordinals, so phrases work on Chinese.
- grams: overlapping Han character bigrams (and the last character of each run as a
  unigram), with character ordinals as positions. They keep recall when a query and
  a document are segmented differently, and make exact phrase matching independent
  of segmentation.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple
from pathlib import Path

import jieba
import opencc

from kb.search import segmenter

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Scripts written without spaces between words, analysed like Han text: kana and Hangul.
_CJK = _HAN + r"\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af"
_RUN_RE = re.compile(rf"(?P<han>[{_CJK}]+)|(?P<code>[a-z0-9]+(?:[-_./][a-z0-9]+)*)")
_ALNUM_PART_RE = re.compile(r"[a-z]+|[0-9]+")
_HAN_RE = re.compile(rf"[{_CJK}]")

_init_lock = threading.Lock()
_initialised = False


class Token(NamedTuple):
    """A term with its position (ordinal) and character offsets in the normalised text.

    A named tuple rather than a frozen dataclass: an analysis makes millions of these,
    and a tuple is built about twice as fast.
    """

    text: str
    pos: int
    start: int
    end: int


def _normalise_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        folded = char
    lowered = folded.lower()
    return lowered if len(lowered) == 1 else folded


def _traditional_to_simplified() -> dict[str, str]:
    """Map each traditional Han character to its simplified form, one character for one."""
    han = [chr(code) for code in range(0x3400, 0xA000)] + [chr(code) for code in range(0xF900, 0xFB00)]
    converted = opencc.OpenCC("t2s").convert("\n".join(han)).split("\n")
    if len(converted) != len(han):
        logger.warning("traditional to simplified table skipped: converter changed line count")
        return {}
    return {src: dst for src, dst in zip(han, converted) if src != dst and len(dst) == 1}


def _build_table() -> dict[int, str]:
    t2s = _traditional_to_simplified()
    table: dict[int, str] = {}
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = _normalise_char(char)
        folded = t2s.get(folded, folded)
        if folded != char:
            table[code] = folded
    return table


_TABLE = _build_table()


def normalise(text: str) -> str:
    """Fold full-width forms, compatibility characters, case and traditional Han, one character for one.

    The result has the same length as the input, so offsets found in it are offsets
    in the original text too.
    """
    return text.translate(_TABLE)


def use_cache_dir(folder: Path) -> None:
    """Keep jieba's dictionary cache in `folder` instead of the system temporary folder.

    jieba loads its main dictionary from this cache in about 0.5 s instead of parsing it
    again; a cache in the data folder survives reboots that clear /tmp.
    """
    if not _initialised:
        folder.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(folder)


def ensure_jieba() -> None:
    """Load jieba's dictionary once per process."""
    global _initialised
    if _initialised:
        return
    with _init_lock:
        if not _initialised:
            jieba.initialize()
            _initialised = True


def has_han(text: str) -> bool:
    return _HAN_RE.search(text) is not None


def _code_tokens(code: str, pos: int, start: int) -> Iterator[Token]:
    parts = list(_ALNUM_PART_RE.finditer(code))
    yield Token("".join(p.group() for p in parts), pos, start, start + len(code))
    if len(parts) > 1:
        for part in parts:
            yield Token(part.group(), pos, start + part.start(), start + part.end())


def _sub_words(word: str) -> Iterator[tuple[str, int]]:
    """Yield the dictionary words of length 2 and 3 inside a longer word, with offsets."""
    freq = jieba.dt.FREQ
    for size in (2, 3):
        if len(word) <= size:
            continue
        for i in range(len(word) - size + 1):
            part = word[i : i + size]
            if freq.get(part):
                yield part, i


def _han_word_tokens(run: str, pos: int, start: int) -> Iterator[Token]:
    for word, w_start, w_end in segmenter.tokenize(run):
        yield Token(word, pos, start + w_start, start + w_end)
        for part, offset in _sub_words(word):
            yield Token(part, pos, start + w_start + offset, start + w_start + offset + len(part))
        pos += 1


def word_tokens(text: str, normalised: bool = False) -> list[Token]:
    """Return the word tokens of a text; positions are word ordinals."""
    ensure_jieba()
    norm = text if normalised else normalise(text)
    tokens: list[Token] = []
    pos = 0
    for match in _RUN_RE.finditer(norm):
        if match.lastgroup == "han":
            before = len(tokens)
            tokens.extend(_han_word_tokens(match.group(), pos, match.start()))
            pos = tokens[-1].pos + 1 if len(tokens) > before else pos
        else:
            tokens.extend(_code_tokens(match.group(), pos, match.start()))
            pos += 1
    return tokens


def gram_tokens(text: str, normalised: bool = False, query: bool = False) -> list[Token]:
    """Return Han bigrams, each run's last character and joined codes; positions are character ordinals.

    With `query`, a run's last character is left out unless the run is a single
    character, because inside a longer document text it is not a run's end.
    """
    norm = text if normalised else normalise(text)
    tokens: list[Token] = []
    pos = 0
    for match in _RUN_RE.finditer(norm):
        run, start = match.group(), match.start()
        if match.lastgroup == "han":
            for i in range(len(run) - 1):
                tokens.append(Token(run[i : i + 2], pos + i, start + i, start + i + 2))
            last = len(run) - 1
            if not query or last == 0:
                tokens.append(Token(run[last], pos + last, start + last, start + last + 1))
            pos += len(run)
        else:
            joined = "".join(_ALNUM_PART_RE.findall(run))
            tokens.append(Token(joined, pos, start, start + len(run)))
            pos += 1
    return tokens


def main_words(text: str) -> list[str]:
    """Return the word sequence of a text without sub-words: one term per position."""
    seen_pos: set[int] = set()
    words: list[str] = []
    for token in word_tokens(text):
        if token.pos not in seen_pos:
            seen_pos.add(token.pos)
            words.append(token.text)
    return words


def grams_sequence(text: str) -> list[str]:
    """Return the gram terms of a text in position order, for an exact phrase query."""
    return [token.text for token in gram_tokens(text, query=True)]
