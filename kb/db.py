"""Database engine and sessions; the schema is brought to the newest migration when an engine opens."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from kb import migrations
from kb import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from kb.config import Settings

logger = logging.getLogger(__name__)

_engines: dict[str, Engine] = {}
# Any fixed number: PostgreSQL advisory lock that serialises schema changes of kb's processes.
SCHEMA_LOCK_KEY = 0x6B62_0001


class SchemaError(RuntimeError):
    """The database schema is not the one this version of kb needs; the message names the fix."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the server read while an ingest run writes; the busy timeout makes a
    # second writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def database_url(settings: Settings) -> str:
    """Return the SQLAlchemy URL, using psycopg 3 for a plain `postgresql://` URL."""
    url = make_url(settings.sqlalchemy_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_database_engine(url: str) -> Engine:
    """Create an engine without touching the schema."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(settings: Settings) -> Engine:
    """Return the engine for the configured database, preparing the schema on first use in this process."""
    url = database_url(settings)
    engine = _engines.get(url)
    if engine is not None:
        return engine
    # The data folder also contains the session key and the word lists, whatever the database.
    settings.data_root.mkdir(parents=True, exist_ok=True)
    engine = create_database_engine(url)
    try:
        prepare_schema(engine)
    except BaseException:
        # Close the pool's connections, or they would outlive the refused engine.
        engine.dispose()
        raise
    _engines[url] = engine
    return engine


def prepare_schema(engine: Engine) -> None:
    """Upgrade SQLite to the newest revision; create an empty PostgreSQL schema or check that it is current.

    A shared PostgreSQL database is upgraded only by `kb db upgrade`, so that a new
    application server cannot change the schema under older ones still running.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            _prepare_postgres(connection)
        return
    try:
        upgrade_database(engine)
    except DBAPIError:
        # Another process created the tables at the same moment; fine if it finished the job.
        with engine.connect() as connection:
            if migrations.current_revision(connection) != migrations.head_revision():
                raise


def _prepare_postgres(connection: Connection) -> None:
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
    try:
        current = migrations.current_revision(connection)
        if current is None and not migrations.has_tables(connection):
            logger.info("creating kb's tables in an empty PostgreSQL database")
            migrations.upgrade(connection)
            connection.commit()
            return
        check_revision(current)
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
        connection.commit()


def check_revision(current: str | None) -> None:
    """Raise SchemaError unless `current` is the newest revision."""
    head = migrations.head_revision()
    if current == head:
        return
    raise SchemaError(
        f"数据库结构版本为 {current or '无版本记录'}，当前程序需要 {head}。"
        "请先备份数据库，再运行 `kb db upgrade` 升级数据库结构。"
    )


def upgrade_database(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply migrations up to `revision`; return the revisions before and after."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        before = migrations.current_revision(connection)
        _check_known(before)
        migrations.upgrade(connection, revision)
        after = migrations.current_revision(connection)
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
        connection.commit()
    return before, after


def _check_known(revision: str | None) -> None:
    if revision is not None and not migrations.is_known(revision):
        raise SchemaError(
            f"数据库结构版本 {revision} 比当前程序新，当前程序最高支持 {migrations.head_revision()}。"
            "请升级 kb 程序后再使用这个数据库。"
        )


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """Yield a session that commits on success and rolls back on error."""
    with Session(get_engine(settings), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
