"""Alembic environment: runs kb's migrations on the connection that kb.migrations hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from kb import models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("kb's migrations run through `kb db upgrade` or kb.migrations.upgrade(), which pass a connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite changes most columns only by copying the table; batch mode does that.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
