"""Searches over the bundled sample library, ingested as make run does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from kb.config import Settings
from kb.db import get_engine
from kb.ingest.pipeline import run_ingest
from kb.models import Document
from kb.search import analyzer, open_backend
from kb.search.backend import SearchFilters
from kb.search.service import run_search

LIBRARY = Path(__file__).resolve().parents[2] / "library"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    settings = Settings(library_dir=LIBRARY, data_dir=tmp_path_factory.mktemp("sample-data"))
    backend = open_backend(settings)
    summary = run_ingest(settings, backend)
    yield settings, backend, summary
    backend.close()


def _search(sample, q: str, limit: int = 100):
    settings, backend, _summary = sample
    with Session(get_engine(settings)) as session:
        page = run_search(session, backend, q, SearchFilters(), limit=limit)
        texts = {r.id: analyzer.normalise(session.get(Document, r.id).text) for r in page.results}
    return page, texts


def test_sample_library_ingests_without_failures(sample):
    _settings, _backend, summary = sample
    assert summary.failed == []
    assert len(summary.added) >= 70


def test_sample_quote_search_lists_quotes_first(sample):
    page, _texts = _search(sample, "报价", limit=5)
    assert {r.library for r in page.results[:3]} == {"quotes"}


def test_sample_exclusion_removes_every_matching_document(sample):
    page, texts = _search(sample, "雷达 -报价")
    assert page.total > 0
    assert [r.title for r in page.results if "报价" in texts[r.id]] == []


def test_sample_total_same_for_any_page_size(sample):
    # Whoosh's top-N collector used to drop matches from the total when the page was smaller.
    whole, _texts = _search(sample, "雷达 维修 报价", limit=100)
    first_page, _texts = _search(sample, "雷达 维修 报价", limit=10)
    assert whole.total == len(whole.results)
    assert first_page.total == whole.total
    assert len(first_page.results) == 10
