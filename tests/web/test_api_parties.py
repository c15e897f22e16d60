"""Customers, opportunities, their documents and recommendations: the CRM's flow."""

from __future__ import annotations

import pytest

OPPORTUNITY = {
    "name": "华东电网变电站智能巡检项目",
    "customer_external_id": "C-100",
    "stage": "方案",
    "description": "华东电网计划在 220kV 变电站部署巡检机器人，需要技术方案和成功案例。",
}


@pytest.fixture
def crm(client_as):  # type: ignore[no-untyped-def]
    client = client_as("token_write")
    client.put("/api/v1/customers/C-100", json={"name": "华东电网", "aliases": ["华东公司"], "industry": "电力"})
    client.put("/api/v1/opportunities/O-7", json=OPPORTUNITY)
    return client


def test_customer_upsert_created_then_updated(client_as):
    client = client_as("token_write")
    first = client.put("/api/v1/customers/C-1", json={"name": "华东电网"})
    second = client.put("/api/v1/customers/C-1", json={"name": "国网华东分部", "aliases": ["华东"]})
    assert first.status_code == 201
    assert second.status_code == 200
    assert client.get("/api/v1/customers/C-1").json()["name"] == "国网华东分部"


def test_customer_upsert_no_duplicate(client_as, web_settings):
    from sqlmodel import func, select

    from kb.db import session_scope
    from kb.models import Customer

    client = client_as("token_write")
    client.put("/api/v1/customers/C-1", json={"name": "华东电网"})
    client.put("/api/v1/customers/C-1", json={"name": "华东电网"})
    with session_scope(web_settings) as session:
        count = session.exec(select(func.count(Customer.id)).where(Customer.external_id == "C-1")).one()
    assert count == 1


def test_customer_unknown_not_found(client_as):
    response = client_as("viewer").get("/api/v1/customers/NOPE")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_customer_blank_name_rejected(client_as):
    response = client_as("token_write").put("/api/v1/customers/C-1", json={"name": ""})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_parameter"


def test_opportunity_links_customer(crm):
    body = crm.get("/api/v1/opportunities/O-7").json()
    assert body["customer"] == {"external_id": "C-100", "name": "华东电网"}


def test_opportunity_upsert_updated(crm):
    response = crm.put("/api/v1/opportunities/O-7", json={**OPPORTUNITY, "stage": "报价"})
    assert response.status_code == 200
    assert response.json()["stage"] == "报价"


def test_opportunity_unknown_customer_rejected(client_as):
    response = client_as("token_write").put("/api/v1/opportunities/O-1", json={"name": "新项目", "customer_external_id": "NOPE"})
    assert response.status_code == 422


def test_opportunity_document_linked_listed(crm, doc_ids):
    crm.put(f"/api/v1/opportunities/O-7/documents/{doc_ids['solution']}")
    body = crm.get("/api/v1/opportunities/O-7/documents").json()
    assert [d["id"] for d in body["documents"]] == [doc_ids["solution"]]
    assert body["by_library"] == {"documents": 1}


def test_opportunity_document_unlinked(crm, doc_ids):
    crm.put(f"/api/v1/opportunities/O-7/documents/{doc_ids['solution']}")
    crm.delete(f"/api/v1/opportunities/O-7/documents/{doc_ids['solution']}")
    assert crm.get("/api/v1/opportunities/O-7/documents").json()["total"] == 0


def test_customer_documents_hide_quotes(client_as, crm, doc_ids):
    admin = client_as("admin")
    admin.put(f"/api/v1/customers/C-100/documents/{doc_ids['quote']}")
    admin.put(f"/api/v1/customers/C-100/documents/{doc_ids['case']}")
    listed = [d["id"] for d in client_as("viewer").get("/api/v1/customers/C-100/documents").json()["documents"]]
    assert listed == [doc_ids["case"]]


def test_customer_link_hidden_document_not_found(crm, doc_ids):
    response = crm.put(f"/api/v1/customers/C-100/documents/{doc_ids['quote']}")
    assert response.status_code == 404


def test_customer_link_unknown_customer_not_found(client_as, doc_ids):
    response = client_as("token_write").put(f"/api/v1/customers/NOPE/documents/{doc_ids['case']}")
    assert response.status_code == 404


def test_customer_link_makes_name_searchable(crm, doc_ids):
    crm.put(f"/api/v1/customers/C-100/documents/{doc_ids['template']}")
    results = crm.get("/api/v1/search", params={"q": "华东公司"}).json()["results"]
    assert doc_ids["template"] in [r["id"] for r in results]


def test_recommendations_relevant_first(crm, doc_ids):
    results = crm.get("/api/v1/opportunities/O-7/recommendations").json()["results"]
    assert results[0]["id"] == doc_ids["case"]


def test_recommendations_exclude_unrelated(crm, doc_ids):
    ids = [r["id"] for r in crm.get("/api/v1/opportunities/O-7/recommendations").json()["results"]]
    assert doc_ids["brochure"] not in ids


def test_recommendations_exclude_linked(crm, doc_ids):
    crm.put(f"/api/v1/opportunities/O-7/documents/{doc_ids['case']}")
    ids = [r["id"] for r in crm.get("/api/v1/opportunities/O-7/recommendations").json()["results"]]
    assert doc_ids["case"] not in ids
    assert doc_ids["solution"] in ids


def test_recommendations_include_related_reason(crm, doc_ids):
    crm.put(f"/api/v1/opportunities/O-7/documents/{doc_ids['case']}")
    results = crm.get("/api/v1/opportunities/O-7/recommendations").json()["results"]
    reasons = {r["id"]: r["reasons"] for r in results}
    assert "related" in reasons[doc_ids["solution"]]


@pytest.mark.parametrize("kind, sees_quote", [("token_read", False), ("token_read_quotes", True)])
def test_recommendations_respect_permissions(client_as, crm, doc_ids, kind, sees_quote):
    ids = [r["id"] for r in client_as(kind).get("/api/v1/opportunities/O-7/recommendations").json()["results"]]
    assert (doc_ids["quote"] in ids) == sees_quote


def test_recommendations_unknown_opportunity_not_found(client_as):
    assert client_as("viewer").get("/api/v1/opportunities/NOPE/recommendations").status_code == 404
