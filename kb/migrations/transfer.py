"""Copy a knowledge base's tables from one database to an empty one, keeping every id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from kb import models  # noqa: F401  (registers the tables on SQLModel.metadata)

BATCH_ROWS = 1000


class TransferError(RuntimeError):
    """The copy cannot start or failed; the message says why and what to do."""


@dataclass(frozen=True)
class TransferReport:
    # Rows copied per table, in copy order.
    rows: dict[str, int]


def kb_tables() -> list[Table]:
    """Return kb's tables with every table after the tables it refers to."""
    return list(SQLModel.metadata.sorted_tables)


def check_empty(target: Connection) -> None:
    """Raise TransferError unless every kb table in the target is empty."""
    for table in kb_tables():
        count = target.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            raise TransferError(f"目标数据库不是空的：表 {table.name} 已有 {count} 行。请换一个新建的空数据库。")


def _copy_table(source: Connection, target: Connection, table: Table) -> int:
    copied = 0
    primary_key = list(table.primary_key.columns)
    result = source.execute(select(table).order_by(*primary_key)).mappings()
    while batch := result.fetchmany(BATCH_ROWS):
        target.execute(table.insert(), [dict(row) for row in batch])
        copied += len(batch)
    return copied


def _fix_sequence(target: Connection, table: Table) -> None:
    """Move the id sequence past the copied ids, so new rows get new ids."""
    if "id" not in table.c or not table.c.id.primary_key:
        return
    quoted = target.dialect.identifier_preparer.quote(table.name)
    target.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence(:table, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {quoted}"
        ),
        {"table": quoted},
    )


def copy_database(
    source_engine: Engine, target_engine: Engine, progress: Callable[[str, int], None] | None = None
) -> TransferReport:
    """Copy every kb table from source to target in one target transaction; the target must be migrated and empty."""
    rows: dict[str, int] = {}
    with source_engine.connect() as source, target_engine.begin() as target:
        check_empty(target)
        for table in kb_tables():
            rows[table.name] = _copy_table(source, target, table)
            if progress is not None:
                progress(table.name, rows[table.name])
        if target.dialect.name == "postgresql":
            for table in kb_tables():
                _fix_sequence(target, table)
    return TransferReport(rows)
