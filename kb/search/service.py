"""Run a user's search: parse, resolve filters, ask the backend, add snippets from the database."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from kb.libraries import KEYS, LIBRARIES, library_name, resolve_library
from kb.models import Customer, Document, Opportunity
from kb.search import lexicon
from kb.search.analyzer import normalise
from kb.search.explain import QueryExplanation, explain
from kb.search.backend import SearchBackend, SearchFilters, SearchRequest
from kb.search.plan import highlight_terms
from kb.search.query import ParsedQuery, parse_query
from kb.search.snippets import highlight_title, make_snippet
from kb.search.suggest import did_you_mean
from kb.tags import normalise_tag


@dataclass(frozen=True)
class ResultItem:
    id: int
    title: str
    title_html: str
    library: str
    library_name: str
    path: str
    folder: str
    format: str
    snippet: str
    score: float
    modified: datetime | None
    # The query terms this document contains, for "why did this match".
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchPage:
    query: ParsedQuery
    total: int
    results: list[ResultItem]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    relaxed: bool = False
    # Filters typed in the query that matched nothing known, e.g. an unknown customer.
    unknown_filters: list[str] = field(default_factory=list)
    explanation: QueryExplanation | None = None
    did_you_mean: str | None = None


def _party_ids(session: Session, model: type[Customer] | type[Opportunity], value: str) -> list[int]:
    pattern = f"%{value}%"
    # The query text arrives case-folded, and CRM ids such as OPP-2025-001 are not.
    conditions = [model.name.like(pattern), func.lower(model.external_id) == value.lower()]  # type: ignore[attr-defined,union-attr,arg-type]
    if model is Customer:
        conditions.append(Customer.aliases.like(pattern))  # type: ignore[attr-defined]
    rows = session.exec(select(model.id).where(or_(*conditions))).all()
    return [int(r) for r in rows if r is not None]


def _merge_query_filters(session: Session, parsed: ParsedQuery, filters: SearchFilters) -> tuple[SearchFilters, list[str]]:
    unknown: list[str] = []
    libraries = list(filters.libraries)
    for value in parsed.filters.get("library", ()):
        key = resolve_library(value)
        libraries.append(key) if key else unknown.append(f"library:{value}")
    tags = list(filters.tags) + [normalise_tag(v) for v in parsed.filters.get("tag", ())]
    formats = list(filters.formats) + [v.lower().lstrip(".") for v in parsed.filters.get("format", ())]
    customer_ids = list(filters.customer_ids)
    for value in parsed.filters.get("customer", ()):
        ids = _party_ids(session, Customer, value)
        customer_ids.extend(ids) if ids else unknown.append(f"customer:{value}")
    opportunity_ids = list(filters.opportunity_ids)
    for value in parsed.filters.get("opportunity", ()):
        ids = _party_ids(session, Opportunity, value)
        opportunity_ids.extend(ids) if ids else unknown.append(f"opportunity:{value}")
    merged = replace(
        filters,
        libraries=tuple(libraries),
        tags=tuple(tags),
        formats=tuple(formats),
        customer_ids=tuple(customer_ids) or ((-1,) if parsed.filters.get("customer") else ()),
        opportunity_ids=tuple(opportunity_ids) or ((-1,) if parsed.filters.get("opportunity") else ()),
    )
    if parsed.filters.get("library") and not libraries:
        merged = replace(merged, libraries=("-",))
    return merged, unknown


def run_search(
    session: Session,
    backend: SearchBackend,
    q: str,
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    offset: int = 0,
    limit: int = 10,
    facets: bool = False,
) -> SearchPage:
    """Search and return one page of results with snippets, in the backend's order."""
    lexicon.refresh(session)
    parsed = parse_query(q)
    merged, unknown = _merge_query_filters(session, parsed, filters or SearchFilters())
    if merged.allowed_libraries is not None and merged.allowed_libraries >= frozenset(KEYS):
        # Every document is in one of the libraries, so permission to all of them filters nothing.
        merged = replace(merged, allowed_libraries=None)
    request = SearchRequest(parsed, merged, sort=sort, offset=offset, limit=limit, facets=facets)
    found = backend.search(request)
    terms = highlight_terms(parsed.clauses())
    docs = {d.id: d for d in session.exec(select(Document).where(Document.id.in_([h.id for h in found.hits])))}  # type: ignore[union-attr]
    items = [_item(docs[hit.id], hit.score, terms) for hit in found.hits if hit.id in docs]
    explanation = explain(backend, parsed, merged, found.total, {lib.key: lib.name for lib in LIBRARIES})
    suggestion = None
    if found.total == 0 and explanation.emptied_by:
        allowed = merged.allowed_libraries if merged.allowed_libraries is not None else frozenset(KEYS)
        unknown_words = [w for w in explanation.emptied_by if w in {c.text for c in parsed.clauses()}]
        suggestion = did_you_mean(session, q, unknown_words, allowed) if unknown_words else None
        if suggestion is not None and _count(backend, suggestion, merged) == 0:
            # Offer only a query that finds something.
            suggestion = None
    return SearchPage(parsed, found.total, items, found.facets, found.relaxed, unknown, explanation, suggestion)


def _count(backend: SearchBackend, q: str, filters: SearchFilters) -> int:
    return backend.search(SearchRequest(parse_query(q), filters, limit=1)).total


def _item(doc: Document, score: float, terms: list[str]) -> ResultItem:
    assert doc.id is not None
    return ResultItem(
        id=doc.id,
        title=doc.title,
        title_html=highlight_title(doc.title, terms),
        library=doc.library,
        library_name=library_name(doc.library),
        path=doc.path,
        folder=doc.folder,
        format=doc.format,
        snippet=make_snippet(doc.text, terms),
        score=round(score, 4),
        modified=doc.modified,
        matched=_matched_terms(doc, terms),
    )


def _matched_terms(doc: Document, terms: list[str]) -> tuple[str, ...]:
    haystack = normalise(f"{doc.title}\n{doc.text}")
    found: list[str] = []
    for term in terms:
        # Longer terms come first; a shorter term inside a found one adds nothing.
        if term in haystack and not any(term in longer for longer in found):
            found.append(term)
    return tuple(found)
