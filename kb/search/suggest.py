"""Suggestions as the user types, and "did you mean" for queries that find nothing.

Candidates are document titles, tags, customer names and short names, opportunity
names and model codes. They are matched by their text, by pinyin (`leida`) and by
pinyin initials (`ld`). Each candidate keeps the libraries it comes from, so a user
never sees a title or a code that only a confidential library holds.

The candidates are rebuilt when the database changes: in the request that notices it
for a small library, in a background thread for a large one, so that no search waits
for a scan of every document.
"""

from __future__ import annotations

import difflib
import logging
import re
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.libraries import KEYS
from kb.models import Customer, Document, DocumentStatus, Opportunity, Tag
from kb.search import analyzer, segmenter

# A model code such as JDX-2000 or QX7200; the look-arounds keep document numbers such
# as HC-BJ-2024-0312 whole, so no fragment of one is offered as a code.
_CODE_RE = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z]{2,5}-?\d{3,5}(?:-[A-Za-z0-9]{1,4})?(?![A-Za-z0-9-])")
# How much of each document's text is scanned for model codes.
CODE_SCAN_CHARS = 20000
REFRESH_INTERVAL = 2.0
_ALL = frozenset(KEYS)
logger = logging.getLogger(__name__)
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


def _word_pinyin(word: str) -> list[str]:
    found = _word_pinyin_memo.get(word)
    if found is None:
        # Imported on first use: pypinyin's phrase table takes about 0.2 s to load.
        from pypinyin import lazy_pinyin

        found = _word_pinyin_memo[word] = lazy_pinyin(word, errors="ignore")
    return found


def _pinyin(norm: str) -> tuple[str, str]:
    """Return the pinyin and the pinyin initials of a normalised text, remembered for the process.

    pypinyin converts each jieba word with its phrase table, which contains the readings
    of words such as 银行 and 重庆. Words repeat across titles, so each is converted once.
    """
    found = _pinyin_memo.get(norm)
    if found is None:
        syllables = [s for run in _HAN_RUN_RE.findall(norm) for word, _start, _end in segmenter.tokenize(run) for s in _word_pinyin(word)]
        found = _pinyin_memo[norm] = ("".join(syllables), "".join(s[0] for s in syllables if s))
    return found


def _entry(text: str, kind: str, libraries: frozenset[str], document_id: int | None = None) -> _Entry:
    norm = analyzer.normalise(text).strip()
    return _Entry(text, kind, libraries, document_id, norm, *_pinyin(norm))


class _Cache:
    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self.stamp: tuple[object, ...] | None = None
        self.checked_at = 0.0
        self.next_build_at = 0.0
        self.building = False
        self.lock = threading.Lock()


_cache = _Cache()
# Pinyin of every candidate and every word seen in this process, kept across rebuilds:
# pypinyin needs about 0.3 ms a call, so a rebuild computes it only for new texts.
_pinyin_memo: dict[str, tuple[str, str]] = {}
_word_pinyin_memo: dict[str, list[str]] = {}
_HAN_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Up to this many documents, the request that notices a change rebuilds the candidates.
# Above it a background thread rebuilds them, and requests use the previous candidates.
SYNC_BUILD_DOCUMENTS = 5000
# A background rebuild waits this many times its last duration before the next one, so
# a large library that changes all the time is not rescanned without pause.
REBUILD_SPACING = 10.0


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
        select(Document.id, Document.title, Document.library, func.substr(Document.text, 1, CODE_SCAN_CHARS))
        .where(Document.status == DocumentStatus.OK)
    )
    for doc_id, title, library, text in rows:
        entries.append(_entry(title, "title", frozenset({library}), doc_id))
        for code in _CODE_RE.findall(f"{title}\n{text or ''}"):
            codes.setdefault(code.upper(), set()).add(library)
    entries.extend(_entry(code, "code", frozenset(libs)) for code, libs in codes.items())
    entries.extend(_entry(name, "tag", _ALL) for name in session.exec(select(Tag.name)))
    for name, aliases in session.exec(select(Customer.name, Customer.aliases)):
        entries.append(_entry(name, "customer", _ALL))
        entries.extend(_entry(alias, "customer", _ALL) for alias in (aliases or "").splitlines() if alias.strip())
    entries.extend(_entry(name, "opportunity", _ALL) for name in session.exec(select(Opportunity.name)))
    return entries


def _build_in_background(engine: Engine, stamp: tuple[object, ...]) -> None:
    started = time.monotonic()
    try:
        with Session(engine) as session:
            entries = _build(session)
    except Exception:  # noqa: BLE001 - a failed rebuild keeps the previous candidates
        logger.exception("rebuilding the suggestion candidates failed; the previous ones stay in use")
        with _cache.lock:
            _cache.building = False
        return
    took = time.monotonic() - started
    logger.info("rebuilt %d suggestion candidates in %.1f s", len(entries), took)
    with _cache.lock:
        _cache.entries, _cache.stamp, _cache.building = entries, stamp, False
        _cache.next_build_at = time.monotonic() + REBUILD_SPACING * took


def _entries(session: Session) -> list[_Entry]:
    """Return the current candidates; a large library's change shows after a background rebuild."""
    now = time.monotonic()
    if _cache.stamp is not None and now - _cache.checked_at < REFRESH_INTERVAL:
        return _cache.entries
    with _cache.lock:
        _cache.checked_at = now
        if _cache.building or now < _cache.next_build_at:
            return _cache.entries
        stamp = _stamp(session)
        if stamp == _cache.stamp:
            return _cache.entries
        if stamp[0] <= SYNC_BUILD_DOCUMENTS:
            _cache.entries = _build(session)
            _cache.stamp = stamp
            return _cache.entries
        _cache.building = True
        engine = session.get_bind()
    threading.Thread(target=_build_in_background, args=(engine, stamp), name="kb-suggest-build", daemon=True).start()
    return _cache.entries


def rebuild_now(session: Session) -> None:
    """Build the candidates in this thread, whatever the library's size, as a warm-up before serving."""
    with _cache.lock:
        stamp = _stamp(session)
        _cache.entries = _build(session)
        _cache.stamp, _cache.checked_at = stamp, time.monotonic()


# The last candidate list asked about and its candidates that are not titles.
_terms_of: tuple[list[_Entry], list[_Entry]] = ([], [])


def _terms(entries: list[_Entry]) -> list[_Entry]:
    """Return the candidates that are not titles, computed once per list of candidates."""
    global _terms_of
    known, terms = _terms_of
    if known is not entries:
        terms = [e for e in entries if e.kind != "title"]
        _terms_of = (entries, terms)
    return terms


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
    vocabulary = {e.norm: e.text for e in _terms(_entries(session)) if e.libraries & allowed}
    candidates = list(vocabulary)
    fixed = analyzer.normalise(query)
    changed = False
    for word in unknown:
        close = difflib.get_close_matches(analyzer.normalise(word), candidates, n=1, cutoff=0.6)
        if close and vocabulary[close[0]] != word:
            fixed = fixed.replace(word, vocabulary[close[0]], 1)
            changed = True
    return fixed if changed else None
