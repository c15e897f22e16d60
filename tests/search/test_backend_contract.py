"""The contract every SearchBackend meets, run against each backend in tests/search/backends.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from kb.config import Settings
from kb.search.backend import IndexDocument, SearchBackend, SearchFilters, SearchRequest, SearchResults
from kb.search.query import parse_query
from tests.search.backends import BACKENDS

DOCS = [
    IndexDocument(
        1, "quotes", "华东区", "xlsx", "苏气象 JDX-2000 雷达维修报价单",
        "序号 产品型号 名称\n1 JDX-2000 气象雷达 年度维修 报价 合计 120000 元。设备清单如下。",
        modified=datetime(2024, 3, 1), tags=("雷达",),
    ),
    IndexDocument(
        2, "cases", "2024", "docx", "中远海运导航雷达改造案例",
        "中远海运 JDX-3100 导航雷达改造。使用 QX-7200 频谱分析仪测试。安全技术交底必须完成。",
        modified=datetime(2024, 6, 1), tags=("雷达", "改造"),
        customer_ids=(7,), customer_names=("中远海运船舶管理有限公司", "中远海运"),
        opportunity_ids=(11,), opportunity_names=("导航设备更新项目",),
    ),
    IndexDocument(
        3, "documents", "", "pdf", "公司简介",
        "华辰电子科技有限公司生产 QX 7200 与 ABC-1234。设备，清单。",
        modified=datetime(2023, 1, 1),
    ),
]
ALL_IDS = {doc.id for doc in DOCS}

Opener = Callable[[], SearchBackend]


@pytest.fixture(params=sorted(BACKENDS))
def open_empty(request: pytest.FixtureRequest, tmp_path: Path, settings: Settings) -> Iterator[Opener]:
    """Return a function that opens the parametrized backend over this test's data folder."""
    factory = BACKENDS[request.param]
    opened: list[SearchBackend] = []

    def open_backend() -> SearchBackend:
        backend = factory(tmp_path, settings)
        opened.append(backend)
        return backend

    yield open_backend
    for backend in opened:
        backend.close()


@pytest.fixture
def backend(open_empty: Opener) -> SearchBackend:
    opened = open_empty()
    opened.upsert(DOCS)
    return opened


def run(backend: SearchBackend, q: str, limit: int = 10, **kwargs: object) -> SearchResults:
    options = {k: kwargs.pop(k) for k in ("sort", "offset", "facets") if k in kwargs}
    request = SearchRequest(parse_query(q), SearchFilters(**kwargs), limit=limit, **options)  # type: ignore[arg-type]
    return backend.search(request)


def ids(backend: SearchBackend, q: str, **kwargs: object) -> list[int]:
    return [hit.id for hit in run(backend, q, **kwargs).hits]


def xfail_on(request: pytest.FixtureRequest, backend_name: str, reason: str) -> None:
    """Mark the running test as a known failure of one backend; it must fail there."""
    if request.node.callspec.params["open_empty"] == backend_name:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


# -- writing ------------------------------------------------------------------------


def test_indexed_ids_lists_every_document(backend):
    assert backend.indexed_ids() == ALL_IDS


def test_upsert_replaces_same_id(backend):
    backend.upsert([IndexDocument(3, "documents", "", "pdf", "公司简介", "全新内容 频谱仪")])
    assert ids(backend, "华辰电子") == []
    assert ids(backend, "全新内容") == [3]
    assert backend.indexed_ids() == ALL_IDS


def test_upsert_generator_repeated_id_keeps_last(open_empty):
    backend = open_empty()
    older = IndexDocument(1, "quotes", "", "txt", "旧版报价", "旧版内容")
    newer = IndexDocument(1, "quotes", "", "txt", "新版报价", "新版内容")
    backend.upsert(doc for doc in (older, newer))
    assert backend.indexed_ids() == {1}
    assert run(backend, "").total == 1
    assert ids(backend, "旧版") == []
    assert ids(backend, "新版") == [1]


def test_upsert_accepts_far_dates(backend):
    # 1601-01-01 is what a zeroed Windows file time converts to.
    backend.upsert([
        IndexDocument(5, "documents", "", "txt", "旧档案", "旧档案", modified=datetime(1601, 1, 1)),
        IndexDocument(6, "documents", "", "txt", "远期档案", "远期档案", modified=datetime(2999, 1, 1)),
    ])
    assert ids(backend, "档案", modified_from=datetime(2900, 1, 1)) == [6]
    assert ids(backend, "档案", modified_to=datetime(1700, 1, 1)) == [5]


def test_upsert_empty_batch_is_noop(backend):
    backend.upsert([])
    assert backend.indexed_ids() == ALL_IDS


def test_delete_removes_document(backend):
    backend.delete([1])
    assert backend.indexed_ids() == ALL_IDS - {1}
    assert ids(backend, "报价") == []


def test_delete_ignores_unknown_id(backend):
    backend.delete([999])
    assert backend.indexed_ids() == ALL_IDS


def test_clear_keeps_index_usable(backend):
    backend.clear()
    assert backend.indexed_ids() == set()
    assert run(backend, "").total == 0
    backend.upsert(DOCS[:1])
    assert ids(backend, "报价") == [1]


def test_reopen_keeps_documents(open_empty):
    first = open_empty()
    first.upsert(DOCS)
    first.close()
    second = open_empty()
    assert second.indexed_ids() == ALL_IDS


# -- matching -----------------------------------------------------------------------


def test_search_chinese_word(backend):
    assert ids(backend, "报价") == [1]


def test_search_all_words_required(backend):
    assert ids(backend, "雷达 维修 报价") == [1]


def test_search_long_clause_needs_most_words(backend):
    backend.upsert([IndexDocument(5, "quotes", "", "txt", "维修报价", "年度维修报价合计：设备另计。")])
    # Six words: five of them are enough, the two of "设备，清单" are not.
    assert set(ids(backend, "年度维修报价合计设备清单")) == {1, 5}


def test_search_strict_match_not_relaxed(backend):
    assert run(backend, "雷达 维修").relaxed is False


def test_search_relaxed_when_nothing_matches_all(backend):
    result = run(backend, "报价 不存在的词")
    assert result.relaxed is True
    assert [hit.id for hit in result.hits] == [1]


@pytest.mark.parametrize(("q", "expected"), [('"安全技术交底"', [2]), ('"设备清单"', [1])])
def test_search_phrase_over_segmentation(backend, q, expected):
    assert ids(backend, q) == expected


@pytest.mark.parametrize("q", ["QX-7200", "qx7200", "ＱＸ－７２００", "QX 7200"])
def test_search_code_spellings(backend, q):
    assert set(ids(backend, q)) == {2, 3}


def test_search_code_prefix(backend):
    assert ids(backend, "QX-72") == [2]


def test_search_single_character(backend):
    assert set(ids(backend, "雷")) == {1, 2}


def test_search_exclusion(backend):
    assert ids(backend, "雷达 -案例") == [1]


def test_search_or(backend):
    assert set(ids(backend, "报价 OR 简介")) == {1, 3}


def test_search_traditional_finds_simplified(backend):
    assert ids(backend, "維修 報價") == [1]


def test_search_synonym_finds_other_word(backend):
    assert ids(backend, "价格") == [1]


def test_search_customer_name(backend):
    assert ids(backend, "中远海运") == [2]


def test_search_opportunity_name(backend):
    assert ids(backend, "导航设备更新项目") == [2]


def test_search_empty_query_returns_everything(backend):
    result = run(backend, "")
    assert result.total == len(DOCS)
    assert {hit.id for hit in result.hits} == ALL_IDS


# -- permissions and filters ----------------------------------------------------------


def test_permission_hides_from_results(backend):
    assert ids(backend, "雷达", allowed_libraries=frozenset({"cases", "documents"})) == [2]


def test_permission_hides_from_total(backend):
    result = run(backend, "雷达", limit=1, allowed_libraries=frozenset({"documents"}))
    assert result.total == 0
    assert result.hits == ()


def test_permission_hides_from_facets(backend):
    result = run(backend, "雷达", facets=True, allowed_libraries=frozenset({"cases"}))
    assert result.facets["library"] == {"cases": 1}
    assert result.facets["tag"] == {"雷达": 1, "改造": 1}
    assert result.facets["format"] == {"docx": 1}


def test_permission_empty_set_hides_everything(backend):
    assert run(backend, "", allowed_libraries=frozenset()).total == 0


def test_permission_applies_to_empty_query(backend):
    result = run(backend, "", allowed_libraries=frozenset({"quotes", "documents"}))
    assert result.total == 2
    assert {hit.id for hit in result.hits} == {1, 3}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"libraries": ("quotes",)}, {1}),
        ({"libraries": ("quotes", "documents")}, {1, 3}),
        ({"formats": ("pdf",)}, {3}),
        ({"tags": ("雷达",)}, {1, 2}),
        ({"tags": ("雷达", "改造")}, {2}),
        ({"customer_ids": (7,)}, {2}),
        ({"customer_ids": (8,)}, set()),
        ({"opportunity_ids": (11,)}, {2}),
        ({"folder": "华东区"}, {1}),
        ({"modified_from": datetime(2024, 1, 1)}, {1, 2}),
        ({"modified_to": datetime(2023, 12, 31)}, {3}),
        ({"modified_from": datetime(2024, 2, 1), "modified_to": datetime(2024, 4, 1)}, {1}),
        ({"modified_from": datetime(1, 1, 1), "modified_to": datetime(9999, 12, 31)}, {1, 2, 3}),
    ],
)
def test_filter_restricts_results_and_total(backend, filters, expected):
    result = run(backend, "", **filters)
    assert {hit.id for hit in result.hits} == expected
    assert result.total == len(expected)


def test_filter_combines_with_words(backend):
    assert ids(backend, "雷达", libraries=("cases",)) == [2]


def test_facets_count_matching_documents(backend):
    facets = run(backend, "", facets=True).facets
    assert facets["library"] == {"quotes": 1, "cases": 1, "documents": 1}
    assert facets["format"] == {"xlsx": 1, "docx": 1, "pdf": 1}
    assert facets["tag"] == {"雷达": 2, "改造": 1}
    assert facets["customer"] == {"7": 1}
    assert facets["opportunity"] == {"11": 1}


def test_facets_follow_query_and_filters(backend):
    facets = run(backend, "雷达", facets=True, formats=("xlsx", "docx")).facets
    assert facets["library"] == {"quotes": 1, "cases": 1}
    assert facets["tag"] == {"雷达": 2, "改造": 1}


# -- order and pages ----------------------------------------------------------------


def test_sort_by_date_newest_first(backend):
    assert ids(backend, "", sort="date") == [2, 1, 3]


def test_sort_by_date_with_offset(backend):
    result = run(backend, "", sort="date", offset=1, limit=1)
    assert [hit.id for hit in result.hits] == [1]
    assert result.total == 3


def test_pagination_covers_all_with_exact_total(backend):
    seen: list[int] = []
    for offset in range(len(DOCS)):
        result = run(backend, "", offset=offset, limit=1)
        assert result.total == len(DOCS)
        seen.extend(hit.id for hit in result.hits)
    assert sorted(seen) == sorted(ALL_IDS)


def test_pagination_offset_past_end(backend):
    result = run(backend, "雷达", offset=5, limit=10)
    assert result.hits == ()
    assert result.total == 2


def test_pagination_ranked_pages_do_not_overlap(backend):
    first = run(backend, "雷达", limit=1)
    second = run(backend, "雷达", offset=1, limit=1)
    assert first.total == second.total == 2
    assert {hit.id for hit in first.hits + second.hits} == {1, 2}


# -- related documents ----------------------------------------------------------------

SIMILAR = IndexDocument(
    4, "estimates", "", "xlsx", "JDX-2000 气象雷达维修测算",
    "JDX-2000 气象雷达 年度维修 报价 测算，合计 118000 元。设备清单另附。",
)


def test_related_finds_similar_without_itself(backend):
    backend.upsert([SIMILAR])
    related = [hit.id for hit in backend.related(1, DOCS[0].content, SearchFilters())]
    assert related[0] == 4
    assert 1 not in related


def test_related_respects_permissions(backend):
    backend.upsert([SIMILAR])
    allowed = SearchFilters(allowed_libraries=frozenset({"quotes", "cases", "documents"}))
    related = [hit.id for hit in backend.related(1, DOCS[0].content, allowed)]
    assert 4 not in related
    assert 1 not in related


# -- ranking --------------------------------------------------------------------------

FILLER = "本季度市场部完成了客户回访、合同归档与展会筹备工作，各项指标均已达成。"


def test_rank_title_above_deep_mention(open_empty):
    backend = open_empty()
    backend.upsert([
        IndexDocument(1, "documents", "", "txt", "年度工作总结", FILLER * 80 + "另借用频谱仪一台。" + FILLER * 20),
        IndexDocument(2, "instructions", "", "txt", "频谱仪校准规程", "校准前预热三十分钟，记录环境温度。"),
    ])
    assert ids(backend, "频谱仪") == [2, 1]


def test_rank_whole_phrase_above_scattered_words(open_empty):
    backend = open_empty()
    backend.upsert([
        IndexDocument(1, "cases", "", "txt", "项目记录一", "本项目涉及雷达，以及机房的空调维修与照明。"),
        IndexDocument(2, "cases", "", "txt", "项目记录二", "本项目涉及机房的空调，以及雷达维修与照明。"),
    ])
    assert ids(backend, "雷达 维修") == [2, 1]


def test_rank_literal_above_synonym(open_empty):
    backend = open_empty()
    backend.upsert([
        IndexDocument(1, "quotes", "", "txt", "备件清单一", "雷达备件报价明细，共十二项。"),
        IndexDocument(2, "quotes", "", "txt", "备件清单二", "雷达备件价格明细，共十二项。"),
    ])
    assert ids(backend, "雷达 价格") == [2, 1]


def test_exclusion_across_several_commits(open_empty):
    backend = open_empty()
    texts = ["雷达维修报价", "雷达年度保障", "導航雷達維修報價函", "雷达备件清单", "雷达报价单"]
    docs = [IndexDocument(n, "quotes", "", "txt", f"文档{n}", texts[n % len(texts)]) for n in range(1, 61)]
    for start in range(0, len(docs), 20):
        # One commit per batch, so engines that keep segments hold several of them.
        backend.upsert(docs[start : start + 20])
    kept = {doc.id for doc in docs if "报价" not in doc.content and "報價" not in doc.content}
    assert set(ids(backend, "雷达 -报价", limit=100)) == kept
