"""Turn database rows into what the search backend indexes."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TypeVar

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

T = TypeVar("T")


# Documents indexed per round of link queries during a rebuild or a batch reindex.
BATCH_SIZE = 500


def _tags_of(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    rows = session.exec(
        select(DocumentTag.document_id, Tag.name).join(Tag, DocumentTag.tag_id == Tag.id).where(DocumentTag.document_id.in_(ids))
    ).all()
    found: dict[int, list[str]] = defaultdict(list)
    for document_id, name in rows:
        found[document_id].append(name)
    return {document_id: tuple(sorted(names)) for document_id, names in found.items()}


def _parties_of(session: Session, ids: Sequence[int], link, party, key) -> dict[int, list]:  # type: ignore[no-untyped-def]
    """Return the parties (customers or opportunities) linked to each document, by name."""
    rows = session.exec(
        select(link.document_id, party).join(party, key == party.id).where(link.document_id.in_(ids)).order_by(party.name)
    ).all()
    found: dict[int, list] = defaultdict(list)
    for document_id, linked in rows:
        found[document_id].append(linked)
    return found


def _customers_of(session: Session, ids: Sequence[int]) -> dict[int, list[Customer]]:
    return _parties_of(session, ids, DocumentCustomer, Customer, DocumentCustomer.customer_id)


def _opportunities_of(session: Session, ids: Sequence[int]) -> dict[int, list[Opportunity]]:
    return _parties_of(session, ids, DocumentOpportunity, Opportunity, DocumentOpportunity.opportunity_id)


def document_customers(session: Session, document_id: int) -> list[Customer]:
    """Return the customers linked to a document, by name."""
    return _customers_of(session, [document_id]).get(document_id, [])


def document_opportunities(session: Session, document_id: int) -> list[Opportunity]:
    """Return the opportunities linked to a document, by name."""
    return _opportunities_of(session, [document_id]).get(document_id, [])


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


def index_documents(session: Session, docs: Sequence[Document]) -> list[IndexDocument]:
    """Build the index entries of documents, with their tags and linked parties, in three queries."""
    ids = [doc.id for doc in docs if doc.id is not None]
    assert len(ids) == len(docs), "every document needs an id before it is indexed"
    tags = _tags_of(session, ids)
    customers = _customers_of(session, ids)
    opportunities = _opportunities_of(session, ids)
    entries = []
    for doc in docs:
        assert doc.id is not None
        linked_customers = customers.get(doc.id, [])
        linked_opportunities = opportunities.get(doc.id, [])
        entries.append(
            IndexDocument(
                id=doc.id,
                library=doc.library,
                folder=doc.folder,
                format=doc.format,
                title=_title_with_name(doc),
                content=doc.text,
                modified=_naive_utc(doc.modified),
                tags=tags.get(doc.id, ()),
                customer_names=tuple(name for c in linked_customers for name in (c.name, *c.alias_list())),
                customer_ids=tuple(c.id for c in linked_customers if c.id is not None),
                opportunity_names=tuple(o.name for o in linked_opportunities),
                opportunity_ids=tuple(o.id for o in linked_opportunities if o.id is not None),
            )
        )
    return entries


def index_document(session: Session, doc: Document) -> IndexDocument:
    """Build the index entry of one document, with its tags and linked parties."""
    return index_documents(session, [doc])[0]


def searchable_documents(session: Session) -> Iterator[Document]:
    """Yield every document that belongs in the index, holding one batch of rows at a time."""
    # Without yield_per the ORM reads every row, texts included, before yielding the first.
    statement = select(Document).where(Document.status == DocumentStatus.OK).order_by(Document.id)
    yield from session.exec(statement.execution_options(yield_per=BATCH_SIZE))


def _batches(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _searchable(session: Session, ids: Sequence[int]) -> list[Document]:
    found = {doc.id: doc for doc in session.exec(select(Document).where(Document.id.in_(ids)))}
    return [found[i] for i in ids if i in found and found[i].status == DocumentStatus.OK]


def reindex_documents(session: Session, backend: SearchBackend, ids: Iterable[int]) -> None:
    """Refresh the index entries of the given documents from the database.

    Commits the session first: the entries are read while the backend holds its write
    lock, in a new transaction, so that two processes changing the same document leave
    the index with the later state. The caller must have committed its own changes.
    """
    lexicon.refresh(session)
    requested = list(dict.fromkeys(ids))
    searchable: set[int] = set()
    for batch in _batches(requested):
        # Ids and status only: the rows with their text are read once, under the write lock below.
        statement = select(Document.id).where(Document.id.in_(batch), Document.status == DocumentStatus.OK)
        searchable.update(session.exec(statement))
    searchable_ids = [i for i in requested if i in searchable]
    backend.delete([i for i in requested if i not in searchable])

    def latest_entries() -> Iterator[IndexDocument]:
        # This runs inside backend.upsert, under its write lock. A new transaction reads every commit so far.
        session.commit()
        for batch in _batches(searchable_ids):
            yield from index_documents(session, _searchable(session, batch))

    backend.upsert(latest_entries())


def rebuild(session: Session, backend: SearchBackend) -> int:
    """Index every searchable document again; return how many."""
    lexicon.refresh(session, force=True)
    backend.clear()
    count = 0

    def entries() -> Iterator[IndexDocument]:
        nonlocal count
        for batch in _batches(searchable_documents(session)):
            count += len(batch)
            yield from index_documents(session, batch)

    # One upsert call over a generator lets a backend write the whole index in one commit.
    backend.upsert(entries())
    return count
