"""Index entries built from the database in batches: each document keeps its own tags and links."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from kb import indexing
from kb.catalog import CustomerInput, OpportunityInput, add_tag, link_customer, link_opportunity, upsert_customer, upsert_opportunity
from kb.db import get_engine
from kb.models import Document, DocumentStatus
from kb.search import open_backend
from kb.search.backend import SearchFilters, SearchRequest
from kb.search.query import parse_query

DOCS = 7


def _documents(session: Session) -> list[Document]:
    docs = [
        Document(library="cases", path=f"cases/案例{i}.txt", filename=f"案例{i}.txt", format="txt", title=f"雷达维修案例{i}", text=f"第{i}号雷达维修报告")
        for i in range(DOCS)
    ]
    session.add_all(docs)
    session.commit()
    return docs


def _ids(backend, filters: SearchFilters) -> list[int]:  # type: ignore[no-untyped-def]
    found = backend.search(SearchRequest(parse_query("维修报告"), filters, limit=50))
    return sorted(hit.id for hit in found.hits)


def test_rebuild_in_small_batches_keeps_each_documents_links(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches of two over seven documents: four rounds of link queries, the last one short.
    monkeypatch.setattr(indexing, "BATCH_SIZE", 2)
    backend = open_backend(settings)
    with Session(get_engine(settings)) as session:
        docs = _documents(session)
        customer, _ = upsert_customer(session, backend, "C-1", CustomerInput("苏气象"), "tester")
        opportunity, _ = upsert_opportunity(session, backend, "O-1", OpportunityInput("雷达升级商机"), "tester")
        add_tag(session, backend, docs[1], "甲", "tester")
        add_tag(session, backend, docs[4], "甲", "tester")
        add_tag(session, backend, docs[4], "乙", "tester")
        link_customer(session, backend, docs[2], customer, "tester")
        link_customer(session, backend, docs[5], customer, "tester")
        link_opportunity(session, backend, docs[6], opportunity, "tester")
        expected_ids = [d.id for d in docs]

        backend.clear()
        assert indexing.rebuild(session, backend) == DOCS

    assert _ids(backend, SearchFilters()) == expected_ids
    assert _ids(backend, SearchFilters(tags=("甲",))) == [docs[1].id, docs[4].id]
    assert _ids(backend, SearchFilters(tags=("乙",))) == [docs[4].id]
    assert _ids(backend, SearchFilters(customer_ids=(customer.id,))) == [docs[2].id, docs[5].id]
    assert _ids(backend, SearchFilters(opportunity_ids=(opportunity.id,))) == [docs[6].id]
    backend.close()


def test_reindex_removes_missing_and_failed_documents(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indexing, "BATCH_SIZE", 2)
    backend = open_backend(settings)
    with Session(get_engine(settings)) as session:
        docs = _documents(session)
        ids = [d.id for d in docs]
        indexing.reindex_documents(session, backend, ids)
        assert _ids(backend, SearchFilters()) == ids

        docs[3].status = DocumentStatus.FAILED
        session.add(docs[3])
        session.delete(docs[0])
        session.commit()
        # Id 999999 was never stored: it is removed from the index without an error.
        indexing.reindex_documents(session, backend, [*ids, 999999])

    assert _ids(backend, SearchFilters()) == [i for i in ids if i not in (ids[0], ids[3])]
    backend.close()
