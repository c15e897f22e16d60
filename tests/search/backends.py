"""The search backends that the contract suite runs against, by name.

A factory opens an empty backend whose data lives under the test's folders, or calls
`pytest.skip` with the way to enable it. Adding a backend is one entry in BACKENDS.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest

from kb.config import Settings
from kb.search import open_backend
from kb.search.backend import SearchBackend

BackendFactory = Callable[[Path, Settings], SearchBackend]


def _open(settings: Settings, name: str) -> SearchBackend:
    """Open backend `name` through kb's registry, as the application does."""
    return open_backend(settings.model_copy(update={"search_backend": name}))


def open_whoosh(tmp_path: Path, settings: Settings) -> SearchBackend:
    return _open(settings, "whoosh")


def open_tantivy(tmp_path: Path, settings: Settings) -> SearchBackend:
    if importlib.util.find_spec("tantivy") is None:
        pytest.skip("tantivy is not installed: pip install -e '.[tantivy]'")
    return _open(settings, "tantivy")


def open_postgres(tmp_path: Path, settings: Settings) -> SearchBackend:
    """Open the postgres backend: empty on a test's first call, the same tables on later calls."""
    from kb.search.postgres_backend import PostgresBackend
    from tests.db.postgres import require_server, session_database

    require_server()
    url = settings.database_url if settings.database_url and settings.database_url.startswith("postgresql") else None
    own = settings.model_copy(update={"search_backend": "postgres", "database_url": url or session_database()})
    marker = tmp_path / ".postgres-search-opened"
    if marker.exists():
        return _open(own, "postgres")
    marker.touch()
    return PostgresBackend.recreate(own)


BACKENDS: dict[str, BackendFactory] = {
    "whoosh": open_whoosh,
    "tantivy": open_tantivy,
    "postgres": open_postgres,
}
