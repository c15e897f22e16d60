"""The postgres search backend's tables: one row of filter columns and a `terms` tsvector per document.

The tables are derived data like an index folder, so the backend creates them itself
(not kb's migrations) and `kb reindex` drops and rebuilds them.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Bump when the tsvector layout or kb's analysis changes; other versions need `kb reindex`.
SEARCH_VERSION = 1
# Any fixed number: advisory lock that serialises creating and dropping these tables.
SCHEMA_LOCK_KEY = 0x6B62_0002

CREATE_STATEMENTS = (
    """CREATE TABLE search_entry (
        id bigint PRIMARY KEY,
        library text NOT NULL,
        format text NOT NULL DEFAULT '',
        folder text NOT NULL DEFAULT '',
        tags text[] NOT NULL DEFAULT '{}',
        customer_ids bigint[] NOT NULL DEFAULT '{}',
        opportunity_ids bigint[] NOT NULL DEFAULT '{}',
        -- UTC without a time zone, as every backend receives it from kb.indexing.
        modified timestamp NULL,
        terms tsvector NOT NULL
    )""",
    "CREATE INDEX search_entry_terms ON search_entry USING gin (terms)",
    "CREATE INDEX search_entry_tags ON search_entry USING gin (tags)",
    "CREATE INDEX search_entry_customer_ids ON search_entry USING gin (customer_ids)",
    "CREATE INDEX search_entry_opportunity_ids ON search_entry USING gin (opportunity_ids)",
    "CREATE INDEX search_entry_library ON search_entry (library)",
    "CREATE INDEX search_entry_modified ON search_entry (modified)",
    "CREATE TABLE search_meta (key text PRIMARY KEY, value text NOT NULL)",
)


def lock(connection: Connection) -> None:
    """Hold the schema lock until the connection's transaction ends."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


def exists(connection: Connection) -> bool:
    return connection.execute(text("SELECT to_regclass('search_meta') IS NOT NULL")).scalar_one()


def version(connection: Connection) -> int | None:
    value = connection.execute(text("SELECT value FROM search_meta WHERE key = 'version'")).scalar_one_or_none()
    return int(value) if value is not None and value.isdigit() else None


def create(connection: Connection) -> None:
    for statement in CREATE_STATEMENTS:
        connection.execute(text(statement))
    connection.execute(
        text("INSERT INTO search_meta (key, value) VALUES ('version', :version)"), {"version": str(SEARCH_VERSION)}
    )


def drop(connection: Connection) -> None:
    connection.execute(text("DROP TABLE IF EXISTS search_entry"))
    connection.execute(text("DROP TABLE IF EXISTS search_meta"))
