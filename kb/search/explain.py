"""Explain a query: how it was segmented, which synonyms and filters applied, and what emptied it."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.search.backend import SearchBackend, SearchFilters, SearchRequest
from kb.search.plan import plan_clause
from kb.search.query import Clause, ParsedQuery


@dataclass(frozen=True)
class ClauseExplanation:
    text: str
    phrase: bool
    excluded: bool
    words: tuple[str, ...]
    synonyms: tuple[str, ...]
    # Documents this clause finds on its own, within the filters; None when not counted.
    hits: int | None = None


@dataclass(frozen=True)
class QueryExplanation:
    clauses: tuple[ClauseExplanation, ...]
    filters: tuple[str, ...]
    # Words or filters that made the result empty, in the words the user typed.
    emptied_by: tuple[str, ...] = field(default_factory=tuple)


def _clause(clause: Clause, excluded: bool, hits: int | None = None) -> ClauseExplanation:
    plan = plan_clause(clause)
    synonyms = tuple(sorted({"".join(seq) for seqs in plan.synonyms.values() for seq in seqs}))
    return ClauseExplanation(clause.text, clause.phrase, excluded, plan.words, synonyms, hits)


def describe_filters(filters: SearchFilters, names: dict[str, str] | None = None) -> tuple[str, ...]:
    names = names or {}
    parts = [f"资料库：{names.get(k, k)}" for k in filters.libraries]
    parts += [f"标签：{t}" for t in filters.tags]
    parts += [f"格式：{f}" for f in filters.formats]
    if filters.customer_ids:
        parts.append("客户筛选")
    if filters.opportunity_ids:
        parts.append("商机筛选")
    if filters.modified_from or filters.modified_to:
        parts.append("修改日期范围")
    if filters.folder:
        parts.append(f"目录：{filters.folder}")
    return tuple(parts)


def _count(backend: SearchBackend, query: ParsedQuery, filters: SearchFilters) -> int:
    return backend.search(SearchRequest(query, filters, limit=1)).total


def explain(
    backend: SearchBackend, parsed: ParsedQuery, filters: SearchFilters, total: int, names: dict[str, str] | None = None
) -> QueryExplanation:
    """Explain the query; when it found nothing, find the words or filters that emptied it."""
    described = describe_filters(filters, names)
    if total > 0:
        clauses = [_clause(c, False) for c in parsed.clauses()] + [_clause(c, True) for c in parsed.excluded]
        return QueryExplanation(tuple(clauses), described)

    unfiltered = SearchFilters(allowed_libraries=filters.allowed_libraries)
    counted = []
    emptied: list[str] = []
    filters_emptied = False
    for group in parsed.groups:
        alone = ParsedQuery(raw="", groups=(group,))
        hits = _count(backend, alone, filters)
        counted.extend(_clause(c, False, hits) for c in group)
        if hits == 0 and described and _count(backend, alone, unfiltered) > 0:
            filters_emptied = True
        elif hits == 0:
            emptied.append(" OR ".join(c.text for c in group))
    if filters_emptied or (not parsed.groups and described):
        emptied.extend(described)
    if not emptied and parsed.excluded:
        emptied.extend(f"-{c.text}" for c in parsed.excluded)
    clauses = counted + [_clause(c, True) for c in parsed.excluded]
    return QueryExplanation(tuple(clauses), described, tuple(emptied))
