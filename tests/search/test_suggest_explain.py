"""Suggestions, "did you mean" and query explanations over a real index and database."""

from __future__ import annotations

import time

import pytest
from sqlmodel import Session

from kb.db import get_engine
from kb.ingest.pipeline import run_ingest
from kb.libraries import KEYS
from kb.models import Customer, Tag
from kb.search import open_backend, suggest
from kb.search.backend import SearchFilters
from kb.search.service import run_search
from tests.conftest import write_text

ALL = frozenset(KEYS)
OPEN = frozenset(k for k in KEYS if k not in ("quotes", "estimates"))


@pytest.fixture
def indexed(settings, library_dir, monkeypatch):
    monkeypatch.setattr(suggest, "REFRESH_INTERVAL", 0.0)
    write_text(library_dir, "cases/雷达改造案例.txt", "JDX-3100 导航雷达改造案例。")
    write_text(library_dir, "quotes/机密报价.txt", "ZZK-9001 机密型号报价。")
    write_text(library_dir, "documents/编号说明.txt", "报价编号 HC-BJ-2024-0312 按年份排列。")
    backend = open_backend(settings)
    run_ingest(settings, backend)
    with Session(get_engine(settings)) as session:
        session.add(Customer(name="江苏省气象局", aliases="苏气象", external_id="C1"))
        session.add(Tag(name="雷达"))
        session.commit()
    yield backend
    backend.close()


def texts(settings, typed: str, allowed=ALL) -> list[str]:
    with Session(get_engine(settings)) as session:
        return [s.text for s in suggest.suggest(session, typed, allowed)]


def test_suggest_by_pinyin(settings, indexed):
    assert "雷达" in texts(settings, "leida")


def test_suggest_by_pinyin_initials(settings, indexed):
    assert "雷达" in texts(settings, "ld")


def test_suggest_customer_short_name(settings, indexed):
    assert "苏气象" in texts(settings, "苏气")


def test_suggest_model_code_prefix(settings, indexed):
    assert "JDX-3100" in texts(settings, "jdx-31")


def test_suggest_hides_confidential_titles_and_codes(settings, indexed):
    assert texts(settings, "zzk", allowed=OPEN) == []
    assert texts(settings, "机密", allowed=OPEN) == []


def test_did_you_mean_fixes_code_typo(settings, indexed):
    with Session(get_engine(settings)) as session:
        page = run_search(session, indexed, "JDX-3110", SearchFilters())
    assert page.total == 0
    assert page.did_you_mean == "JDX-3100"


def test_explain_names_emptying_word(settings, indexed):
    with Session(get_engine(settings)) as session:
        page = run_search(session, indexed, "不存在的词", SearchFilters())
    assert page.explanation is not None
    assert page.explanation.emptied_by == ("不存在的词",)


def test_explain_names_emptying_filter(settings, indexed):
    with Session(get_engine(settings)) as session:
        page = run_search(session, indexed, "雷达", SearchFilters(libraries=("templates",)))
    assert page.explanation.emptied_by == ("资料库：模板库",)


def test_explain_shows_segmentation_and_synonyms(settings, indexed):
    with Session(get_engine(settings)) as session:
        page = run_search(session, indexed, "雷达维修", SearchFilters())
    clause = page.explanation.clauses[0]
    assert clause.words == ("雷达", "维修")
    assert "维护" in clause.synonyms


def test_result_lists_matched_terms(settings, indexed):
    with Session(get_engine(settings)) as session:
        page = run_search(session, indexed, "雷达 改造", SearchFilters())
    assert set(page.results[0].matched) == {"雷达", "改造"}


def test_suggest_skips_fragments_of_document_numbers(settings, indexed):
    assert [t for t in texts(settings, "bj") if t.startswith("BJ-")] == []


def test_opportunity_filter_by_crm_id(settings, indexed):
    from kb.models import DocumentOpportunity, Opportunity

    with Session(get_engine(settings)) as session:
        opportunity = Opportunity(name="导航雷达改造", external_id="OPP-2025-001")
        session.add(opportunity)
        session.commit()
        session.add(DocumentOpportunity(document_id=1, opportunity_id=opportunity.id))
        session.commit()
    from kb.indexing import reindex_documents

    with Session(get_engine(settings)) as session:
        reindex_documents(session, indexed, [1])
        page = run_search(session, indexed, "opportunity:OPP-2025-001", SearchFilters())
    assert [r.id for r in page.results] == [1]


def test_large_library_rebuilds_candidates_in_background(settings, indexed, monkeypatch):
    # Every library counts as large here, so the request that notices a change does not wait for the scan.
    monkeypatch.setattr(suggest, "SYNC_BUILD_DOCUMENTS", 0)
    allowed = frozenset(KEYS)
    with Session(get_engine(settings)) as session:
        first = suggest.suggest(session, "JDX", allowed)
        assert first == []
        for _ in range(100):
            if not suggest._cache.building:
                break
            time.sleep(0.05)
        assert [s.text for s in suggest.suggest(session, "JDX", allowed)] == ["JDX-3100"]
