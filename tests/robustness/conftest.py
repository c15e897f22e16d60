"""Fixtures for the robustness tests: an open backend and an in-process extraction runner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb.config import Settings
from kb.ingest.sandbox import InlineRunner, use_runner
from kb.search import open_backend
from kb.search.backend import SearchBackend


@pytest.fixture
def backend(settings: Settings) -> Iterator[SearchBackend]:
    opened = open_backend(settings)
    yield opened
    opened.close()


@pytest.fixture
def inline_extraction() -> Iterator[None]:
    """Extract in the test process, so monkeypatched environment (PATH) applies to the extractors."""
    with use_runner(InlineRunner()):
        yield
