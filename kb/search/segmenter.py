"""Chinese word segmentation: jieba, or rjieba (jieba in Rust) where it gives the same words.

rjieba 0.2 can add words but not delete them, and its `add_word` keeps the
dictionary's frequency total differently from jieba's. So it holds a copy of jieba's
state: it is rebuilt from scratch after every change of kb's user words, with each
word at the frequency jieba gave it and one filler entry that makes both totals
equal (the total scales every word's probability, so it decides segmentations).
The filler is made of private-use characters that never reach rjieba, because
rjieba sees only runs of the common Han block that jieba itself treats as Han.

rjieba is not used when it is missing, when `KB_SEGMENTER=jieba`, or when a user
word removed from jieba was in jieba's main dictionary, because rjieba cannot take
it out of its own copy.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable

import jieba

logger = logging.getLogger(__name__)

# The characters jieba 0.42 segments with its dictionary and HMM (its `re_han_default`).
_COMMON_HAN_RE = re.compile("^[\u4e00-\u9fd5]+$")
_FILLER_PREFIX = "\ue000\ue001"

_lock = threading.Lock()
_changes = 0
# jieba's frequency total before kb's first change of its dictionary.
_base_total: int | None = None
# Frequency of each user word in jieba's main dictionary before kb first changed it.
_original_freq: dict[str, int] = {}
_user_words: set[str] = set()
_removed: set[str] = set()


class _RustCopy:
    """An rjieba instance holding jieba's dictionary and kb's user words, at jieba's total."""

    def __init__(self, rjieba_module, base_total: int) -> None:  # type: ignore[no-untyped-def]
        self.engine = rjieba_module.Jieba()
        total = base_total
        for word in sorted(_user_words):
            freq = jieba.dt.FREQ.get(word, 0)
            self.engine.add_word(word, freq, None)
            total += freq - _original_freq.get(word, 0)
        missing = jieba.dt.total - total
        if missing > 0:
            self.engine.add_word(_FILLER_PREFIX + "\ue002", missing, None)
        self.tokenize: Callable[[str], list[tuple[str, int, int]]] = self.engine.tokenize


class _Choice:
    def __init__(self) -> None:
        self.rust: _RustCopy | None = None
        self.built_at = -1
        self.module = _import_rjieba()


_choice: _Choice | None = None


def _import_rjieba():  # type: ignore[no-untyped-def]
    if os.environ.get("KB_SEGMENTER", "").strip().lower() == "jieba":
        return None
    try:
        import rjieba
    except ImportError:
        return None
    return rjieba


def _state() -> _Choice:
    global _choice
    if _choice is None:
        with _lock:
            if _choice is None:
                _record_base_total()
                _choice = _Choice()
    return _choice


def _rust() -> _RustCopy | None:
    choice = _state()
    if choice.module is None or any(_original_freq.get(w, 0) for w in _removed):
        return None
    if choice.built_at != _changes:
        with _lock:
            if choice.built_at != _changes:
                assert _base_total is not None
                choice.rust = _RustCopy(choice.module, _base_total)
                choice.built_at = _changes
    return choice.rust


def _record_base_total() -> None:
    global _base_total
    if _base_total is None:
        jieba.dt.check_initialized()
        _base_total = jieba.dt.total


def engine_name() -> str:
    """Return "rjieba" or "jieba": the engine that segments common Han text now."""
    return "rjieba" if _rust() is not None else "jieba"


def add_word(word: str, freq: int | None = None) -> None:
    """Add a user word to jieba, and to rjieba's copy before its next use."""
    global _changes
    with _lock:
        _record_base_total()
        _original_freq.setdefault(word, jieba.dt.FREQ.get(word, 0))
        jieba.add_word(word, freq=freq)
        _user_words.add(word)
        _removed.discard(word)
        _changes += 1


def del_word(word: str) -> None:
    """Remove a user word from jieba, and from rjieba's copy before its next use.

    A word that jieba's main dictionary had before kb changed it goes back to that
    frequency instead of zero, so removing a tag named 雷达 never unlearns 雷达.
    """
    global _changes
    with _lock:
        _record_base_total()
        original = _original_freq.setdefault(word, jieba.dt.FREQ.get(word, 0))
        if original:
            jieba.add_word(word, freq=original)
        else:
            jieba.del_word(word)
            _user_words.discard(word)
            _removed.add(word)
        _changes += 1


def tokenize(run: str) -> list[tuple[str, int, int]]:
    """Return jieba's words of a run of CJK characters, with HMM, as (word, start, end)."""
    rust = _rust() if _COMMON_HAN_RE.match(run) else None
    if rust is not None:
        return rust.tokenize(run)
    return list(jieba.tokenize(run, HMM=True))
