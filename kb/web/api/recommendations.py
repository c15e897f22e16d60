"""GET /api/v1/opportunities/{external_id}/recommendations: documents that fit an opportunity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import Session

from kb.catalog import linked_documents
from kb.models import Customer, Document, DocumentOpportunity, Opportunity
from kb.search.backend import SearchBackend, SearchFilters
from kb.search.keywords import key_terms
from kb.search.service import run_search
from kb.search.snippets import make_snippet
from kb.web.api.common import ApiReader, document_summary, error_responses
from kb.web.api.parties import find_opportunity
from kb.web.api.schemas import RecommendationOut, RecommendationsOut
from kb.web.deps import BackendDep, SessionDep

router = APIRouter(tags=["opportunities"])

KEY_TERM_COUNT = 12
# Linked documents whose neighbours are looked up; more adds little and costs a search each.
MAX_SEED_DOCUMENTS = 5
# Weight of "similar to a linked document" against "matches the opportunity's words".
RELATED_WEIGHT = 0.5
_QUERY_SYNTAX = str.maketrans({'"': " ", ":": " ", "：": " ", "|": " "})


@dataclass
class _Candidate:
    score: float = 0.0
    snippet: str = ""
    reasons: list[str] = field(default_factory=list)


def build_query_terms(opportunity: Opportunity, customer: Customer | None) -> list[str]:
    """Pick the words to look for: the customer's names whole, then key terms of the rest."""
    names = [customer.name, *customer.alias_list()] if customer else []
    text = "\n".join([opportunity.description, opportunity.name, customer.industry if customer else ""])
    terms = [*names, *key_terms(text, KEY_TERM_COUNT)]
    cleaned = [term.translate(_QUERY_SYNTAX).strip().lstrip("-").replace(" ", "") for term in terms]
    return list(dict.fromkeys(term for term in cleaned if term))


def _add_search_matches(session: Session, backend: SearchBackend, query: str, filters: SearchFilters, limit: int, found: dict[int, _Candidate]) -> None:
    page = run_search(session, backend, query, filters, limit=limit)
    best = max((item.score for item in page.results), default=0.0) or 1.0
    for item in page.results:
        candidate = found.setdefault(item.id, _Candidate())
        candidate.score += item.score / best
        candidate.snippet = item.snippet
        candidate.reasons.append("search")


def _add_related(backend: SearchBackend, seeds: list[Document], filters: SearchFilters, limit: int, found: dict[int, _Candidate]) -> None:
    related: dict[int, float] = {}
    for seed in seeds[:MAX_SEED_DOCUMENTS]:
        assert seed.id is not None
        hits = backend.related(seed.id, seed.text, filters, limit=limit)
        best = max((hit.score for hit in hits), default=0.0) or 1.0
        for hit in hits:
            related[hit.id] = max(related.get(hit.id, 0.0), hit.score / best)
    for doc_id, score in related.items():
        candidate = found.setdefault(doc_id, _Candidate())
        candidate.score += RELATED_WEIGHT * score
        candidate.reasons.append("related")


def recommend(session: Session, backend: SearchBackend, opportunity: Opportunity, allowed: frozenset[str], limit: int) -> tuple[str, list[RecommendationOut]]:
    """Rank visible documents for the opportunity, leaving out those already linked to it."""
    assert opportunity.id is not None
    customer = session.get(Customer, opportunity.customer_id) if opportunity.customer_id else None
    terms = build_query_terms(opportunity, customer)
    query = " | ".join(terms)
    linked = linked_documents(session, DocumentOpportunity, "opportunity_id", opportunity.id, allowed)
    linked_ids = {doc.id for doc in linked}
    filters = SearchFilters(allowed_libraries=allowed)

    found: dict[int, _Candidate] = {}
    if terms:
        _add_search_matches(session, backend, query, filters, limit + len(linked_ids), found)
    _add_related(backend, linked, filters, limit + len(linked_ids), found)

    ranked = sorted(((doc_id, c) for doc_id, c in found.items() if doc_id not in linked_ids), key=lambda pair: -pair[1].score)
    top = max((c.score for _, c in ranked), default=0.0) or 1.0
    results = []
    for doc_id, candidate in ranked[:limit]:
        doc = session.get(Document, doc_id)
        if doc is None or doc.library not in allowed:
            continue
        snippet = candidate.snippet or make_snippet(doc.text, terms)
        summary = document_summary(doc).model_dump()
        results.append(RecommendationOut(**summary, score=round(candidate.score / top, 4), snippet=snippet, reasons=candidate.reasons))
    return query, results


@router.get(
    "/opportunities/{external_id}/recommendations",
    response_model=RecommendationsOut,
    summary="Recommend documents for an opportunity",
    description=(
        "Ranks documents by how well they match the opportunity's description and name, its customer's names, "
        "aliases and industry (any of the words may match), and by similarity to documents already linked to the "
        "opportunity. Linked documents themselves are left out. Only libraries the caller may see are searched."
    ),
    responses=error_responses(401, 403, 404, 422),
)
def opportunity_recommendations(
    external_id: Annotated[str, Path(min_length=1, max_length=100)],
    principal: ApiReader,
    session: SessionDep,
    backend: BackendDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> RecommendationsOut:
    opportunity = find_opportunity(session, external_id)
    query, results = recommend(session, backend, opportunity, principal.allowed_libraries(), limit)
    return RecommendationsOut(external_id=external_id, query=query, results=results)

