"""kb's own highlighter: the same snippets whatever backend found the document."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import jieba

from kb.search import analyzer

FRAGMENT_CHARS = 120
MAX_FRAGMENTS = 2
_MAX_MATCHES = 5000
_CONTEXT_BEFORE = 24
_SENTENCE_BREAKS = "。！？；;!?\n"
_SOFT_BREAKS = "，、,：:）)】」 \t"
_CODE_CHAR_RE = re.compile(r"[a-z0-9]")
_CODE_PART_RE = re.compile(r"[a-z]+|[0-9]+")
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    term: str


def _term_pattern(term: str) -> str:
    if analyzer.has_han(term):
        return re.escape(term)
    parts = _CODE_PART_RE.findall(term)
    if len(parts) > 1 and "".join(parts) == re.sub(r"[-_./ ]", "", term):
        # A code matches whatever separators a document writes: qx7200, qx-7200, qx 7200.
        body = r"[-_./ ]?".join(re.escape(p) for p in parts)
    else:
        body = re.escape(term)
    return rf"(?<![a-z0-9]){body}[a-z0-9]*(?:[-_./][a-z0-9]+)*"


def _find_matches(norm: str, terms: list[str]) -> list[_Match]:
    if not terms:
        return []
    patterns = [(term, re.compile(_term_pattern(term))) for term in terms]
    combined = re.compile("|".join(f"(?P<t{i}>{p.pattern})" for i, (_t, p) in enumerate(patterns)))
    matches: list[_Match] = []
    for found in combined.finditer(norm):
        index = int(found.lastgroup[1:]) if found.lastgroup else 0
        matches.append(_Match(found.start(), found.end(), terms[index]))
        if len(matches) >= _MAX_MATCHES:
            break
    return matches


def _best_window(matches: list[_Match], taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    best: tuple[int, int, int] | None = None
    for i, first in enumerate(matches):
        start = max(0, first.start - _CONTEXT_BEFORE)
        end = start + FRAGMENT_CHARS
        if any(start < t_end and end > t_start for t_start, t_end in taken):
            continue
        inside = [m for m in matches[i:] if m.end <= end]
        score = len({m.term for m in inside}) * 100 + len(inside)
        if best is None or score > best[0]:
            best = (score, start, end)
    return (best[1], best[2]) if best else None


def _snap_start(norm: str, start: int) -> int:
    if start <= _CONTEXT_BEFORE:
        return 0
    for i in range(start, max(0, start - 20), -1):
        if norm[i - 1] in _SENTENCE_BREAKS:
            return i
    return _word_boundary(norm, start, forward=False)


def _snap_end(norm: str, end: int) -> int:
    if end >= len(norm):
        return len(norm)
    for i in range(end, max(0, end - 20), -1):
        if norm[i - 1] in _SENTENCE_BREAKS:
            return i
    return _word_boundary(norm, end, forward=True)


def _word_boundary(norm: str, cut: int, forward: bool) -> int:
    """Move a cut so that it does not split a code or a jieba word."""
    while 0 < cut < len(norm) and _CODE_CHAR_RE.match(norm[cut - 1]) and _CODE_CHAR_RE.match(norm[cut]):
        cut = cut + 1 if forward else cut - 1
    if 0 < cut < len(norm) and analyzer.has_han(norm[cut - 1]) and analyzer.has_han(norm[cut]):
        analyzer.ensure_jieba()
        lo, hi = max(0, cut - 8), min(len(norm), cut + 8)
        for _word, w_start, w_end in jieba.tokenize(norm[lo:hi]):
            if lo + w_start < cut < lo + w_end:
                return lo + w_end if forward else lo + w_start
    return cut


def _render(text: str, start: int, end: int, matches: list[_Match]) -> str:
    pieces: list[str] = []
    cursor = start
    for match in matches:
        if match.start < cursor or match.end > end:
            continue
        pieces.append(html.escape(_SPACE_RE.sub(" ", text[cursor : match.start])))
        pieces.append(f"<mark>{html.escape(_SPACE_RE.sub(' ', text[match.start : match.end]))}</mark>")
        cursor = match.end
    pieces.append(html.escape(_SPACE_RE.sub(" ", text[cursor:end])))
    body = "".join(pieces).strip()
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return f"{prefix}{body}{suffix}"


def make_snippet(text: str, terms: list[str]) -> str:
    """Return HTML with the best one or two fragments of `text`, matched terms in <mark>."""
    if not text:
        return ""
    norm = analyzer.normalise(text)
    matches = _find_matches(norm, terms)
    if not matches:
        end = _snap_end(norm, min(len(norm), FRAGMENT_CHARS))
        return _render(text, 0, end, [])
    windows: list[tuple[int, int]] = []
    for _ in range(MAX_FRAGMENTS):
        window = _best_window(matches, windows)
        if window is None:
            break
        if windows and not any(window[0] <= m.start and m.end <= window[1] for m in matches):
            break
        windows.append(window)
    fragments = []
    for start, end in sorted(windows):
        start, end = _snap_start(norm, start), _snap_end(norm, end)
        fragments.append(_render(text, start, end, matches))
    return " ".join(fragments)


def highlight_title(title: str, terms: list[str]) -> str:
    """Return the escaped title with matched terms in <mark>."""
    norm = analyzer.normalise(title)
    return _render(title, 0, len(title), _find_matches(norm, terms)) if title else ""
