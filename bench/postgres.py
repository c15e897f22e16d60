"""Throwaway PostgreSQL databases for the benchmark, made beside a database the role can reach.

The role in the given URL needs CREATEDB. Every database made here is named
kb_bench_… and is dropped when the benchmark ends, also when it fails.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

PREFIX = "kb_bench_"
DROP_ATTEMPTS = 20


def _run(server_url: str, *statements: tuple[str, dict[str, str]]) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement, params in statements:
                connection.execute(text(statement), params)
    finally:
        engine.dispose()


def drop_database(server_url: str, name: str) -> None:
    """Drop database `name` on the server of `server_url`, ending the role's own sessions on it.

    It retries while the server still counts a session that is closing. WITH (FORCE) is
    not used, because a role without superuser rights may not end the autovacuum worker
    that PostgreSQL sometimes runs on a fresh database. A plain DROP ends that worker.
    """
    from sqlalchemy.exc import OperationalError

    end_sessions = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = :name AND pid <> pg_backend_pid() AND usename = current_user"
    )
    for attempt in range(DROP_ATTEMPTS):
        try:
            _run(server_url, (end_sessions, {"name": name}), (f'DROP DATABASE IF EXISTS "{name}"', {}))
            return
        except OperationalError:
            if attempt == DROP_ATTEMPTS - 1:
                raise
            time.sleep(0.5)


@contextmanager
def databases(server_url: str) -> Iterator[Callable[[], str]]:
    """Yield a function that creates an empty database and returns its URL; drop them all on exit."""
    from sqlalchemy.engine import make_url

    made: list[str] = []

    def create() -> str:
        name = f"{PREFIX}{uuid.uuid4().hex[:12]}"
        _run(server_url, (f'CREATE DATABASE "{name}"', {}))
        made.append(name)
        return make_url(server_url).set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        for name in made:
            drop_database(server_url, name)


def without_url(argv: Sequence[str]) -> list[str]:
    """Drop --postgres-url and its value, which may hold a password, from a command to be recorded."""
    shown: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--postgres-url":
            skip = True
        elif not arg.startswith("--postgres-url="):
            shown.append(arg)
    return shown
