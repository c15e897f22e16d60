"""The embedded fast backend: a Tantivy index in the data folder, fed with kb's own tokens.

Tantivy allows one IndexWriter per index, across processes, through a lock file.
Each write opens a writer, commits and releases it, so the web application and a
`kb ingest` in another process take turns. A busy lock is retried with backoff.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

try:
    import tantivy
except ImportError as exc:
    raise ImportError("KB_SEARCH_BACKEND=tantivy needs the tantivy package: pip install -e '.[tantivy]'") from exc

from kb.config import Settings
from kb.search import analyzer
from kb.search.backend import (
    FACET_FIELDS,
    Hit,
    IndexDocument,
    IndexVersionError,
    SearchFilters,
    SearchRequest,
    SearchResults,
)
from kb.search.tantivy_query import QueryBuilder, filter_query, restrict
from kb.search.tantivy_schema import build_schema, to_tantivy

logger = logging.getLogger(__name__)

if not hasattr(tantivy, "PreTokenizedString"):
    raise ImportError(
        f"KB_SEARCH_BACKEND=tantivy needs tantivy 0.27 or later (found {tantivy.__version__}): "
        "pip install -e '.[tantivy]'"
    )

# Bump when the schema or kb's analysis changes, because an index of another version needs `kb reindex`.
INDEX_VERSION = 1
VERSION_FILE = "kb-index.json"
INDEX_FOLDER = "tantivy"
# Memory budget of one writer, in bytes. A full buffer is written out as a segment, not lost.
WRITER_HEAP_BYTES = 64_000_000
# One indexing thread, because kb's analysis in Python, not Tantivy, limits the indexing rate.
WRITER_THREADS = 1
WRITE_TIMEOUT_SECONDS = 120.0
LOCK_RETRY_FIRST_SECONDS = 0.05
LOCK_RETRY_MAX_SECONDS = 1.0
# Distinct values counted per facet field.
# NOTE: a field with more distinct values than this gets approximate counts for the rarest ones.
FACET_SIZE = 10_000


class IndexLockedError(RuntimeError):
    """Another writer kept the index locked for longer than the write timeout."""


class TantivyBackend:
    """SearchBackend over a Tantivy index folder."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._write_lock = threading.Lock()
        self._index = self._open_or_create()
        self._schema = self._index.schema

    # -- opening ------------------------------------------------------------------

    def _open_or_create(self) -> tantivy.Index:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        if tantivy.Index.exists(str(self.index_dir)):
            version = _read_version(self.index_dir)
            if version != INDEX_VERSION:
                raise IndexVersionError(
                    f"index in {self.index_dir} has version {version}, expected {INDEX_VERSION}"
                )
            return tantivy.Index.open(str(self.index_dir))
        logger.info("creating Tantivy index in %s", self.index_dir)
        index = tantivy.Index(build_schema(), path=str(self.index_dir), reuse=False)
        _write_version(self.index_dir)
        return index

    @classmethod
    def open(cls, settings: Settings) -> TantivyBackend:
        analyzer.use_cache_dir(settings.data_root)
        return cls(settings.data_root / INDEX_FOLDER)

    @classmethod
    def recreate(cls, settings: Settings) -> TantivyBackend:
        """Return a backend over a new, empty index, replacing whatever was there."""
        analyzer.use_cache_dir(settings.data_root)
        index_dir = settings.data_root / INDEX_FOLDER
        if index_dir.exists():
            logger.info("removing Tantivy index in %s", index_dir)
            shutil.rmtree(index_dir)
        return cls(index_dir)

    # -- writing ------------------------------------------------------------------

    def _acquire_writer(self) -> tantivy.IndexWriter:
        """Open the index writer, waiting with backoff while another process holds its lock."""
        deadline = time.monotonic() + WRITE_TIMEOUT_SECONDS
        delay = LOCK_RETRY_FIRST_SECONDS
        while True:
            try:
                return self._index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=WRITER_THREADS)
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        f"index in {self.index_dir} stayed locked by another writer for {WRITE_TIMEOUT_SECONDS:.0f} s"
                    ) from exc
                logger.debug("index writer lock busy in %s, retrying in %.2f s", self.index_dir, delay)
                time.sleep(delay)
                delay = min(delay * 2, LOCK_RETRY_MAX_SECONDS)

    def _write(self, apply: Callable[[tantivy.IndexWriter], None]) -> None:
        """Run `apply` in one commit, or roll back and re-raise when it fails."""
        with self._write_lock:
            writer = self._acquire_writer()
            try:
                if apply(writer) is False:
                    writer.rollback()
                else:
                    writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                # Releases the lock after the merges this commit started, so segments do not pile up.
                writer.wait_merging_threads()
            self._index.reload()

    def _id_query(self, doc_id: int) -> tantivy.Query:
        # NOTE: tantivy-py 0.27's delete_documents_by_term builds a signed term for a Python int,
        # which never matches the unsigned id field, so deletes go through a term query.
        return tantivy.Query.term_query(self._schema, "id", doc_id)

    def upsert(self, documents: Iterable[IndexDocument]) -> None:
        """Add or replace documents in one commit, reading `documents` once, under the write lock."""
        docs = iter(documents)

        def apply(writer: tantivy.IndexWriter) -> bool:
            # A rebuild writes into an empty index, where no document needs replacing.
            replacing = self._searcher().num_docs > 0
            seen: set[int] = set()
            for doc in docs:
                if replacing or doc.id in seen:
                    writer.delete_documents_by_query(self._id_query(doc.id))
                seen.add(doc.id)
                writer.add_document(to_tantivy(doc))
            return bool(seen)

        self._write(apply)

    def delete(self, ids: Iterable[int]) -> None:
        keys = list(ids)
        if not keys:
            return

        def apply(writer: tantivy.IndexWriter) -> None:
            for key in keys:
                writer.delete_documents_by_query(self._id_query(key))

        self._write(apply)

    def clear(self) -> None:
        self._write(lambda writer: writer.delete_all_documents())

    # -- reading ------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        # Reloading costs little when nothing changed, and it shows another process's commits at once.
        self._index.reload()
        return self._index.searcher()

    def indexed_ids(self) -> set[int]:
        searcher = self._searcher()
        if searcher.num_docs == 0:
            return set()
        result = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False)
        addresses = [address for _score, address in result.hits]
        return {int(value) for value in searcher.fast_field_values("id", addresses) if value is not None}

    def search(self, request: SearchRequest) -> SearchResults:
        searcher = self._searcher()
        builder = QueryBuilder(self._schema, searcher)
        restriction = filter_query(self._schema, request.filters)
        query = restrict(builder.main(request.query, relaxed=False), restriction)
        total, hits = _page(searcher, query, request)
        relaxed = False
        if total == 0 and len(request.query.groups) > 1:
            query = restrict(builder.main(request.query, relaxed=True), restriction)
            total, hits = _page(searcher, query, request)
            relaxed = total > 0
        facets = _facets(searcher, query) if request.facets else {}
        return SearchResults(total, hits, facets, relaxed)

    def related(self, document_id: int, text: str, filters: SearchFilters, limit: int = 5) -> Sequence[Hit]:
        searcher = self._searcher()
        query = QueryBuilder(self._schema, searcher).related(document_id, text)
        if query is None:
            return []
        query = restrict(query, filter_query(self._schema, filters))
        result = searcher.search(query, limit=limit, count=False)
        return _hits(searcher, result.hits, by_score=True)

    def close(self) -> None:
        """Release the index's readers and memory maps; no writer stays open between writes."""
        # Tantivy frees them when the Index object is collected, which CPython does at once here.
        self._index = None  # type: ignore[assignment]


def _page(searcher: tantivy.Searcher, query: tantivy.Query, request: SearchRequest) -> tuple[int, tuple[Hit, ...]]:
    """Return the exact total and one page of hits, by score or by modification date."""
    limit = max(1, request.limit)
    if request.sort == "date":
        result = searcher.search(
            query, limit=limit, offset=request.offset, order_by_field="modified", order=tantivy.Order.Desc
        )
        hits = _hits(searcher, result.hits, by_score=False)
    else:
        result = searcher.search(query, limit=limit, offset=request.offset)
        hits = _hits(searcher, result.hits, by_score=True)
    total = int(result.count or 0)
    return total, hits[: request.limit]


def _hits(searcher: tantivy.Searcher, found: list, by_score: bool) -> tuple[Hit, ...]:
    addresses = [address for _value, address in found]
    ids = searcher.fast_field_values("id", addresses) if addresses else []
    # Sorted by date, the value is the date, not a score.
    scores = [float(value) if by_score and value is not None else 0.0 for value, _address in found]
    return tuple(Hit(int(doc_id), score) for doc_id, score in zip(ids, scores) if doc_id is not None)


def _facets(searcher: tantivy.Searcher, query: tantivy.Query) -> dict[str, dict[str, int]]:
    """Count the matching documents per value of each facet field, after filters and permissions."""
    aggregations = {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACET_FIELDS}
    result = searcher.aggregate(query, aggregations)
    return {
        name: {str(bucket["key"]): int(bucket["doc_count"]) for bucket in result.get(name, {}).get("buckets", [])}
        for name in FACET_FIELDS
    }


def _read_version(index_dir: Path) -> int | None:
    try:
        return int(json.loads((index_dir / VERSION_FILE).read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_version(index_dir: Path) -> None:
    (index_dir / VERSION_FILE).write_text(json.dumps({"version": INDEX_VERSION}), encoding="utf-8")
