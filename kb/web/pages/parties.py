"""Customer and opportunity pages: searchable lists and each one's visible documents by library."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, or_
from sqlmodel import Session, select

from kb.catalog import linked_documents
from kb.libraries import library_name
from kb.models import Customer, Document, DocumentCustomer, DocumentOpportunity, DocumentStatus, Opportunity
from kb.web.auth import PagePrincipal
from kb.web.deps import SessionDep
from kb.web.pages.common import not_found, render

router = APIRouter()
LIST_LIMIT = 200


def _visible_counts(session: Session, link_model: Any, column: str, allowed: frozenset[str]) -> dict[int, int]:
    """Count the visible documents linked to each customer or opportunity."""
    key = getattr(link_model, column)
    rows = session.exec(
        select(key, func.count(Document.id))
        .join(Document, Document.id == link_model.document_id)
        .where(Document.library.in_(sorted(allowed)), Document.status != DocumentStatus.MISSING)  # type: ignore[attr-defined]
        .group_by(key)
    ).all()
    return {int(party_id): int(count) for party_id, count in rows}


def _grouped(documents: list[Document]) -> list[tuple[str, list[Document]]]:
    """Group documents by library name, keeping the order of `linked_documents`."""
    return [(library_name(key), list(docs)) for key, docs in groupby(documents, key=lambda d: d.library)]


def _contains(q: str) -> str:
    """Return a LIKE pattern matching `q` anywhere, with LIKE's wildcards in `q` taken literally."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching_customers(session: Session, q: str) -> list[Customer]:
    query = select(Customer).order_by(Customer.name).limit(LIST_LIMIT + 1)
    if q:
        pattern = _contains(q)
        conditions = [Customer.name.like(pattern, escape="\\"), Customer.aliases.like(pattern, escape="\\"), Customer.external_id.like(pattern, escape="\\")]  # type: ignore[union-attr,attr-defined]
        query = query.where(or_(*conditions))
    return list(session.exec(query).all())


def _matching_opportunities(session: Session, q: str) -> list[Opportunity]:
    query = select(Opportunity).order_by(Opportunity.name).limit(LIST_LIMIT + 1)
    if q:
        pattern = _contains(q)
        conditions = [Opportunity.name.like(pattern, escape="\\"), Opportunity.external_id.like(pattern, escape="\\")]  # type: ignore[union-attr,attr-defined]
        query = query.where(or_(*conditions))
    return list(session.exec(query).all())


def _customer_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Customer.id, Customer.name).where(Customer.id.in_(sorted(ids)))).all()  # type: ignore[union-attr]
    return {int(row_id): name for row_id, name in rows}


@router.get("/customers", response_class=HTMLResponse)
def customer_list(request: Request, principal: PagePrincipal, session: SessionDep, q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    customers = _matching_customers(session, q.strip())
    context = {
        "q": q.strip(),
        "customers": customers[:LIST_LIMIT],
        "more": len(customers) > LIST_LIMIT,
        "counts": _visible_counts(session, DocumentCustomer, "customer_id", principal.allowed_libraries()),
    }
    return render(request, "customers.html", context, principal)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(customer_id: int, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise not_found("找不到该客户。")
    documents = linked_documents(session, DocumentCustomer, "customer_id", customer_id, principal.allowed_libraries())
    opportunities = session.exec(select(Opportunity).where(Opportunity.customer_id == customer_id).order_by(Opportunity.name)).all()
    context = {"customer": customer, "groups": _grouped(documents), "total": len(documents), "opportunities": opportunities}
    return render(request, "customer.html", context, principal)


@router.get("/opportunities", response_class=HTMLResponse)
def opportunity_list(request: Request, principal: PagePrincipal, session: SessionDep, q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    opportunities = _matching_opportunities(session, q.strip())
    context = {
        "q": q.strip(),
        "opportunities": opportunities[:LIST_LIMIT],
        "more": len(opportunities) > LIST_LIMIT,
        "counts": _visible_counts(session, DocumentOpportunity, "opportunity_id", principal.allowed_libraries()),
        "customer_names": _customer_names(session, {o.customer_id for o in opportunities if o.customer_id}),
    }
    return render(request, "opportunities.html", context, principal)


@router.get("/opportunities/{opportunity_id}", response_class=HTMLResponse)
def opportunity_page(opportunity_id: int, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise not_found("找不到该商机。")
    documents = linked_documents(session, DocumentOpportunity, "opportunity_id", opportunity_id, principal.allowed_libraries())
    customer = session.get(Customer, opportunity.customer_id) if opportunity.customer_id else None
    context = {"opportunity": opportunity, "customer": customer, "groups": _grouped(documents), "total": len(documents)}
    return render(request, "opportunity.html", context, principal)
