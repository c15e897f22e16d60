"""Migrations bring empty and pre-migration databases to the schema of kb.models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import UniqueConstraint, create_engine, inspect, text
from sqlmodel import SQLModel

from kb import migrations
from kb.cli import main
from kb.config import Settings, get_settings
from kb.db import SchemaError, create_database_engine, dispose_engines, get_engine, upgrade_database
from tests.db.postgres import throwaway_database


def _redundant(difference: tuple) -> bool:  # type: ignore[type-arg]
    """A unique constraint on exactly the primary key, which PostgreSQL does not create (the key is unique already)."""
    if difference[0] != "add_constraint" or not isinstance(difference[1], UniqueConstraint):
        return False
    constraint = difference[1]
    primary_key = SQLModel.metadata.tables[constraint.table.name].primary_key
    return {c.name for c in constraint.columns} == {c.name for c in primary_key.columns}


def _differences(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, SQLModel.metadata) if not _redundant(d)]


def test_upgrade_empty_sqlite_matches_models(tmp_path: Path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    before, after = upgrade_database(engine)
    assert before is None
    assert after == migrations.head_revision()
    assert _differences(engine) == []
    engine.dispose()


def test_upgrade_empty_postgres_matches_models(postgres_module_url: str):
    engine = create_database_engine(postgres_module_url)
    before, after = upgrade_database(engine)
    assert before is None
    assert after == migrations.head_revision()
    assert _differences(engine) == []
    engine.dispose()


def test_upgrade_twice_changes_nothing(tmp_path: Path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    upgrade_database(engine)
    before, after = upgrade_database(engine)
    assert before == after == migrations.head_revision()
    engine.dispose()


def test_get_engine_upgrades_sqlite_made_before_migrations(tmp_path: Path):
    legacy = create_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    SQLModel.metadata.create_all(legacy)
    with legacy.begin() as connection:
        connection.execute(text("INSERT INTO tag (id, name) VALUES (5, '雷达')"))
    legacy.dispose()
    engine = get_engine(Settings(data_dir=tmp_path, library_dir=tmp_path))
    with engine.connect() as connection:
        assert migrations.current_revision(connection) == migrations.head_revision()
        assert connection.execute(text("SELECT name FROM tag WHERE id = 5")).scalar_one() == "雷达"
    dispose_engines()


def test_get_engine_creates_empty_postgres(tmp_path: Path):
    with throwaway_database() as url:
        engine = get_engine(Settings(data_dir=tmp_path, library_dir=tmp_path, database_url=url))
        assert {"document", "auditevent", "alembic_version"} <= set(inspect(engine).get_table_names())
        dispose_engines()


def test_get_engine_rejects_unversioned_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with throwaway_database() as url:
        legacy = create_database_engine(url)
        SQLModel.metadata.create_all(legacy)
        legacy.dispose()
        settings = Settings(data_dir=tmp_path, library_dir=tmp_path, database_url=url)
        with pytest.raises(SchemaError, match="kb db upgrade"):
            get_engine(settings)

        monkeypatch.setenv("KB_DATABASE_URL", url)
        get_settings.cache_clear()
        result = CliRunner().invoke(main, ["db", "upgrade"])
        get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        assert "升级到" in result.output
        assert get_engine(settings) is not None
        dispose_engines()


def test_cli_upgrade_then_current_sqlite(settings: Settings):
    runner = CliRunner()
    upgraded = runner.invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    status = runner.invoke(main, ["db", "current"])
    assert status.exit_code == 0, status.output
    assert "已是最新" in status.output


def test_sqlite_newer_than_program_rejected(tmp_path: Path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    upgrade_database(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaError, match="比当前程序新"):
        upgrade_database(engine)
    engine.dispose()
