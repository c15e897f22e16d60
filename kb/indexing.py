"""Turn database rows into what the search backend indexes."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlmodel import Session, select

from kb.models import (
    Customer,
    Document,
    DocumentCustomer,
    DocumentOpportunity,
    DocumentStatus,
    DocumentTag,
    Opportunity,
    Tag,
    as_utc,
)
from kb.search import lexicon
from kb.search.backend import IndexDocument, SearchBackend


def _tags(session: Session, document_id: int) -> tuple[str, ...]:
    rows = session.exec(
        select(Tag.name).join(DocumentTag, DocumentTag.tag_id == Tag.id).where(DocumentTag.document_id == document_id)
    ).all()
    return tuple(sorted(rows))


def document_customers(session: Session, document_id: int) -> list[Customer]:
    """Return the customers linked to a document, by name."""
    return list(
        session.exec(
            select(Customer)
            .join(DocumentCustomer, DocumentCustomer.customer_id == Customer.id)
            .where(DocumentCustomer.document_id == document_id)
            .order_by(Customer.name)
        ).all()
    )


def document_opportunities(session: Session, document_id: int) -> list[Opportunity]:
    """Return the opportunities linked to a document, by name."""
    return list(
        session.exec(
            select(Opportunity)
            .join(DocumentOpportunity, DocumentOpportunity.opportunity_id == Opportunity.id)
            .where(DocumentOpportunity.document_id == document_id)
            .order_by(Opportunity.name)
        ).all()
    )


def _naive_utc(value: datetime | None) -> datetime | None:
    # Index engines compare plain UTC datetimes.
    aware = as_utc(value)
    return aware.replace(tzinfo=None) if aware else None


def _title_with_name(doc: Document) -> str:
    """Return the title plus the file name when the name says something else.

    People name files after customers, models and dates ("苏气象_JDX-2000报价单_2024.xlsx"),
    so the name is searched with the weight of a title.
    """
    stem = doc.filename.rsplit(".", 1)[0] if doc.filename else ""
    if not stem or stem == doc.title:
        return doc.title
    return f"{doc.title}\n{stem}"


def index_document(session: Session, doc: Document) -> IndexDocument:
    """Build the index entry of a document, with its tags and linked parties."""
    assert doc.id is not None
    customers = document_customers(session, doc.id)
    opportunities = document_opportunities(session, doc.id)
    customer_names = [name for c in customers for name in (c.name, *c.alias_list())]
    return IndexDocument(
        id=doc.id,
        library=doc.library,
        folder=doc.folder,
        format=doc.format,
        title=_title_with_name(doc),
        content=doc.text,
        modified=_naive_utc(doc.modified),
        tags=_tags(session, doc.id),
        customer_names=tuple(customer_names),
        customer_ids=tuple(c.id for c in customers if c.id is not None),
        opportunity_names=tuple(o.name for o in opportunities),
        opportunity_ids=tuple(o.id for o in opportunities if o.id is not None),
    )


def searchable_documents(session: Session) -> Iterator[Document]:
    """Yield every document that belongs in the index."""
    yield from session.exec(select(Document).where(Document.status == DocumentStatus.OK).order_by(Document.id))


def reindex_documents(session: Session, backend: SearchBackend, ids: Iterable[int]) -> None:
    """Refresh the index entries of the given documents from the database."""
    lexicon.refresh(session)
    batch: list[IndexDocument] = []
    removed: list[int] = []
    for doc_id in ids:
        doc = session.get(Document, doc_id)
        if doc is None or doc.status != DocumentStatus.OK:
            removed.append(doc_id)
            continue
        batch.append(index_document(session, doc))
    backend.delete(removed)
    backend.upsert(batch)


def rebuild(session: Session, backend: SearchBackend) -> int:
    """Index every searchable document again; return how many."""
    lexicon.refresh(session, force=True)
    backend.clear()
    # One upsert call over a generator lets a backend write the whole index in one commit.
    counter = itertools.count()
    backend.upsert(index_document(session, doc) for doc, _ in zip(searchable_documents(session), counter))
    return next(counter)
