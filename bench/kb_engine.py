"""kb's side of the benchmark: a real data folder searched through run_search, on any search backend.

With the Whoosh and Tantivy backends the database is SQLite. The postgres backend
keeps both the database and the index in a PostgreSQL database made for the run.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text as sql_text

from bench.corpus import BenchDocument


BACKENDS = ("whoosh", "tantivy", "postgres")


def kb_settings(data_dir: Path, backend: str = "whoosh", database_url: str | None = None):  # type: ignore[no-untyped-def]
    from kb.config import Settings

    return Settings(library_dir=data_dir / "library", data_dir=data_dir, database_url=database_url, search_backend=backend)


def backend_of(engine_name: str) -> str:
    """Return the search backend of an engine name such as `kb-tantivy`."""
    backend = engine_name.removeprefix("kb-")
    if backend not in BACKENDS:
        raise ValueError(f"unknown kb engine {engine_name!r}: use one of {', '.join('kb-' + b for b in BACKENDS)}")
    return backend


def store_documents(settings, docs: Sequence[BenchDocument]) -> None:  # type: ignore[no-untyped-def]
    """Insert the documents as database rows, the source `kb reindex` reads."""
    from sqlalchemy import insert

    from kb.db import get_engine
    from kb.models import Document, DocumentStatus

    rows = [
        {
            "id": d.id, "library": d.library, "path": f"{d.library}/{d.folder}/{d.id}.{d.format}".replace("//", "/"),
            "folder": d.folder, "filename": f"{d.id}.{d.format}", "format": d.format, "sha256": f"{d.id:064x}",
            "title": d.title, "text": d.content, "modified": datetime.fromisoformat(d.modified).replace(tzinfo=timezone.utc),
            "status": DocumentStatus.OK, "notes": "", "version": 1, "size": d.size_bytes(), "mtime": 0.0,
            "needs_ocr": False, "ingested_at": datetime(2025, 1, 1, tzinfo=timezone.utc), "updated_at": datetime(2025, 1, 1, tzinfo=timezone.utc),
        }
        for d in docs
    ]
    engine = get_engine(settings)
    if engine.dialect.name == "postgresql":
        from kb.db import upgrade_database

        upgrade_database(engine)
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(Document), rows[start : start + 5000])


def create_token(settings) -> str:  # type: ignore[no-untyped-def]
    """Store a read token without grants for the HTTP measurements, limited to the libraries that are not confidential."""
    from kb.accounts import create_token as make
    from kb.db import session_scope

    with session_scope(settings) as session:
        # A new name each time, so that the same data folder can be measured again.
        return make(session, f"bench-{secrets.token_hex(4)}", "read")


def open_libraries() -> frozenset[str]:
    """Return the libraries open to a user without grants, such as new market staff."""
    from kb.libraries import LIBRARIES

    return frozenset(lib.key for lib in LIBRARIES if not lib.confidential)


def analyse(docs: Sequence[BenchDocument]) -> None:
    """Run kb's analysis over every field Whoosh analyses, without indexing."""
    from kb.search import analyzer

    for doc in docs:
        analyzer.word_tokens(doc.title)
        analyzer.word_tokens(doc.content)
        analyzer.gram_tokens(doc.title)
        analyzer.gram_tokens(doc.content)


def sizes(settings) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Return the bytes of kb's database (without the index) and of its search index."""
    from kb.db import get_engine

    engine = get_engine(settings)
    if engine.dialect.name != "postgresql":
        with engine.connect() as connection:
            # Move the write-ahead log into the database file, so that the size is the database's own.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database = sum(p.stat().st_size for p in settings.data_root.glob("kb.sqlite3*"))
        if settings.search_backend == "tantivy":
            from kb.search.tantivy_backend import INDEX_FOLDER

            folder = settings.data_root / INDEX_FOLDER
        else:
            folder = settings.index_dir
        index = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        return {"database_bytes": database, "index_bytes": index}
    with engine.connect() as connection:
        total = connection.execute(sql_text("SELECT pg_database_size(current_database())")).scalar_one()
        index = connection.execute(
            sql_text("SELECT coalesce(sum(pg_total_relation_size(oid)), 0) FROM pg_class WHERE relname IN ('search_entry', 'search_meta') AND relkind = 'r'")
        ).scalar_one()
    return {"database_bytes": int(total) - int(index), "index_bytes": int(index)}


class KbEngine:
    """kb over one data folder: `index` rebuilds it, `search` runs one query with snippets and facets."""

    def __init__(self, folder: Path, name: str = "kb-whoosh", database_url: str | None = None) -> None:
        from kb.search import lexicon

        self.name = name
        self.settings = kb_settings(folder, backend_of(name), database_url)
        lexicon.configure(self.settings.data_root)
        self.backend = None

    def prepare(self, docs: Sequence[BenchDocument]) -> None:
        """Store the documents in the database and load the user dictionary, untimed."""
        from kb.db import session_scope
        from kb.search import lexicon

        store_documents(self.settings, docs)
        with session_scope(self.settings) as session:
            lexicon.refresh(session, force=True)

    def analyse(self, docs: Sequence[BenchDocument]) -> None:
        analyse(docs)

    def index(self, docs: Sequence[BenchDocument]) -> None:
        from kb.db import session_scope
        from kb.indexing import rebuild
        from kb.search import recreate_backend

        self.backend = recreate_backend(self.settings)
        with session_scope(self.settings) as session:
            rebuild(session, self.backend)

    def open_cost(self) -> dict[str, float]:
        """Close the index, then time opening it and the first and second searches."""
        from kb.search import open_backend

        self.backend.close()
        started = time.perf_counter()
        self.backend = open_backend(self.settings)
        opened = time.perf_counter()
        self.search("雷达 报价")
        first = time.perf_counter()
        self.clear_cache()
        self.search("雷达 报价")
        second = time.perf_counter()
        return {"open_s": opened - started, "first_search_s": first - opened, "second_search_s": second - first}

    def warm_up(self) -> None:
        """Build the suggestion candidates now, as a server that has run for a while has them.

        Otherwise the first query without results starts their background build, which
        shares the interpreter with the timed queries that follow.
        """
        from sqlmodel import Session

        from kb.db import get_engine
        from kb.search import suggest

        with Session(get_engine(self.settings)) as session:
            suggest.rebuild_now(session)

    def search(self, query: str) -> int:
        from sqlmodel import Session

        from kb.db import get_engine
        from kb.search.backend import SearchFilters
        from kb.search.service import run_search

        with Session(get_engine(self.settings)) as session:
            filters = SearchFilters(allowed_libraries=open_libraries())
            page = run_search(session, self.backend, query, filters, limit=10, facets=True)
        return len(page.results)

    @property
    def has_cache(self) -> bool:
        return getattr(self.backend, "cache", None) is not None

    def clear_cache(self) -> None:
        if self.has_cache:
            self.backend.cache.clear()

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
        from kb.db import dispose_engines

        dispose_engines()
