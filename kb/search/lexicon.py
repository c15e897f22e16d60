"""Words that shape the analysis: the user dictionary, synonyms and stop words.

The user dictionary is jieba's: domain words shipped with kb, words an administrator
adds in `dictionary.txt` in the data folder, and customer names, short names,
opportunity names and tags from the database. Synonyms come from the shipped list
and `synonyms.txt` in the data folder. Both files are read again when they change,
and the database words when they change, so no restart is needed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from kb.models import Customer, Opportunity, Tag
from kb.search import analyzer, segmenter

logger = logging.getLogger(__name__)

SHIPPED = Path(__file__).parent / "data"
DICTIONARY_FILE = "dictionary.txt"
SYNONYMS_FILE = "synonyms.txt"
STOPWORDS_FILE = "stopwords.txt"
# Interval, in seconds, between a process's checks for changed files or database words.
REFRESH_INTERVAL = 2.0
# Frequency given to database words so that jieba keeps them whole.
DATABASE_WORD_FREQUENCY = 5000


@dataclass
class _State:
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    added_words: set[str] = field(default_factory=set)
    file_stamp: tuple[float, ...] = ()
    db_stamp: tuple[object, ...] = ()
    checked_at: float = 0.0
    data_root: Path | None = None


_state = _State()
_lock = threading.Lock()


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        logger.warning("cannot read %s: %s", path, exc)
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def parse_synonyms(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Map each normalised word to the other words of its groups."""
    groups: dict[str, set[str]] = {}
    for line in lines:
        words = [analyzer.normalise(w).strip() for w in line.replace("，", ",").replace("、", ",").split(",")]
        words = [w for w in words if w]
        for word in words:
            groups.setdefault(word, set()).update(w for w in words if w != word)
    return {word: tuple(sorted(others)) for word, others in groups.items() if others}


def _dictionary_words(lines: Iterable[str]) -> dict[str, int | None]:
    words: dict[str, int | None] = {}
    for line in lines:
        parts = line.split()
        frequency = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        words[analyzer.normalise(parts[0])] = frequency
    return words


def _database_words(session: Session) -> set[str]:
    words: set[str] = set()
    for name, aliases in session.exec(select(Customer.name, Customer.aliases)):
        words.add(name)
        words.update(a for a in (aliases or "").splitlines())
    words.update(session.exec(select(Opportunity.name)).all())
    words.update(session.exec(select(Tag.name)).all())
    return {analyzer.normalise(w).strip() for w in words if w and analyzer.has_han(w)}


def _database_stamp(session: Session) -> tuple[object, ...]:
    customers = session.exec(select(func.count(Customer.id), func.max(Customer.updated_at))).one()
    opportunities = session.exec(select(func.count(Opportunity.id), func.max(Opportunity.updated_at))).one()
    tags = session.exec(select(func.count(Tag.id), func.max(Tag.id))).one()
    return (*customers, *opportunities, *tags)


def _file_stamp(data_root: Path | None) -> tuple[float, ...]:
    stamps = []
    for name in (DICTIONARY_FILE, SYNONYMS_FILE):
        path = data_root / name if data_root else None
        stamps.append(path.stat().st_mtime if path and path.is_file() else 0.0)
    return tuple(stamps)


def _apply_words(words: dict[str, int | None]) -> None:
    """Add new words to jieba and take back the ones no longer listed."""
    analyzer.ensure_jieba()
    for word in _state.added_words - set(words):
        segmenter.del_word(word)
    for word, frequency in words.items():
        if word not in _state.added_words:
            segmenter.add_word(word, freq=frequency)
    _state.added_words = set(words)


def configure(data_root: Path) -> None:
    """Set the data folder whose dictionary and synonym files this process reads."""
    if _state.data_root != data_root:
        _state.data_root = data_root
        _state.checked_at = 0.0
        _state.file_stamp = ()


def refresh(session: Session | None = None, force: bool = False) -> bool:
    """Reload files and database words if they changed; return True when something changed."""
    data_root = _state.data_root
    now = time.monotonic()
    if not force and now - _state.checked_at < REFRESH_INTERVAL and _state.stopwords:
        return False
    with _lock:
        _state.checked_at = now
        file_stamp = _file_stamp(data_root)
        db_stamp = _database_stamp(session) if session is not None else _state.db_stamp
        if not force and _state.stopwords and file_stamp == _state.file_stamp and db_stamp == _state.db_stamp:
            return False
        _reload(data_root, session)
        _state.file_stamp, _state.db_stamp = file_stamp, db_stamp
        return True


def _reload(data_root: Path | None, session: Session | None) -> None:
    own = [data_root / f for f in (DICTIONARY_FILE, SYNONYMS_FILE)] if data_root else []
    words = _dictionary_words(_lines(SHIPPED / DICTIONARY_FILE))
    if own:
        words.update(_dictionary_words(_lines(own[0])))
    if session is not None:
        for word in _database_words(session):
            words.setdefault(word, DATABASE_WORD_FREQUENCY)
    _apply_words(words)
    synonym_lines = _lines(SHIPPED / SYNONYMS_FILE) + (_lines(own[1]) if own else [])
    _state.synonyms = parse_synonyms(synonym_lines)
    _state.stopwords = frozenset(analyzer.normalise(w) for w in _lines(SHIPPED / STOPWORDS_FILE))
    logger.info("lexicon loaded: %d user words, %d synonym entries", len(words), len(_state.synonyms))


def synonyms_of(word: str) -> tuple[str, ...]:
    return _state.synonyms.get(word, ())


def stopwords() -> frozenset[str]:
    if not _state.stopwords:
        refresh()
    return _state.stopwords


def write_templates(data_root: Path) -> list[Path]:
    """Create the administrator's dictionary and synonym files with instructions, if missing."""
    created = []
    templates = {
        DICTIONARY_FILE: "# 领域词典：每行一个词，格式为“词语 [词频] [词性]”，例如：\n# 苏气象 5000 nz\n",
        SYNONYMS_FILE: "# 同义词：每行一组，用逗号分隔，例如：\n# 报价, 报价单, 价格\n",
    }
    data_root.mkdir(parents=True, exist_ok=True)
    for name, text in templates.items():
        path = data_root / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            created.append(path)
    return created
