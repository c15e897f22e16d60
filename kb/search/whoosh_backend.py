"""The embedded default backend: a Whoosh index in the data folder.

Whoosh allows one writer at a time. Writes in this process are serialised by a lock,
and a writer in another process is waited for (with a timeout) instead of failing.
"""

from __future__ import annotations

import fcntl
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import collectors, scoring, sorting
from whoosh.analysis import Token as WhooshToken
from whoosh.analysis import Tokenizer
from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.idsets import BitSet
from whoosh.searching import Searcher
from whoosh.writing import CLEAR

from kb.config import Settings
from kb.search import analyzer
from kb.search.cache import ResultCache
from kb.search.whoosh_facets import CachedOverlappingFacet, SegmentValues
from kb.search.backend import (
    FACET_FIELDS,
    Hit,
    IndexDocument,
    IndexVersionError,
    SearchFilters,
    SearchRequest,
    SearchResults,
)
from kb.search.plan import ClausePlan, plan_clause

logger = logging.getLogger(__name__)

# Bump when the schema or the analysis changes; an index of another version needs `kb reindex`.
INDEX_VERSION = 2
INDEX_NAME = "kb"
# Field weights, chosen on the tuning half of bench/relevance (docs/benchmarks.md).
WORD_FIELDS = {"title": 4.0, "tag_text": 3.0, "party": 2.5, "content": 1.0}
GRAM_FIELD = "grams"
TITLE_GRAM_FIELD = "title_grams"
# Bigrams keep recall when segmentation differs; they score well below whole words.
GRAM_BOOST = 0.2
TITLE_GRAM_BOOST = 3.0
WRITE_TIMEOUT_SECONDS = 120.0
SYNONYM_BOOST = 0.8
# Memory, in MB, the writer buffers before it writes a run to disk (Whoosh's default is 128).
# Filters whose matching documents are kept per index generation.
FILTER_SET_ENTRIES = 32
WRITER_LIMIT_MB = 256


class _KbTokenizer(Tokenizer):
    """Feed kb's own analysis into Whoosh, unchanged, for indexing and for queries."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _KbTokenizer) and other.kind == self.kind

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ):
        produce = analyzer.word_tokens if self.kind == "words" else analyzer.gram_tokens
        token = WhooshToken(positions, chars, removestops=removestops, mode=mode)
        for item in produce(value):
            token.text = item.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = item.text
            if positions:
                token.pos = start_pos + item.pos
            if chars:
                token.startchar = start_char + item.start
                token.endchar = start_char + item.end
            yield token


def build_schema() -> Schema:
    words = _KbTokenizer("words")
    grams = _KbTokenizer("grams")
    return Schema(
        id=ID(stored=True, unique=True),
        library=ID(stored=True, sortable=True),
        folder=ID(),
        format=ID(sortable=True),
        tag=KEYWORD(commas=True, lowercase=False),
        customer=KEYWORD(commas=True),
        opportunity=KEYWORD(commas=True),
        modified=DATETIME(sortable=True),
        title=TEXT(analyzer=words, field_boost=WORD_FIELDS["title"]),
        tag_text=TEXT(analyzer=words, field_boost=WORD_FIELDS["tag_text"]),
        party=TEXT(analyzer=words, field_boost=WORD_FIELDS["party"]),
        content=TEXT(analyzer=words, field_boost=WORD_FIELDS["content"]),
        grams=TEXT(analyzer=grams, field_boost=GRAM_BOOST),
        title_grams=TEXT(analyzer=grams, field_boost=TITLE_GRAM_BOOST),
    )


def _fields(doc: IndexDocument) -> dict[str, object]:
    fields: dict[str, object] = {
        "id": str(doc.id),
        "library": doc.library,
        "folder": doc.folder or "",
        "format": doc.format or "",
        "tag": ",".join(t.replace(",", " ") for t in doc.tags),
        "customer": ",".join(str(i) for i in doc.customer_ids),
        "opportunity": ",".join(str(i) for i in doc.opportunity_ids),
        "title": doc.title,
        "tag_text": "\n".join(doc.tags),
        "party": "\n".join((*doc.customer_names, *doc.opportunity_names)),
        "content": doc.content,
        "grams": doc.content,
        "title_grams": doc.title,
    }
    if doc.modified is not None:
        fields["modified"] = doc.modified
    return fields


class WhooshBackend:
    """SearchBackend over a Whoosh index folder."""

    def __init__(self, index_dir: Path, cache_entries: int = 256) -> None:
        self.index_dir = index_dir
        self._write_lock = threading.Lock()
        self._search_lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._index = self._open_or_create()
        self.cache: ResultCache[SearchResults] = ResultCache(cache_entries)
        self._facet_values = SegmentValues()
        # Documents that pass each recent filter (permissions first of all), per index generation.
        self._filter_sets: ResultCache[BitSet] = ResultCache(FILTER_SET_ENTRIES)

    # -- opening ------------------------------------------------------------------

    def _version_file(self) -> Path:
        return self.index_dir / "kb-index.json"

    def _open_or_create(self) -> whoosh_index.FileIndex:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        # Several server workers may start on an empty data folder at once. The lock
        # lets exactly one of them create the index, and the others then open it.
        with (self.index_dir / "create.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                return self._open_or_create_locked()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _open_or_create_locked(self) -> whoosh_index.FileIndex:
        if whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
            version = self._read_version()
            if version != INDEX_VERSION:
                raise IndexVersionError(
                    f"index in {self.index_dir} has version {version}, expected {INDEX_VERSION}"
                )
            return whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME)
        logger.info("creating Whoosh index in %s", self.index_dir)
        ix = whoosh_index.create_in(str(self.index_dir), build_schema(), indexname=INDEX_NAME)
        self._version_file().write_text(json.dumps({"version": INDEX_VERSION}), encoding="utf-8")
        return ix

    def _read_version(self) -> int | None:
        try:
            return int(json.loads(self._version_file().read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @classmethod
    def open(cls, settings: Settings) -> WhooshBackend:
        analyzer.use_cache_dir(settings.data_root)
        return cls(settings.index_dir)

    @classmethod
    def recreate(cls, settings: Settings) -> WhooshBackend:
        """Return a backend over a new, empty index, replacing whatever was there."""
        analyzer.use_cache_dir(settings.data_root)
        index_dir = settings.index_dir
        index_dir.mkdir(parents=True, exist_ok=True)
        whoosh_index.create_in(str(index_dir), build_schema(), indexname=INDEX_NAME)
        (index_dir / "kb-index.json").write_text(json.dumps({"version": INDEX_VERSION}), encoding="utf-8")
        return cls(index_dir)

    # -- writing ------------------------------------------------------------------

    def _write(self, apply) -> None:  # type: ignore[no-untyped-def]
        with self._write_lock:
            # NOTE: Whoosh's multi-process writer (procs=2, with or without multisegment) gave other
            # BM25F scores than one process on the same documents, so a rebuild stays in one process.
            writer = self._index.writer(timeout=WRITE_TIMEOUT_SECONDS, delay=0.05, limitmb=WRITER_LIMIT_MB)
            try:
                changed = apply(writer)
            except BaseException:
                writer.cancel()
                raise
            if changed is False:
                writer.cancel()
                return
            writer.commit()

    def upsert(self, documents: Iterable[IndexDocument]) -> None:
        """Add or replace documents in one commit, reading `documents` once, under the write lock."""
        docs = iter(documents)
        repeated: dict[int, IndexDocument] = {}

        def apply(writer) -> bool:  # type: ignore[no-untyped-def]
            seen: set[int] = set()
            for doc in docs:
                if doc.id in seen:
                    # Whoosh does not replace a document added by the same writer, so a
                    # repeated id is written again after this commit; the last one wins.
                    repeated[doc.id] = doc
                    continue
                seen.add(doc.id)
                writer.update_document(**_fields(doc))
            return bool(seen)

        self._write(apply)
        if repeated:
            self.upsert(list(repeated.values()))

    def delete(self, ids: Iterable[int]) -> None:
        keys = [str(i) for i in ids]
        if not keys:
            return

        def apply(writer) -> None:  # type: ignore[no-untyped-def]
            for key in keys:
                writer.delete_by_term("id", key)

        self._write(apply)

    def clear(self) -> None:
        with self._write_lock:
            writer = self._index.writer(timeout=WRITE_TIMEOUT_SECONDS, delay=0.05)
            writer.commit(mergetype=CLEAR)

    # -- reading ------------------------------------------------------------------

    def _current_searcher(self) -> Searcher:
        if self._searcher is not None and self._searcher.up_to_date():
            return self._searcher
        # Whoosh 2.7's Searcher.refresh() reuses segment readers with stale deletion
        # lists, so deleted documents would stay visible; a new searcher is opened instead.
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = self._index.searcher(weighting=scoring.BM25F())
        self._facet_values.keep_only(self._searcher)
        return self._searcher

    def indexed_ids(self) -> set[int]:
        with self._search_lock:
            searcher = self._current_searcher()
            return {int(fields["id"]) for fields in searcher.all_stored_fields()}

    def search(self, request: SearchRequest) -> SearchResults:
        filter_q = _filter_query(request.filters)
        main = _main_query(request.query, relaxed=False)
        with self._search_lock:
            searcher = self._current_searcher()
            generation = searcher.reader().generation()
            # The engine query's text stands for the user dictionary and synonyms that
            # shaped it; the filters carry the permission set.
            key = (
                repr(main),
                repr(filter_q),
                repr(_exclusion_query(request.query)),
                request.filters,
                request.sort,
                request.offset,
                request.limit,
                request.facets,
            )
            cached = self.cache.get(generation, key) if generation is not None else None
            if cached is None:
                cached = self._search_uncached(searcher, main, filter_q, request)
                if generation is not None:
                    self.cache.put(generation, key, cached)
        return replace(cached, facets={name: dict(counts) for name, counts in cached.facets.items()})

    def _filter_set(self, searcher: Searcher, filter_q: wq.Query | None) -> BitSet | None:
        """Return the documents that pass `filter_q`, computed once per index generation.

        Whoosh reads every posting of the filter's terms on each search. The permission
        filter of a user who may see most libraries covers most of the index, so this took
        about 0.3 s a search at 100,000 documents.
        """
        if filter_q is None:
            return None
        generation = searcher.reader().generation()
        key = repr(filter_q)
        found = self._filter_sets.get(generation, key) if generation is not None else None
        if found is None:
            found = BitSet(searcher.docs_for_query(filter_q), size=searcher.doc_count_all())
            if generation is not None:
                self._filter_sets.put(generation, key, found)
        return found

    def _search_uncached(
        self, searcher: Searcher, main: wq.Query, filter_q: wq.Query | None, request: SearchRequest
    ) -> SearchResults:
        results = self._run(searcher, main, filter_q, request)
        relaxed = False
        if results.total == 0 and len(request.query.groups) > 1:
            results = self._run(searcher, _main_query(request.query, relaxed=True), filter_q, request)
            relaxed = results.total > 0
        return SearchResults(results.total, results.hits, results.facets, relaxed)

    def _run(self, searcher: Searcher, main: wq.Query, filter_q: wq.Query | None, request: SearchRequest) -> SearchResults:
        groupedby = None
        if request.facets:
            groupedby = {
                name: (
                    CachedOverlappingFacet(name, self._facet_values)
                    if name in ("tag", "customer", "opportunity")
                    else sorting.FieldFacet(name, maptype=sorting.Count)
                )
                for name in FACET_FIELDS
            }
        allowed = self._filter_set(searcher, filter_q)
        if allowed is not None and not allowed:
            # Whoosh reads an empty filter set as no filter at all.
            return SearchResults(0, (), {name: {} for name in FACET_FIELDS} if request.facets else {})
        limit = max(1, request.offset + request.limit)
        # Whoosh's block-skipping optimisation counts totals without the filter, which
        # would leak the number of hidden documents, so totals are counted exactly.
        kwargs: dict[str, object] = {
            "limit": limit,
            "filter": allowed,
            "mask": _exclusion_query(request.query),
            "groupedby": groupedby,
            "optimize": False,
        }
        if request.sort == "date":
            kwargs.update(sortedby="modified", reverse=True)
        collector = searcher.collector(**kwargs)
        _count_every_match(collector)
        searcher.search_with_collector(main, collector)
        results = collector.results()
        hits = tuple(
            Hit(int(hit["id"]), float(hit.score or 0.0))
            for hit in results[request.offset : request.offset + request.limit]
        )
        facets: dict[str, dict[str, int]] = {}
        if request.facets:
            for name in FACET_FIELDS:
                counts = results.groups(name)
                facets[name] = {str(k): int(v) for k, v in counts.items() if k not in (None, "")}
        return SearchResults(len(results), hits, facets)

    def related(self, document_id: int, text: str, filters: SearchFilters, limit: int = 5) -> Sequence[Hit]:
        with self._search_lock:
            searcher = self._current_searcher()
            terms = searcher.key_terms_from_text("content", text[:20000], numterms=12)
            if not terms:
                return []
            query = wq.Or([wq.Term("content", word, boost=weight) for word, weight in terms])
            allowed = self._filter_set(searcher, _filter_query(filters))
            if allowed is not None and not allowed:
                return []
            results = searcher.search(query, limit=limit, filter=allowed, mask=wq.Term("id", str(document_id)))
            return [Hit(int(hit["id"]), float(hit.score or 0.0)) for hit in results]

    def close(self) -> None:
        with self._search_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        self._index.close()


# -- query building -------------------------------------------------------------


def _word_query(word: str, parts: tuple[str, ...] | None, synonyms: list[wq.Query]) -> wq.Query:
    literal: wq.Query = wq.Or([wq.Term(field, word) for field in WORD_FIELDS])
    if parts:
        literal = wq.Or([literal, *(wq.Phrase(field, list(parts)) for field in ("title", "content"))])
    if not synonyms:
        return literal
    # The best of the literal word and its synonyms counts, not their sum, so a document
    # that uses three synonyms does not outrank one that uses the word itself.
    return wq.DisjunctionMax([literal, *synonyms], tiebreak=0.1)


def _sequence_query(sequence: tuple[str, ...], boost: float) -> wq.Query | None:
    words = [wq.Or([wq.Term(field, w, boost=boost) for field in WORD_FIELDS]) for w in sequence]
    if not words:
        return None
    return words[0] if len(words) == 1 else wq.And(words)


def _synonym_options(plan: ClausePlan, key: str) -> list[wq.Query]:
    """Queries for the synonyms of one word or of the whole clause, scored a little lower."""
    options = [_sequence_query(seq, SYNONYM_BOOST) for seq in plan.synonyms.get(key, ())]
    return [q for q in options if q is not None]


def _gram_query(field: str, plan: ClausePlan) -> wq.Query:
    if len(plan.grams) > 1:
        return wq.Phrase(field, list(plan.grams))
    gram = plan.grams[0]
    return wq.Prefix(field, gram) if plan.single_char else wq.Term(field, gram)


def _words_query(plan: ClausePlan) -> wq.Query:
    """Match the clause's words; its optional words only add to the score."""
    required = [w for w in plan.words if w not in plan.optional_words]
    optional = [w for w in plan.words if w in plan.optional_words]
    queries = [_word_query(w, plan.code_parts.get(w), _synonym_options(plan, w)) for w in required]
    main = _all_of(queries)
    if not optional:
        return main
    extras = [_word_query(w, None, _synonym_options(plan, w)) for w in optional]
    return wq.AndMaybe(main, extras[0] if len(extras) == 1 else wq.Or(extras))


def _all_of(queries: list[wq.Query]) -> wq.Query:
    return queries[0] if len(queries) == 1 else wq.And(queries)


def _clause_query(plan: ClausePlan) -> wq.Query:
    options: list[wq.Query] = []
    whole = analyzer.normalise(plan.text)
    if whole not in plan.words:
        options.extend(_synonym_options(plan, whole))
    if plan.words:
        if plan.phrase and len(plan.words) > 1 and not plan.grams:
            options.append(wq.Or([wq.Phrase(field, list(plan.words)) for field in WORD_FIELDS]))
        elif not plan.phrase:
            options.append(_words_query(plan))
    for prefix in plan.prefixes:
        options.append(wq.Or([wq.Prefix(field, prefix, boost=0.5) for field in ("title", "content")]))
    if plan.grams:
        options.extend(_gram_query(field, plan) for field in (GRAM_FIELD, TITLE_GRAM_FIELD))
    if not options:
        return wq.NullQuery
    return options[0] if len(options) == 1 else wq.Or(options)


def _main_query(parsed, relaxed: bool) -> wq.Query:  # type: ignore[no-untyped-def]
    if parsed.is_empty:
        query: wq.Query = wq.Every()
    else:
        groups = []
        for group in parsed.groups:
            alternatives = [_clause_query(plan_clause(clause)) for clause in group]
            groups.append(alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives))
        if relaxed:
            query = wq.Or(groups)
        else:
            query = groups[0] if len(groups) == 1 else wq.And(groups)
        whole = _whole_phrase_boost(parsed)
        if whole is not None:
            query = wq.AndMaybe(query, whole)
    return query


def _exclusion_query(parsed) -> wq.Query | None:  # type: ignore[no-untyped-def]
    """Return what -exclusions remove, for the search's mask.

    whoosh-reloaded 2.7.5's AndNot kept excluded documents when the index had several
    segments; a mask removes them by document number instead.
    """
    if not parsed.excluded:
        return None
    return wq.Or([_clause_query(plan_clause(clause, literal=True)) for clause in parsed.excluded])


def _whole_phrase_boost(parsed) -> wq.Query | None:  # type: ignore[no-untyped-def]
    """Score documents holding all the query's words as one phrase above scattered matches."""
    clauses = parsed.clauses()
    if len(clauses) < 2 or any(c.phrase for c in clauses):
        return None
    grams = analyzer.grams_sequence("".join(c.text for c in clauses))
    if len(grams) < 2:
        return None
    return wq.Or([wq.Phrase(field, grams, boost=2.0) for field in (GRAM_FIELD, TITLE_GRAM_FIELD)])


def _count_every_match(collector: collectors.Collector) -> None:
    """Turn off matcher replacement in the scoring collector that `collector` wraps.

    Whoosh's top-N collector replaces the matcher with one that skips documents scoring
    below the current tenth, even with optimize=False, so its total missed matches: 14
    instead of 17 for one query over the sample library.
    """
    inner = collector
    while isinstance(getattr(inner, "child", None), collectors.Collector):
        inner = inner.child
    if isinstance(inner, collectors.ScoredCollector):
        inner.replace = 0


def _any_of(field: str, values: Iterable[str]) -> wq.Query | None:
    terms = [wq.Term(field, v) for v in values]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def _filter_query(filters: SearchFilters) -> wq.Query | None:
    parts: list[wq.Query] = []
    if filters.allowed_libraries is not None:
        parts.append(_any_of("library", sorted(filters.allowed_libraries)) or wq.NullQuery)
    for field, values in (
        ("library", filters.libraries),
        ("format", filters.formats),
        ("customer", [str(i) for i in filters.customer_ids]),
        ("opportunity", [str(i) for i in filters.opportunity_ids]),
    ):
        query = _any_of(field, values)
        if query is not None:
            parts.append(query)
    parts.extend(wq.Term("tag", tag) for tag in filters.tags)
    if filters.folder:
        parts.append(wq.Term("folder", filters.folder))
    if filters.modified_from or filters.modified_to:
        parts.append(wq.DateRange("modified", filters.modified_from, filters.modified_to))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)
