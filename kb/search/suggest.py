"""Suggestions as the user types, and "did you mean" for queries that find nothing.

Candidates are document titles, tags, customer names and short names, opportunity
names and model codes. They are matched by their text, by pinyin (`leida`) and by
pinyin initials (`ld`). Each candidate keeps the libraries it comes from, so a user
never sees a title or a code that only a confidential library holds.
"""

from __future__ import annotations

import difflib
import re
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from kb.libraries import KEYS
from kb.models import Customer, Document, DocumentStatus, Opportunity, Tag
from kb.search import analyzer

# A model code such as JDX-2000 or QX7200; the look-arounds keep document numbers such
# as HC-BJ-2024-0312 whole, so no fragment of one is offered as a code.
_CODE_RE = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z]{2,5}-?\d{3,5}(?:-[A-Za-z0-9]{1,4})?(?![A-Za-z0-9-])")
# How much of each document's text is scanned for model codes.
CODE_SCAN_CHARS = 20000
REFRESH_INTERVAL = 2.0
_ALL = frozenset(KEYS)
KIND_ORDER = {"code": 0, "customer": 1, "tag": 2, "opportunity": 3, "title": 4}


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str
    document_id: int | None = None


@dataclass(frozen=True)
class _Entry:
    text: str
    kind: str
    libraries: frozenset[str]
    document_id: int | None
    norm: str
    pinyin: str
    initials: str


def _entry(text: str, kind: str, libraries: frozenset[str], document_id: int | None = None) -> _Entry:
    # Imported on first use: pypinyin's phrase table takes about 0.2 s to load.
    from pypinyin import Style, lazy_pinyin

    norm = analyzer.normalise(text).strip()
    syllables = lazy_pinyin(norm, errors="ignore")
    initials = "".join(lazy_pinyin(norm, style=Style.FIRST_LETTER, errors="ignore"))
    return _Entry(text, kind, libraries, document_id, norm, "".join(syllables), initials)


class _Cache:
    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self.stamp: tuple[object, ...] | None = None
        self.checked_at = 0.0
        self.lock = threading.Lock()


_cache = _Cache()


def _stamp(session: Session) -> tuple[object, ...]:
    docs = session.exec(select(func.count(Document.id), func.max(Document.updated_at))).one()
    tags = session.exec(select(func.count(Tag.id), func.max(Tag.id))).one()
    customers = session.exec(select(func.count(Customer.id), func.max(Customer.updated_at))).one()
    opportunities = session.exec(select(func.count(Opportunity.id), func.max(Opportunity.updated_at))).one()
    return (*docs, *tags, *customers, *opportunities)


def _build(session: Session) -> list[_Entry]:
    entries: list[_Entry] = []
    codes: dict[str, set[str]] = {}
    rows = session.exec(
        select(Document.id, Document.title, Document.library, Document.text).where(Document.status == DocumentStatus.OK)
    )
    for doc_id, title, library, text in rows:
        entries.append(_entry(title, "title", frozenset({library}), doc_id))
        for code in _CODE_RE.findall(f"{title}\n{(text or '')[:CODE_SCAN_CHARS]}"):
            codes.setdefault(code.upper(), set()).add(library)
    entries.extend(_entry(code, "code", frozenset(libs)) for code, libs in codes.items())
    entries.extend(_entry(name, "tag", _ALL) for name in session.exec(select(Tag.name)))
    for name, aliases in session.exec(select(Customer.name, Customer.aliases)):
        entries.append(_entry(name, "customer", _ALL))
        entries.extend(_entry(alias, "customer", _ALL) for alias in (aliases or "").splitlines() if alias.strip())
    entries.extend(_entry(name, "opportunity", _ALL) for name in session.exec(select(Opportunity.name)))
    return entries


def _entries(session: Session) -> list[_Entry]:
    now = time.monotonic()
    if _cache.stamp is not None and now - _cache.checked_at < REFRESH_INTERVAL:
        return _cache.entries
    with _cache.lock:
        stamp = _stamp(session)
        if stamp != _cache.stamp:
            _cache.entries = _build(session)
            _cache.stamp = stamp
        _cache.checked_at = now
        return _cache.entries


def _rank(entry: _Entry, typed: str) -> int | None:
    """Lower is better; None when the entry does not match what was typed."""
    compact = typed.replace(" ", "")
    if entry.norm.startswith(typed):
        return 0
    if typed in entry.norm:
        return 1
    if compact.isascii() and compact.isalpha():
        if entry.pinyin.startswith(compact):
            return 2
        if entry.initials.startswith(compact):
            return 3
    return None


def suggest(session: Session, typed: str, allowed: frozenset[str], limit: int = 10) -> list[Suggestion]:
    """Return candidates that complete what the user typed, best first, visible ones only."""
    query = analyzer.normalise(typed or "").strip()
    if not query:
        return []
    scored: list[tuple[int, int, int, str, _Entry]] = []
    for entry in _entries(session):
        if not entry.libraries & allowed:
            continue
        rank = _rank(entry, query)
        if rank is not None:
            scored.append((rank, KIND_ORDER[entry.kind], len(entry.text), entry.text, entry))
    scored.sort(key=lambda item: item[:4])
    seen: set[tuple[str, str]] = set()
    results: list[Suggestion] = []
    for *_key, entry in scored:
        if (entry.text, entry.kind) in seen:
            continue
        seen.add((entry.text, entry.kind))
        results.append(Suggestion(entry.text, entry.kind, entry.document_id))
        if len(results) >= limit:
            break
    return results


def did_you_mean(session: Session, query: str, unknown: list[str], allowed: frozenset[str]) -> str | None:
    """Return the query with each word that found nothing replaced by the nearest known term."""
    vocabulary = {e.norm: e.text for e in _entries(session) if e.kind != "title" and e.libraries & allowed}
    candidates = list(vocabulary)
    fixed = analyzer.normalise(query)
    changed = False
    for word in unknown:
        close = difflib.get_close_matches(analyzer.normalise(word), candidates, n=1, cutoff=0.6)
        if close and vocabulary[close[0]] != word:
            fixed = fixed.replace(word, vocabulary[close[0]], 1)
            changed = True
    return fixed if changed else None
