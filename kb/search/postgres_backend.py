"""Scale-out search: kb's own tokens in a PostgreSQL `tsvector` column with a GIN index.

Every application process on every machine reads and writes the same tables, so a
document indexed by one process is found by all the others at once. The process keeps
no state about the index beyond its connection pool.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection, Engine

from kb.config import Settings
from kb.search import postgres_schema as schema
from kb.search.backend import FACET_FIELDS, Hit, IndexDocument, IndexVersionError, SearchFilters, SearchRequest, SearchResults
from kb.search.keywords import key_terms
from kb.search.postgres_query import Any, Match, Parameters, fold, phrase, positive_leaves, query_node, to_sql, whole_phrase
from kb.search.postgres_tsvector import tsvector_literal

logger = logging.getLogger(__name__)

# ts_rank_cd weights in PostgreSQL's order {D, C, B, A}: content grams, content words,
# tags and party names, title. They are the Whoosh field boosts divided by 4: grams 0.2,
# content 1, tags 3 and party 2.5, title 4 (title grams 3). bench/relevance measures the result.
RANK_WEIGHTS = [0.05, 0.25, 0.7, 1.0]
# ts_rank_cd normalisation 1: divide by 1 + log(document length), like BM25's length part.
RANK_NORMALISATION = 1
# Extra score for documents holding all the query's words as one phrase (Whoosh: boost 2.0).
WHOLE_PHRASE_BOOST = 2.0
RELATED_TEXT_CHARS = 20000
# Any fixed number, apart from the schema lock's: advisory lock that serialises index writes.
WRITE_LOCK_KEY = 0x6B62_0003
# Rows per INSERT statement while upserting.
UPSERT_CHUNK = 500
UPSERT_SQL = sql_text(
    """INSERT INTO search_entry (id, library, format, folder, tags, customer_ids, opportunity_ids, modified, terms)
    VALUES (:id, :library, :format, :folder, :tags, :customer_ids, :opportunity_ids, :modified, CAST(:terms AS tsvector))
    ON CONFLICT (id) DO UPDATE SET library = EXCLUDED.library, format = EXCLUDED.format, folder = EXCLUDED.folder,
        tags = EXCLUDED.tags, customer_ids = EXCLUDED.customer_ids, opportunity_ids = EXCLUDED.opportunity_ids,
        modified = EXCLUDED.modified, terms = EXCLUDED.terms"""
)


class PostgresSearchUnavailable(RuntimeError):
    """KB_SEARCH_BACKEND=postgres was chosen without a PostgreSQL KB_DATABASE_URL."""


def _engine_for(settings: Settings) -> Engine:
    from kb.db import database_url, get_engine, is_postgres

    if not is_postgres(database_url(settings)):
        raise PostgresSearchUnavailable(
            "KB_SEARCH_BACKEND=postgres 需要 PostgreSQL 数据库：请把 KB_DATABASE_URL 设为 "
            "postgresql+psycopg://用户名:密码@主机:5432/数据库名，或改用 KB_SEARCH_BACKEND=whoosh。"
        )
    return get_engine(settings)


class PostgresBackend:
    """SearchBackend over the search_entry table of kb's PostgreSQL database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, settings: Settings) -> PostgresBackend:
        engine = _engine_for(settings)
        with engine.begin() as connection:
            schema.lock(connection)
            if not schema.exists(connection):
                logger.info("creating the postgres search tables")
                schema.create(connection)
            found = schema.version(connection)
        if found != schema.SEARCH_VERSION:
            raise IndexVersionError(f"postgres search tables have version {found}, expected {schema.SEARCH_VERSION}")
        return cls(engine)

    @classmethod
    def recreate(cls, settings: Settings) -> PostgresBackend:
        """Return a backend over new, empty search tables, replacing whatever was there."""
        engine = _engine_for(settings)
        with engine.begin() as connection:
            schema.lock(connection)
            schema.drop(connection)
            schema.create(connection)
        return cls(engine)

    # -- writing ------------------------------------------------------------------

    def upsert(self, documents: Iterable[IndexDocument]) -> None:
        """Write documents in one transaction, a chunk of rows at a time, so that a rebuild keeps one chunk in memory."""
        remaining = iter(documents)
        with self._engine.begin() as connection:
            _lock_writes(connection)
            while chunk := list(itertools.islice(remaining, UPSERT_CHUNK)):
                # Sorted by id so that two processes writing overlapping batches take row locks in one order.
                # kb.indexing.rebuild yields documents by id, so its chunks follow that order too.
                connection.execute(UPSERT_SQL, [_row(doc) for doc in sorted(chunk, key=lambda d: d.id)])

    def delete(self, ids: Iterable[int]) -> None:
        keys = sorted({int(i) for i in ids})
        if not keys:
            return
        with self._engine.begin() as connection:
            _lock_writes(connection)
            connection.execute(sql_text("DELETE FROM search_entry WHERE id = ANY(:ids)"), {"ids": keys})

    def clear(self) -> None:
        with self._engine.begin() as connection:
            _lock_writes(connection)
            connection.execute(sql_text("DELETE FROM search_entry"))

    # -- reading ------------------------------------------------------------------

    def indexed_ids(self) -> set[int]:
        with self._engine.connect() as connection:
            return {int(i) for i in connection.execute(sql_text("SELECT id FROM search_entry")).scalars()}

    def search(self, request: SearchRequest) -> SearchResults:
        # One snapshot for the total, the page and the facets, so they agree with each other.
        with self._engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            results = _run(connection, request, relaxed=False)
            if results.total == 0 and len(request.query.groups) > 1:
                results = _run(connection, request, relaxed=True)
                return SearchResults(results.total, results.hits, results.facets, relaxed=results.total > 0)
        return results

    def related(self, document_id: int, text: str, filters: SearchFilters, limit: int = 5) -> Sequence[Hit]:
        from kb.search.analyzer import main_words

        sequences = [main_words(term) for term in key_terms(text[:RELATED_TEXT_CHARS])]
        leaves = [phrase(words) for words in sequences if words]
        if not leaves:
            return []
        node = fold(Any(tuple(leaves)))
        params = Parameters()
        where = [to_sql(node, params), f"id <> {params.add(document_id)}", *filter_sql(filters, params)]
        score = _rank_sql(leaves, None, params)
        sql = f"SELECT id, {score} AS score FROM search_entry WHERE {' AND '.join(where)} ORDER BY score DESC, id LIMIT {params.add(limit)}"
        with self._engine.connect() as connection:
            return [Hit(int(row.id), float(row.score)) for row in connection.execute(sql_text(sql), params.values)]

    def close(self) -> None:
        """Nothing to release: the engine and its pool belong to kb.db."""


def _lock_writes(connection: Connection) -> None:
    """Serialise index writes across processes until the transaction ends.

    upsert reads its documents under this lock, so a writer that reads the database
    after another process's commit also writes after that process's index update.
    """
    connection.execute(sql_text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def _row(doc: IndexDocument) -> dict[str, object]:
    return {
        "id": doc.id,
        "library": doc.library,
        "format": doc.format or "",
        "folder": doc.folder or "",
        "tags": list(doc.tags),
        "customer_ids": list(doc.customer_ids),
        "opportunity_ids": list(doc.opportunity_ids),
        "modified": _naive_utc(doc.modified),
        "terms": tsvector_literal(doc),
    }


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


# -- one search -------------------------------------------------------------------


def filter_sql(filters: SearchFilters, params: Parameters) -> list[str]:
    """Return SQL conditions for the filters, permissions first."""
    parts: list[str] = []
    if filters.allowed_libraries is not None:
        parts.append(f"library = ANY({params.add(sorted(filters.allowed_libraries))})")
    if filters.libraries:
        parts.append(f"library = ANY({params.add(list(filters.libraries))})")
    if filters.formats:
        parts.append(f"format = ANY({params.add(list(filters.formats))})")
    if filters.customer_ids:
        parts.append(f"customer_ids && CAST({params.add(list(filters.customer_ids))} AS bigint[])")
    if filters.opportunity_ids:
        parts.append(f"opportunity_ids && CAST({params.add(list(filters.opportunity_ids))} AS bigint[])")
    if filters.tags:
        parts.append(f"tags @> CAST({params.add(list(filters.tags))} AS text[])")
    if filters.folder:
        parts.append(f"folder = {params.add(filters.folder)}")
    if filters.modified_from:
        parts.append(f"modified >= {params.add(_naive_utc(filters.modified_from))}")
    if filters.modified_to:
        parts.append(f"modified <= {params.add(_naive_utc(filters.modified_to))}")
    return parts


def _rank_sql(leaves: list[Match], whole: Match | None, params: Parameters) -> str:
    """Return the score: the boosted sum of each leaf's cover-density rank, like Whoosh's sum over query terms."""
    boosts: dict[str, float] = {}
    for leaf in leaves:
        boosts[leaf.query] = max(leaf.boost, boosts.get(leaf.query, 0.0))
    if whole is not None:
        boosts[whole.query] = boosts.get(whole.query, 0.0) + WHOLE_PHRASE_BOOST
    if not boosts:
        return "0.0"
    weights = params.add(RANK_WEIGHTS)
    parts = [
        f"{boost} * ts_rank_cd(CAST({weights} AS float4[]), terms, CAST({params.add(query)} AS tsquery), {RANK_NORMALISATION})"
        for query, boost in boosts.items()
    ]
    return " + ".join(parts)


def _run(connection: Connection, request: SearchRequest, relaxed: bool) -> SearchResults:
    node = query_node(request.query, relaxed)
    params = Parameters()
    where = " AND ".join([to_sql(fold(node), params), *filter_sql(request.filters, params)])
    total = int(connection.execute(sql_text(f"SELECT count(*) FROM search_entry WHERE {where}"), params.values).scalar_one())
    hits: tuple[Hit, ...] = ()
    if total and request.limit > 0 and request.offset < total:
        hits = _page(connection, request, node, where, params)
    facets = _facets(connection, where, params) if request.facets else {}
    return SearchResults(total, hits, facets)


def _page(connection: Connection, request: SearchRequest, node, where: str, params: Parameters) -> tuple[Hit, ...]:  # type: ignore[no-untyped-def]
    score = _rank_sql(positive_leaves(node), whole_phrase(request.query), params)
    order = "modified DESC NULLS LAST, id" if request.sort == "date" else "score DESC, id"
    sql = (
        f"SELECT id, {score} AS score FROM search_entry WHERE {where} ORDER BY {order} "
        f"LIMIT {params.add(request.limit)} OFFSET {params.add(request.offset)}"
    )
    return tuple(Hit(int(row.id), float(row.score)) for row in connection.execute(sql_text(sql), params.values))


FACETS_SQL = """WITH matched AS (
    SELECT library, format, tags, customer_ids, opportunity_ids FROM search_entry WHERE {where})
SELECT 'library' AS facet, library AS value, count(*) AS n FROM matched GROUP BY library
UNION ALL SELECT 'format', format, count(*) FROM matched WHERE format <> '' GROUP BY format
UNION ALL SELECT 'tag', tag, count(*) FROM matched, unnest(tags) AS tag GROUP BY tag
UNION ALL SELECT 'customer', CAST(c AS text), count(*) FROM matched, unnest(customer_ids) AS c GROUP BY c
UNION ALL SELECT 'opportunity', CAST(o AS text), count(*) FROM matched, unnest(opportunity_ids) AS o GROUP BY o"""


def _facets(connection: Connection, where: str, params: Parameters) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}
    for row in connection.execute(sql_text(FACETS_SQL.format(where=where)), params.values):
        if row.value not in (None, ""):
            facets[row.facet][str(row.value)] = int(row.n)
    return facets
