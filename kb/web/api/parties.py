"""Customers and opportunities from the CRM, keyed by their external ids, and their documents."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlmodel import Session, select

from kb.catalog import (
    CatalogError,
    CustomerInput,
    OpportunityInput,
    link_customer,
    link_opportunity,
    linked_documents,
    unlink_customer,
    unlink_opportunity,
    upsert_customer,
    upsert_opportunity,
)
from kb.models import Customer, DocumentCustomer, DocumentOpportunity, Opportunity
from kb.web.api.common import ApiReader, document_summary, error_responses, require_document
from kb.web.api.schemas import (
    CustomerIn,
    CustomerOut,
    LinkOut,
    OpportunityIn,
    OpportunityOut,
    PartyDocumentsOut,
    PartyRef,
)
from kb.web.auth import ApiWriter
from kb.web.deps import BackendDep, SessionDep
from kb.web.errors import ApiError

router = APIRouter()

ExternalId = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[^/\s]+$", description="The CRM's id, e.g. `C-1001`.")
]
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def find_customer(session: Session, external_id: str) -> Customer:
    customer = session.exec(select(Customer).where(Customer.external_id == external_id)).first()
    if customer is None:
        raise ApiError(404, "not_found", f"找不到客户：{external_id}")
    return customer


def find_opportunity(session: Session, external_id: str) -> Opportunity:
    opportunity = session.exec(select(Opportunity).where(Opportunity.external_id == external_id)).first()
    if opportunity is None:
        raise ApiError(404, "not_found", f"找不到商机：{external_id}")
    return opportunity


def customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut(
        external_id=customer.external_id or "",
        name=customer.name,
        aliases=customer.alias_list(),
        industry=customer.industry,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
    )


def opportunity_out(session: Session, opportunity: Opportunity) -> OpportunityOut:
    customer = session.get(Customer, opportunity.customer_id) if opportunity.customer_id else None
    return OpportunityOut(
        external_id=opportunity.external_id or "",
        name=opportunity.name,
        customer=PartyRef(external_id=customer.external_id, name=customer.name) if customer else None,
        stage=opportunity.stage,
        description=opportunity.description,
        created_at=opportunity.created_at,
        updated_at=opportunity.updated_at,
    )


def _documents_out(external_id: str, docs: list) -> PartyDocumentsOut:  # type: ignore[type-arg]
    return PartyDocumentsOut(
        external_id=external_id,
        total=len(docs),
        by_library=dict(Counter(doc.library for doc in docs)),
        documents=[document_summary(doc) for doc in docs],
    )


# -- customers ----------------------------------------------------------------------

_UPSERT_RESPONSES = {200: {"description": "Updated an existing record."}, 201: {"description": "Created a new record."}}


@router.put(
    "/customers/{external_id}",
    response_model=CustomerOut,
    status_code=201,
    tags=["customers"],
    summary="Create or update a customer",
    description="Idempotent upsert by the CRM's id: 201 when created, 200 when updated. Linked documents are re-indexed with the new name and aliases.",
    responses={**_UPSERT_RESPONSES, **error_responses(401, 403, 422)},
)
def put_customer(
    external_id: ExternalId, body: CustomerIn, response: Response, principal: ApiWriter, session: SessionDep, backend: BackendDep
) -> CustomerOut:
    data = CustomerInput(name=body.name, aliases=tuple(body.aliases), industry=body.industry)
    try:
        customer, created = upsert_customer(session, backend, external_id, data, principal.name)
    except CatalogError as exc:
        raise ApiError(422, "invalid_parameter", str(exc)) from exc
    response.status_code = 201 if created else 200
    return customer_out(customer)


@router.get(
    "/customers/{external_id}",
    response_model=CustomerOut,
    tags=["customers"],
    summary="Get a customer",
    responses=error_responses(401, 403, 404),
)
def get_customer(external_id: ExternalId, principal: ApiReader, session: SessionDep) -> CustomerOut:
    return customer_out(find_customer(session, external_id))


@router.get(
    "/customers/{external_id}/documents",
    response_model=PartyDocumentsOut,
    tags=["customers"],
    summary="List a customer's documents",
    description="Only documents in libraries the caller may see, sorted by library and title.",
    responses=error_responses(401, 403, 404),
)
def customer_documents(external_id: ExternalId, principal: ApiReader, session: SessionDep) -> PartyDocumentsOut:
    customer = find_customer(session, external_id)
    assert customer.id is not None
    docs = linked_documents(session, DocumentCustomer, "customer_id", customer.id, principal.allowed_libraries())
    return _documents_out(external_id, docs)


@router.put(
    "/customers/{external_id}/documents/{document_id}",
    response_model=LinkOut,
    tags=["customers"],
    summary="Link a document to a customer",
    description="Idempotent. The document becomes findable by the customer's name and filterable by it.",
    responses=error_responses(401, 403, 404),
)
def put_customer_document(
    external_id: ExternalId, document_id: DocumentId, principal: ApiWriter, session: SessionDep, backend: BackendDep
) -> LinkOut:
    customer = find_customer(session, external_id)
    doc = require_document(session, document_id, principal)
    link_customer(session, backend, doc, customer, principal.name)
    return LinkOut(document_id=document_id, external_id=external_id, linked=True)


@router.delete(
    "/customers/{external_id}/documents/{document_id}",
    response_model=LinkOut,
    tags=["customers"],
    summary="Unlink a document from a customer",
    description="Idempotent: unlinking a document that is not linked changes nothing.",
    responses=error_responses(401, 403, 404),
)
def delete_customer_document(
    external_id: ExternalId, document_id: DocumentId, principal: ApiWriter, session: SessionDep, backend: BackendDep
) -> LinkOut:
    customer = find_customer(session, external_id)
    doc = require_document(session, document_id, principal)
    unlink_customer(session, backend, doc, customer, principal.name)
    return LinkOut(document_id=document_id, external_id=external_id, linked=False)


# -- opportunities ------------------------------------------------------------------


@router.put(
    "/opportunities/{external_id}",
    response_model=OpportunityOut,
    status_code=201,
    tags=["opportunities"],
    summary="Create or update an opportunity",
    description="Idempotent upsert by the CRM's id: 201 when created, 200 when updated. `customer_external_id` must name an existing customer.",
    responses={**_UPSERT_RESPONSES, **error_responses(401, 403, 422)},
)
def put_opportunity(
    external_id: ExternalId, body: OpportunityIn, response: Response, principal: ApiWriter, session: SessionDep, backend: BackendDep
) -> OpportunityOut:
    data = OpportunityInput(
        name=body.name, customer_external_id=body.customer_external_id, stage=body.stage, description=body.description
    )
    try:
        opportunity, created = upsert_opportunity(session, backend, external_id, data, principal.name)
    except CatalogError as exc:
        raise ApiError(422, "invalid_parameter", str(exc)) from exc
    response.status_code = 201 if created else 200
    return opportunity_out(session, opportunity)


@router.get(
    "/opportunities/{external_id}",
    response_model=OpportunityOut,
    tags=["opportunities"],
    summary="Get an opportunity",
    responses=error_responses(401, 403, 404),
)
def get_opportunity(external_id: ExternalId, principal: ApiReader, session: SessionDep) -> OpportunityOut:
    return opportunity_out(session, find_opportunity(session, external_id))


@router.get(
    "/opportunities/{external_id}/documents",
    response_model=PartyDocumentsOut,
    tags=["opportunities"],
    summary="List an opportunity's documents",
    description="Only documents in libraries the caller may see, sorted by library and title.",
    responses=error_responses(401, 403, 404),
)
def opportunity_documents(external_id: ExternalId, principal: ApiReader, session: SessionDep) -> PartyDocumentsOut:
    opportunity = find_opportunity(session, external_id)
    assert opportunity.id is not None
    docs = linked_documents(session, DocumentOpportunity, "opportunity_id", opportunity.id, principal.allowed_libraries())
    return _documents_out(external_id, docs)


@router.put(
    "/opportunities/{external_id}/documents/{document_id}",
    response_model=LinkOut,
    tags=["opportunities"],
    summary="Link a document to an opportunity",
    description="Idempotent.",
    responses=error_responses(401, 403, 404),
)
def put_opportunity_document(
    external_id: ExternalId, document_id: DocumentId, principal: ApiWriter, session: SessionDep, backend: BackendDep
) -> LinkOut:
    opportunity = find_opportunity(session, external_id)
    doc = require_document(session, document_id, principal)
    link_opportunity(session, backend, doc, opportunity, principal.name)
    return LinkOut(document_id=document_id, external_id=external_id, linked=True)


@router.delete(
    "/opportunities/{external_id}/documents/{document_id}",
    response_model=LinkOut,
    tags=["opportunities"],
    summary="Unlink a document from an opportunity",
    description="Idempotent: unlinking a document that is not linked changes nothing.",
    responses=error_responses(401, 403, 404),
)
def delete_opportunity_document(
    external_id: ExternalId, document_id: DocumentId, principal: ApiWriter, session: SessionDep, backend: BackendDep
) -> LinkOut:
    opportunity = find_opportunity(session, external_id)
    doc = require_document(session, document_id, principal)
    unlink_opportunity(session, backend, doc, opportunity, principal.name)
    return LinkOut(document_id=document_id, external_id=external_id, linked=False)
