"""Turn a parsed query, its clause plans and the filters into Tantivy queries.

The structure mirrors the Whoosh backend's query building, so both backends match
the same documents. Every group must match, or any group when relaxed. A clause
matches by its words, its code prefixes or its character bigrams. A phrase of the
whole query scores extra.
"""

from __future__ import annotations

from collections.abc import Sequence

import tantivy
from tantivy import Occur, Query

from kb.search import analyzer
from kb.search.backend import SearchFilters
from kb.search.keywords import key_terms
from kb.search.plan import ClausePlan, plan_clause
from kb.search.query import ParsedQuery
from kb.search.tantivy_schema import GRAM_FIELDS, WORD_FIELDS, clamp_date

SYNONYM_BOOST = 0.8
# The tie-breaker of the disjunction max over a word and its synonyms, as in the Whoosh backend.
SYNONYM_TIE_BREAK = 0.1
PREFIX_BOOST = 0.5
WHOLE_PHRASE_BOOST = 2.0
# Number of index terms a prefix expands to, most frequent first. Whoosh expands to every term.
# NOTE: in a very large index a single Han character can start more gram terms than this.
# The rarest of them are then left out of the prefix match.
PREFIX_EXPANSIONS = 1024
# Key terms of a document used to find related documents, and the share of weight the last one keeps.
RELATED_TERMS = 12
RELATED_MIN_WEIGHT = 0.5
RELATED_TEXT_CHARS = 20000


def _boosted(query: Query, boost: float) -> Query:
    return query if boost == 1.0 else Query.boost_query(query, boost)


def _any(queries: Sequence[Query], minimum: int | None = None) -> Query:
    if not queries:
        return Query.empty_query()
    if len(queries) == 1 and minimum is None:
        return queries[0]
    return Query.boolean_query([(Occur.Should, q) for q in queries], minimum)


def _all(queries: Sequence[Query]) -> Query:
    if len(queries) == 1:
        return queries[0]
    return Query.boolean_query([(Occur.Must, q) for q in queries])


class QueryBuilder:
    """Build queries against one schema; prefixes are expanded with one searcher's term dictionary."""

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher) -> None:
        self.schema = schema
        self.searcher = searcher

    # -- terms, phrases and prefixes -------------------------------------------------

    def _term(self, field: str, text: str, boost: float = 1.0) -> Query:
        return _boosted(Query.term_query(self.schema, field, text), boost)

    def _phrase(self, field: str, words: Sequence[str], boost: float = 1.0) -> Query:
        # Tantivy rejects a phrase of one term, which is a plain term anyway.
        if len(words) == 1:
            return self._term(field, words[0], boost)
        return _boosted(Query.phrase_query(self.schema, field, list(words)), boost)

    def _prefix(self, field: str, prefix: str, boost: float) -> Query:
        """Match every indexed term that starts with `prefix`, each scored like a term query."""
        expanded = self.searcher.terms_with_prefix(field, prefix, limit=PREFIX_EXPANSIONS)
        return _any([self._term(field, term, boost) for term, _count in expanded])

    def _in_word_fields(self, word: str, boost: float = 1.0) -> Query:
        return _any([self._term(field, word, weight * boost) for field, weight in WORD_FIELDS.items()])

    # -- one clause ------------------------------------------------------------------

    def _word(self, word: str, parts: tuple[str, ...] | None, synonyms: list[Query]) -> Query:
        literal = self._in_word_fields(word)
        if parts:
            phrases = [self._phrase(field, parts, WORD_FIELDS[field]) for field in ("title", "content")]
            literal = _any([literal, *phrases])
        if not synonyms:
            return literal
        # The best of the literal word and its synonyms counts, not their sum, so a document
        # that uses three synonyms does not outrank one that uses the word itself.
        return Query.disjunction_max_query([literal, *synonyms], SYNONYM_TIE_BREAK)

    def _synonym_options(self, plan: ClausePlan, key: str) -> list[Query]:
        """Return queries for the synonyms of one word or of the whole clause, scored a little lower."""
        options = []
        for sequence in plan.synonyms.get(key, ()):
            if sequence:
                options.append(_all([self._in_word_fields(word, SYNONYM_BOOST) for word in sequence]))
        return options

    def _grams(self, field: str, plan: ClausePlan) -> Query:
        weight = GRAM_FIELDS[field]
        if len(plan.grams) > 1:
            return self._phrase(field, plan.grams, weight)
        if plan.single_char:
            return self._prefix(field, plan.grams[0], weight)
        return self._term(field, plan.grams[0], weight)

    def _words(self, plan: ClausePlan) -> Query:
        """Match the clause's words; its optional words only add to the score."""
        required = [w for w in plan.words if w not in plan.optional_words]
        optional = [w for w in plan.words if w in plan.optional_words]
        queries = [self._word(w, plan.code_parts.get(w), self._synonym_options(plan, w)) for w in required]
        main = _all(queries)
        if not optional:
            return main
        extras = [self._word(w, None, self._synonym_options(plan, w)) for w in optional]
        return Query.boolean_query([(Occur.Must, main), (Occur.Should, _any(extras))])

    def clause(self, plan: ClausePlan) -> Query:
        """Return the query of one clause: any of its words, code prefixes or gram phrase."""
        options: list[Query] = []
        whole = analyzer.normalise(plan.text)
        if whole not in plan.words:
            options.extend(self._synonym_options(plan, whole))
        if plan.words:
            if plan.phrase and len(plan.words) > 1 and not plan.grams:
                options.append(_any([self._phrase(f, plan.words, w) for f, w in WORD_FIELDS.items()]))
            elif not plan.phrase:
                options.append(self._words(plan))
        for prefix in plan.prefixes:
            fields = ("title", "content")
            options.append(_any([self._prefix(f, prefix, PREFIX_BOOST * WORD_FIELDS[f]) for f in fields]))
        if plan.grams:
            options.extend(self._grams(field, plan) for field in GRAM_FIELDS)
        return _any(options)

    # -- the whole query -------------------------------------------------------------

    def main(self, parsed: ParsedQuery, relaxed: bool) -> Query:
        """Return the query of every group (or any group when `relaxed`), minus the exclusions."""
        if parsed.is_empty:
            query = Query.all_query()
        else:
            groups = [_any([self.clause(plan_clause(c)) for c in group]) for group in parsed.groups]
            query = _any(groups) if relaxed else _all(groups)
            whole = self._whole_phrase(parsed)
            if whole is not None:
                query = Query.boolean_query([(Occur.Must, query), (Occur.Should, whole)])
        if parsed.excluded:
            excluded = _any([self.clause(plan_clause(c, literal=True)) for c in parsed.excluded])
            query = Query.boolean_query([(Occur.Must, query), (Occur.MustNot, excluded)])
        return query

    def _whole_phrase(self, parsed: ParsedQuery) -> Query | None:
        """Score documents holding all the query's words as one phrase above scattered matches."""
        clauses = parsed.clauses()
        if len(clauses) < 2 or any(c.phrase for c in clauses):
            return None
        grams = analyzer.grams_sequence("".join(c.text for c in clauses))
        if len(grams) < 2:
            return None
        return _any([self._phrase(f, grams, w * WHOLE_PHRASE_BOOST) for f, w in GRAM_FIELDS.items()])

    def related(self, document_id: int, text: str) -> Query | None:
        """Return a query for documents sharing the key terms of `text`, without the document itself."""
        terms = key_terms(text[:RELATED_TEXT_CHARS], RELATED_TERMS)
        if not terms:
            return None
        step = (1.0 - RELATED_MIN_WEIGHT) / max(1, len(terms) - 1)
        clauses = [(Occur.Should, self._term("content", term, 1.0 - i * step)) for i, term in enumerate(terms)]
        clauses.append((Occur.MustNot, Query.term_query(self.schema, "id", document_id)))
        return Query.boolean_query(clauses)


def filter_query(schema: tantivy.Schema, filters: SearchFilters) -> Query | None:
    """Return the filters and the permission filter as one query, or None when nothing is restricted."""
    parts: list[Query] = []
    if filters.allowed_libraries is not None:
        parts.append(_term_set(schema, "library", sorted(filters.allowed_libraries)))
    for field, values in (
        ("library", list(filters.libraries)),
        ("format", list(filters.formats)),
        ("customer", [str(i) for i in filters.customer_ids]),
        ("opportunity", [str(i) for i in filters.opportunity_ids]),
    ):
        if values:
            parts.append(_term_set(schema, field, values))
    parts.extend(Query.term_query(schema, "tag", tag) for tag in filters.tags)
    if filters.folder:
        parts.append(Query.term_query(schema, "folder", filters.folder))
    if filters.modified_from or filters.modified_to:
        lower = clamp_date(filters.modified_from) if filters.modified_from else None
        upper = clamp_date(filters.modified_to) if filters.modified_to else None
        parts.append(Query.range_query(schema, "modified", tantivy.FieldType.Date, lower, upper))
    return _all(parts) if parts else None


def _term_set(schema: tantivy.Schema, field: str, values: list[str]) -> Query:
    # An empty set of allowed values matches nothing, as a permission filter must.
    return Query.term_set_query(schema, field, values) if values else Query.empty_query()


def restrict(query: Query, restriction: Query | None) -> Query:
    """Return `query` limited to the documents of `restriction`, which adds nothing to the score."""
    if restriction is None:
        return query
    return Query.boolean_query([(Occur.Must, query), (Occur.Must, Query.const_score_query(restriction, 0.0))])
