"""Alembic schema migrations for kb's tables, configured in code so that `kb db upgrade` works from an installed package.

Revisions live in `versions/`; each one runs on SQLite (in batch mode, which copies a
table to change it) and on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent
# The revision whose schema `SQLModel.metadata.create_all` produced before kb used Alembic.
INITIAL_REVISION = "0001"
# Any table of the initial revision; its presence without a version table marks such a database.
MARKER_TABLE = "document"


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic configuration for kb's migrations, bound to `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the newest revision this version of kb knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """Return the database's revision, or None when it has never been migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def has_tables(connection: Connection) -> bool:
    """Tell whether the database holds any of kb's tables, versioned or not."""
    return inspect(connection).has_table(MARKER_TABLE)


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Apply migrations up to `revision`; a database made before migrations is first marked as the initial revision."""
    if current_revision(connection) is None and has_tables(connection):
        command.stamp(alembic_config(connection), INITIAL_REVISION)
    command.upgrade(alembic_config(connection), revision)


def is_known(revision: str) -> bool:
    """Tell whether this version of kb has the given revision among its migrations."""
    script = ScriptDirectory.from_config(alembic_config())
    return any(rev.revision == revision for rev in script.walk_revisions())
