"""Fixtures for the database tests: a throwaway PostgreSQL database per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.db.postgres import create_database, drop_database, require_server


@pytest.fixture(scope="module")
def postgres_module_url() -> Iterator[str]:
    """Yield the URL of an empty database for this module, dropped after its last test."""
    require_server()
    url = create_database()
    yield url
    drop_database(url)
