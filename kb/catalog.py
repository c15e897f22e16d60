"""Tags, customers, opportunities and their links to documents, plus the audit log.

Every change to what a document is indexed with goes through here, so the index is
refreshed right after the database commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kb.indexing import document_customers, document_opportunities, reindex_documents  # noqa: F401  (re-exported)
from kb.models import (
    AuditEvent,
    Customer,
    Document,
    DocumentCustomer,
    DocumentOpportunity,
    DocumentStatus,
    DocumentTag,
    Opportunity,
    Tag,
    utcnow,
)
from kb.search.backend import SearchBackend
from kb.tags import normalise_tag


# Largest id a database row can have (PostgreSQL INTEGER, signed 32-bit); larger values overflow.
MAX_ID = 2**31 - 1


class CatalogError(ValueError):
    """Invalid input for a catalog change; the message is Chinese and names the value."""


def audit(session: Session, user: str, action: str, document_id: int | None = None, detail: str = "") -> None:
    session.add(AuditEvent(user=user, action=action, document_id=document_id, detail=detail[:500]))


def visible_document(session: Session, document_id: int, allowed: frozenset[str]) -> Document | None:
    """Return the document if it exists, is not missing and lies in an allowed library."""
    if not 0 < document_id <= MAX_ID:
        return None
    doc = session.get(Document, document_id)
    if doc is None or doc.library not in allowed or doc.status == DocumentStatus.MISSING:
        return None
    return doc


def _commit_and_reindex(session: Session, backend: SearchBackend, ids: Iterable[int]) -> None:
    session.commit()
    reindex_documents(session, backend, list(ids))


# -- tags ---------------------------------------------------------------------------


def get_or_create_tag(session: Session, name: str) -> Tag:
    clean = normalise_tag(name)
    if not clean:
        raise CatalogError("标签不能为空。")
    tag = session.exec(select(Tag).where(Tag.name == clean)).first()
    if tag is None:
        try:
            with session.begin_nested():
                tag = Tag(name=clean)
                session.add(tag)
                session.flush()
        except IntegrityError:
            # Another process created the same tag between the select and the insert.
            tag = session.exec(select(Tag).where(Tag.name == clean)).one()
    return tag


def _add_link(session: Session, link: DocumentTag | DocumentCustomer | DocumentOpportunity) -> bool:
    """Insert a link row unless it exists, and return whether this call added it.

    Two processes may add the same link at the same moment. The second insert then fails
    on the primary key inside a savepoint, and counts as already present, not as an error.
    """
    key = tuple(getattr(link, column.name) for column in type(link).__table__.primary_key.columns)  # type: ignore[attr-defined]
    if session.get(type(link), key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(link)
            session.flush()
    except IntegrityError:
        return False
    return True


def _remove_link(session: Session, backend: SearchBackend, model, key: tuple[int, int], user: str, action: str, detail: str) -> bool:  # type: ignore[no-untyped-def]
    """Delete one link row of a document, audit it and reindex the document; False when absent."""
    link = session.get(model, key)
    if link is None:
        return False
    session.delete(link)
    audit(session, user, action, key[0], detail)
    _commit_and_reindex(session, backend, [key[0]])
    return True


def add_tag(session: Session, backend: SearchBackend, doc: Document, name: str, user: str) -> Tag:
    tag = get_or_create_tag(session, name)
    assert doc.id is not None and tag.id is not None
    if _add_link(session, DocumentTag(document_id=doc.id, tag_id=tag.id)):
        audit(session, user, "tag_add", doc.id, tag.name)
    _commit_and_reindex(session, backend, [doc.id])
    return tag


def remove_tag(session: Session, backend: SearchBackend, doc: Document, name: str, user: str) -> bool:
    clean = normalise_tag(name)
    tag = session.exec(select(Tag).where(Tag.name == clean)).first()
    assert doc.id is not None
    if tag is None or tag.id is None:
        return False
    return _remove_link(session, backend, DocumentTag, (doc.id, tag.id), user, "tag_remove", clean)


def document_tags(session: Session, document_id: int) -> list[str]:
    rows = session.exec(
        select(Tag.name).join(DocumentTag, DocumentTag.tag_id == Tag.id).where(DocumentTag.document_id == document_id)
    ).all()
    return sorted(rows)


def tag_counts(session: Session, allowed: frozenset[str]) -> list[tuple[str, int]]:
    """Return every tag with the number of visible documents carrying it, most used first."""
    rows = session.exec(
        select(Tag.name, func.count(Document.id))
        .join(DocumentTag, DocumentTag.tag_id == Tag.id)
        .join(Document, Document.id == DocumentTag.document_id)
        .where(Document.library.in_(sorted(allowed)), Document.status == DocumentStatus.OK)  # type: ignore[attr-defined]
        .group_by(Tag.name)
        .order_by(func.count(Document.id).desc(), Tag.name)
    ).all()
    return [(name, int(count)) for name, count in rows]


# -- customers and opportunities ----------------------------------------------------


@dataclass(frozen=True)
class CustomerInput:
    name: str
    aliases: tuple[str, ...] = ()
    industry: str = ""


@dataclass(frozen=True)
class OpportunityInput:
    name: str
    customer_external_id: str | None = None
    stage: str = ""
    description: str = ""


def _linked_ids(session: Session, link_model, column: str, value: int) -> list[int]:  # type: ignore[no-untyped-def]
    rows = session.exec(select(link_model.document_id).where(getattr(link_model, column) == value)).all()
    return [int(r) for r in rows]


def upsert_customer(session: Session, backend: SearchBackend, external_id: str, data: CustomerInput, user: str) -> tuple[Customer, bool]:
    """Create or update a customer by its CRM id; return it and whether it was created."""
    if not data.name.strip():
        raise CatalogError("客户名称不能为空。")
    customer = session.exec(select(Customer).where(Customer.external_id == external_id)).first()
    created = customer is None
    if customer is None:
        customer = Customer(external_id=external_id, name=data.name.strip())
    customer.name = data.name.strip()
    customer.aliases = "\n".join(a.strip() for a in data.aliases if a.strip())
    customer.industry = data.industry.strip()
    customer.updated_at = utcnow()
    session.add(customer)
    session.flush()
    audit(session, user, "customer_upsert", None, f"{external_id} {customer.name}")
    assert customer.id is not None
    _commit_and_reindex(session, backend, _linked_ids(session, DocumentCustomer, "customer_id", customer.id))
    return customer, created


def upsert_opportunity(
    session: Session, backend: SearchBackend, external_id: str, data: OpportunityInput, user: str
) -> tuple[Opportunity, bool]:
    if not data.name.strip():
        raise CatalogError("商机名称不能为空。")
    customer_id = None
    if data.customer_external_id:
        customer = session.exec(select(Customer).where(Customer.external_id == data.customer_external_id)).first()
        if customer is None:
            raise CatalogError(f"客户不存在：{data.customer_external_id}。请先创建该客户。")
        customer_id = customer.id
    opportunity = session.exec(select(Opportunity).where(Opportunity.external_id == external_id)).first()
    created = opportunity is None
    if opportunity is None:
        opportunity = Opportunity(external_id=external_id, name=data.name.strip())
    opportunity.name = data.name.strip()
    opportunity.customer_id = customer_id
    opportunity.stage = data.stage.strip()
    opportunity.description = data.description
    opportunity.updated_at = utcnow()
    session.add(opportunity)
    session.flush()
    audit(session, user, "opportunity_upsert", None, f"{external_id} {opportunity.name}")
    assert opportunity.id is not None
    _commit_and_reindex(session, backend, _linked_ids(session, DocumentOpportunity, "opportunity_id", opportunity.id))
    return opportunity, created


def link_customer(session: Session, backend: SearchBackend, doc: Document, customer: Customer, user: str) -> None:
    assert doc.id is not None and customer.id is not None
    if _add_link(session, DocumentCustomer(document_id=doc.id, customer_id=customer.id)):
        audit(session, user, "customer_link", doc.id, customer.name)
    _commit_and_reindex(session, backend, [doc.id])


def unlink_customer(session: Session, backend: SearchBackend, doc: Document, customer: Customer, user: str) -> bool:
    assert doc.id is not None and customer.id is not None
    return _remove_link(session, backend, DocumentCustomer, (doc.id, customer.id), user, "customer_unlink", customer.name)


def link_opportunity(session: Session, backend: SearchBackend, doc: Document, opportunity: Opportunity, user: str) -> None:
    assert doc.id is not None and opportunity.id is not None
    if _add_link(session, DocumentOpportunity(document_id=doc.id, opportunity_id=opportunity.id)):
        audit(session, user, "opportunity_link", doc.id, opportunity.name)
    _commit_and_reindex(session, backend, [doc.id])


def unlink_opportunity(session: Session, backend: SearchBackend, doc: Document, opportunity: Opportunity, user: str) -> bool:
    assert doc.id is not None and opportunity.id is not None
    return _remove_link(
        session, backend, DocumentOpportunity, (doc.id, opportunity.id), user, "opportunity_unlink", opportunity.name
    )


def linked_documents(session: Session, link_model, column: str, value: int, allowed: frozenset[str]) -> list[Document]:  # type: ignore[no-untyped-def]
    """Return the visible documents linked to a customer or an opportunity, by library then title."""
    return list(
        session.exec(
            select(Document)
            .join(link_model, link_model.document_id == Document.id)
            .where(getattr(link_model, column) == value)
            .where(Document.library.in_(sorted(allowed)), Document.status != DocumentStatus.MISSING)  # type: ignore[attr-defined]
            .order_by(Document.library, Document.title)
        ).all()
    )
