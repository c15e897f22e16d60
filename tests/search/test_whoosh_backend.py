"""The Whoosh backend over a real index in a temporary folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kb.search.backend import IndexDocument, SearchFilters, SearchRequest
from kb.search.query import parse_query
from kb.search.whoosh_backend import WhooshBackend

DOCS = [
    IndexDocument(1, "quotes", "华东区", "xlsx", "苏气象 JDX-2000 雷达维修报价单",
                  "序号 产品型号 名称\n1 JDX-2000 气象雷达 年度维修 报价 合计 120000 元。设备清单如下。",
                  modified=datetime(2024, 3, 1), tags=("雷达",)),
    IndexDocument(2, "cases", "2024", "docx", "中远海运导航雷达改造案例",
                  "中远海运 JDX-3100 导航雷达改造。使用 QX-7200 频谱分析仪测试。安全技术交底必须完成。",
                  modified=datetime(2024, 6, 1), customer_ids=(7,), customer_names=("中远海运船舶管理有限公司", "中远海运")),
    IndexDocument(3, "documents", "", "pdf", "公司简介",
                  "华辰电子科技有限公司生产 QX 7200 与 ABC-1234。设备，清单。",
                  modified=datetime(2023, 1, 1)),
]


@pytest.fixture
def backend(tmp_path: Path):
    b = WhooshBackend(tmp_path / "index")
    b.upsert(DOCS)
    yield b
    b.close()


def ids(backend: WhooshBackend, q: str, **filters) -> list[int]:
    result = backend.search(SearchRequest(parse_query(q), SearchFilters(**filters), limit=10))
    return [hit.id for hit in result.hits]


def test_search_chinese_word(backend):
    assert ids(backend, "报价") == [1]


def test_search_all_words_required(backend):
    assert ids(backend, "雷达 维修 报价") == [1]


def test_search_phrase_exact(backend):
    assert ids(backend, '"设备清单"') == [1]


def test_search_phrase_across_segmentation(backend):
    assert ids(backend, '"安全技术交底"') == [2]


@pytest.mark.parametrize("q", ["QX-7200", "qx7200", "ＱＸ－７２００", "QX 7200"])
def test_search_code_spellings(backend, q):
    assert set(ids(backend, q)) == {2, 3}


def test_search_code_prefix(backend):
    assert 2 in ids(backend, "QX-72")


def test_search_single_character(backend):
    assert set(ids(backend, "雷")) == {1, 2}


def test_search_exclusion(backend):
    assert ids(backend, "雷达 -案例") == [1]


def test_search_or(backend):
    assert set(ids(backend, "报价 OR 简介")) == {1, 3}


def test_search_relaxed_when_nothing_matches_all(backend):
    result = backend.search(SearchRequest(parse_query("报价 不存在的词"), limit=10))
    assert result.relaxed is True
    assert [h.id for h in result.hits] == [1]


def test_search_permission_filter_hides_library(backend):
    assert ids(backend, "雷达", allowed_libraries=frozenset({"cases", "documents"})) == [2]


def test_search_facets_respect_permissions(backend):
    result = backend.search(SearchRequest(parse_query("雷达"), SearchFilters(allowed_libraries=frozenset({"cases"})), facets=True))
    assert result.facets["library"] == {"cases": 1}


def test_search_customer_name_scores(backend):
    assert ids(backend, "中远海运") == [2]


def test_search_filters_by_tag_and_customer(backend):
    assert ids(backend, "", tags=("雷达",)) == [1]
    assert ids(backend, "", customer_ids=(7,)) == [2]


def test_search_sort_by_date(backend):
    result = backend.search(SearchRequest(parse_query(""), sort="date", limit=10))
    assert [h.id for h in result.hits] == [2, 1, 3]


def test_upsert_replaces_same_id(backend):
    backend.upsert([IndexDocument(3, "documents", "", "pdf", "公司简介", "全新内容 频谱仪")])
    assert ids(backend, "华辰电子") == []
    assert ids(backend, "全新内容") == [3]


def test_delete_removes(backend):
    backend.delete([1])
    assert backend.indexed_ids() == {2, 3}


def test_reopen_keeps_documents(tmp_path: Path):
    first = WhooshBackend(tmp_path / "ix")
    first.upsert(DOCS)
    first.close()
    second = WhooshBackend(tmp_path / "ix")
    assert second.indexed_ids() == {1, 2, 3}
    second.close()


def test_total_counts_only_filtered_documents(backend):
    result = backend.search(SearchRequest(parse_query("雷达"), SearchFilters(allowed_libraries=frozenset({"documents"})), limit=1))
    assert result.total == 0


def test_total_exact_with_small_page(backend):
    result = backend.search(SearchRequest(parse_query("雷达"), SearchFilters(allowed_libraries=frozenset({"cases", "quotes"})), limit=1))
    assert result.total == 2


def test_delete_hides_document_from_open_searcher(backend):
    assert backend.indexed_ids() == {1, 2, 3}
    backend.delete([2])
    assert backend.indexed_ids() == {1, 3}
    assert ids(backend, "中远海运") == []


def test_permission_set_follows_index_changes(backend):
    visible = frozenset({"cases", "documents"})
    assert sorted(ids(backend, "设备", allowed_libraries=visible)) == [3]

    backend.upsert([IndexDocument(4, "cases", "", "txt", "设备巡检案例", "设备巡检记录。")])
    assert sorted(ids(backend, "设备", allowed_libraries=visible)) == [3, 4]

    backend.upsert([IndexDocument(5, "quotes", "", "txt", "设备报价", "设备报价单。")])
    assert sorted(ids(backend, "设备", allowed_libraries=visible)) == [3, 4]
    backend.delete([3])
    assert sorted(ids(backend, "设备", allowed_libraries=visible)) == [4]
