"""Throwaway PostgreSQL databases for the tests, on the server named by KB_TEST_DATABASE_URL.

KB_TEST_DATABASE_URL names a database that the role may connect to. The role needs
CREATEDB, because every test module gets its own empty database, dropped afterwards.
With KB_TEST_BACKEND=postgres every test gets one.
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.postgres import drop_database as drop_named

URL_VARIABLE = "KB_TEST_DATABASE_URL"
BACKEND_VARIABLE = "KB_TEST_BACKEND"
# Tries, half a second apart, to drop a database that a just-stopped server still had connections to.
DROP_ATTEMPTS = 20
SKIP_MESSAGE = (
    "PostgreSQL tests skipped: set KB_TEST_DATABASE_URL=postgresql+psycopg://kb:kb@127.0.0.1:5432/kb_test "
    "(a role with CREATEDB) to run them; `bash .ci/run` does this where PostgreSQL is installed"
)


def server_url() -> str | None:
    value = os.environ.get(URL_VARIABLE, "").strip()
    return value or None


def require_server() -> str:
    """Return KB_TEST_DATABASE_URL, or skip the calling test with the way to set it."""
    url = server_url()
    if url is None:
        pytest.skip(SKIP_MESSAGE)
    return url


def whole_suite_on_postgres() -> bool:
    """Return True when KB_TEST_BACKEND=postgres selects PostgreSQL for every test."""
    return os.environ.get(BACKEND_VARIABLE, "").strip().lower() == "postgres" and server_url() is not None


def _admin_engine(server: str):  # type: ignore[no-untyped-def]
    return create_engine(server, isolation_level="AUTOCOMMIT", poolclass=None)


def create_database(server: str | None = None) -> str:
    """Create an empty database next to KB_TEST_DATABASE_URL's and return its URL."""
    server = server or require_server()
    name = f"kb_t_{uuid.uuid4().hex[:16]}"
    engine = _admin_engine(server)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by create_database, ending connections still open to it."""
    from kb.db import dispose_engines

    dispose_engines()
    name = make_url(url).database
    assert name and name.startswith("kb_t_"), f"refusing to drop {name!r}: not a test database"
    drop_named(server_url() or url, name)


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Yield the URL of a new empty database, dropped when the block ends."""
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


_session_database: str | None = None


def session_database() -> str:
    """Return one database shared by this test process, dropped when the process exits."""
    global _session_database
    if _session_database is None:
        _session_database = create_database()
        atexit.register(drop_database, _session_database)
    return _session_database
