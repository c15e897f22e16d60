"""GET /api/v1/search: filters, pages, facets and parameter checks."""

from __future__ import annotations

import pytest


def _search(client, **params):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/search", params=params)


def test_search_result_shape(client_as, doc_ids):
    result = _search(client_as("viewer"), q="技术方案").json()["results"][0]
    assert set(result) == {"id", "title", "library", "library_name", "path", "folder", "format", "snippet", "score", "modified"}
    assert result["id"] == doc_ids["solution"]


def test_search_library_repeated(client_as):
    body = client_as("admin").get("/api/v1/search", params=[("q", "巡检"), ("library", "cases"), ("library", "documents")]).json()
    assert {r["library"] for r in body["results"]} == {"cases", "documents"}


def test_search_library_comma_list(client_as):
    body = _search(client_as("admin"), q="巡检", library="cases,报价库").json()
    assert {r["library"] for r in body["results"]} == {"cases", "quotes"}


def test_search_ungranted_library_filter_empty(client_as):
    assert _search(client_as("viewer"), q="巡检", library="quotes").json()["total"] == 0


def test_search_format_filter(client_as):
    body = _search(client_as("viewer"), q="巡检", format="pdf").json()
    assert body["total"] == 0


def test_search_customer_filter_and_facet(client_as, doc_ids):
    client = client_as("token_write")
    client.put("/api/v1/customers/C-1", json={"name": "华东电网", "aliases": ["华东"]})
    client.put(f"/api/v1/customers/C-1/documents/{doc_ids['case']}")
    body = _search(client, q="巡检", customer="C-1").json()
    assert [r["id"] for r in body["results"]] == [doc_ids["case"]]
    assert body["facets"]["customer"] == {"C-1": 1}


def test_search_unknown_customer_empty(client_as):
    assert _search(client_as("viewer"), q="巡检", customer="NOPE").json()["total"] == 0


def test_search_date_range_excludes(client_as):
    assert _search(client_as("viewer"), q="巡检", date_to="2000-01-01").json()["total"] == 0


def test_search_date_range_includes(client_as):
    assert _search(client_as("viewer"), q="巡检", date_from="2000-01-01", date_to="2999-12-31").json()["total"] > 0


def test_search_pages_disjoint(client_as):
    client = client_as("admin")
    first = [r["id"] for r in _search(client, page_size=2, page=1).json()["results"]]
    second = [r["id"] for r in _search(client, page_size=2, page=2).json()["results"]]
    assert len(first) == 2
    assert not set(first) & set(second)


def test_search_sort_by_date(client_as):
    results = _search(client_as("admin"), sort="date", page_size=100).json()["results"]
    dates = [r["modified"] for r in results]
    assert dates == sorted(dates, reverse=True)


def test_search_facets_count_formats(client_as):
    facets = _search(client_as("viewer"), q="巡检").json()["facets"]
    assert facets["format"] == {"docx": 2}


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page_size": "101"},
        {"page_size": "0"},
        {"date_from": "2024-13-01"},
        {"sort": "random"},
        {"q": "x" * 501},
    ],
)
def test_search_invalid_parameter_rejected(client_as, params):
    response = _search(client_as("viewer"), **params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_parameter"


def test_search_unknown_library_rejected(client_as):
    response = _search(client_as("viewer"), library="nope")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_library"


def test_search_reversed_dates_rejected(client_as):
    response = _search(client_as("viewer"), date_from="2024-02-01", date_to="2024-01-01")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date_range"
