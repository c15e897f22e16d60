"""The Whoosh backend's result cache: never stale after a write, never shared across permissions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kb.search.backend import IndexDocument, SearchFilters, SearchRequest
from kb.search.cache import ResultCache
from kb.search.query import parse_query
from kb.search.whoosh_backend import WhooshBackend

RADAR_QUOTE = IndexDocument(1, "quotes", "", "xlsx", "雷达维修报价单", "JDX-2000 气象雷达 年度维修 报价。")
RADAR_CASE = IndexDocument(2, "cases", "", "docx", "雷达改造案例", "导航雷达改造，频谱分析仪测试。")


@pytest.fixture
def backend(tmp_path: Path):
    b = WhooshBackend(tmp_path / "index")
    b.upsert([RADAR_QUOTE, RADAR_CASE])
    yield b
    b.close()


def search_ids(backend: WhooshBackend, q: str, filters: SearchFilters | None = None) -> list[int]:
    request = SearchRequest(parse_query(q), filters or SearchFilters(), limit=10, facets=True)
    return sorted(hit.id for hit in backend.search(request).hits)


def test_cache_repeated_query_hits(backend):
    assert search_ids(backend, "雷达") == [1, 2]
    assert search_ids(backend, "雷达") == [1, 2]
    assert backend.cache.hits == 1


def test_cache_upsert_not_stale(backend):
    assert search_ids(backend, "雷达") == [1, 2]
    backend.upsert([IndexDocument(3, "documents", "", "pdf", "雷达手册", "雷达说明。")])
    assert search_ids(backend, "雷达") == [1, 2, 3]


def test_cache_replace_not_stale(backend):
    assert search_ids(backend, "报价") == [1]
    backend.upsert([replace(RADAR_QUOTE, title="雷达维修合同", content="JDX-2000 年度维修合同。")])
    assert search_ids(backend, "报价") == []


def test_cache_delete_not_stale(backend):
    assert search_ids(backend, "雷达") == [1, 2]
    backend.delete([2])
    assert search_ids(backend, "雷达") == [1]


def test_cache_write_by_other_process_not_stale(backend, tmp_path: Path):
    assert search_ids(backend, "雷达") == [1, 2]
    other = WhooshBackend(tmp_path / "index")
    other.delete([1])
    other.close()
    assert search_ids(backend, "雷达") == [2]


def test_cache_separate_permission_sets(backend):
    everything = SearchFilters(allowed_libraries=frozenset({"quotes", "cases"}))
    cases_only = SearchFilters(allowed_libraries=frozenset({"cases"}))
    assert search_ids(backend, "雷达", everything) == [1, 2]
    assert search_ids(backend, "雷达", cases_only) == [2]
    assert search_ids(backend, "雷达", SearchFilters(allowed_libraries=frozenset())) == []


def test_cache_separate_filters(backend):
    assert search_ids(backend, "雷达", SearchFilters(formats=("xlsx",))) == [1]
    assert search_ids(backend, "雷达", SearchFilters(formats=("docx",))) == [2]


def test_cache_returns_facets_copy(backend):
    request = SearchRequest(parse_query("雷达"), SearchFilters(), facets=True)
    backend.search(request).facets["library"]["quotes"] = 99
    assert backend.search(request).facets["library"]["quotes"] == 1


def test_result_cache_size_bound():
    cache: ResultCache[str] = ResultCache(max_entries=2)
    for key in ("a", "b", "c"):
        cache.put(1, key, key.upper())
    assert len(cache) == 2
    assert cache.get(1, "a") is None
    assert cache.get(1, "c") == "C"


def test_result_cache_generation_change_empties():
    cache: ResultCache[str] = ResultCache()
    cache.put(1, "a", "A")
    assert cache.get(2, "a") is None
    assert len(cache) == 0


def tag_facets(backend: WhooshBackend, q: str) -> dict[str, int]:
    request = SearchRequest(parse_query(q), SearchFilters(), facets=True)
    return backend.search(request).facets["tag"]


def test_tag_facets_follow_writes(backend):
    backend.upsert([replace(RADAR_QUOTE, tags=("雷达", "报价"))])
    assert tag_facets(backend, "雷达") == {"雷达": 1, "报价": 1}

    backend.upsert([replace(RADAR_CASE, tags=("雷达", "改造"))])
    assert tag_facets(backend, "雷达") == {"雷达": 2, "报价": 1, "改造": 1}

    backend.delete([1])
    assert tag_facets(backend, "雷达") == {"雷达": 1, "改造": 1}
