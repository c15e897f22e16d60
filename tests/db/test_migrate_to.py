"""`kb db migrate-to` copies a populated SQLite knowledge base to PostgreSQL, and searches there agree.

The tests share the module's database and run in file order: the first one copies, the later ones use the copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlmodel import Session

from kb.accounts import add_user, create_token
from kb.catalog import CustomerInput, add_tag, audit, link_customer, upsert_customer
from kb.cli import main
from kb.config import Settings, get_settings
from kb.db import create_database_engine, dispose_engines, session_scope
from kb.ingest.pipeline import run_ingest
from kb.migrations.transfer import kb_tables
from kb.models import Document, Tag
from kb.search import open_backend, recreate_backend
from kb.search.service import run_search
from tests.conftest import write_text

QUERIES = ("雷达维修", "报价", "qx-7200", "中远海运", "标签:重点客户", "雷达 -报价", "频谱")


@pytest.fixture
def sqlite_kb(tmp_path: Path, library_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A SQLite and Whoosh knowledge base with documents, tags, a customer link, users, a token and audit events."""
    data = tmp_path / "sqlite-data"
    monkeypatch.setenv("KB_LIBRARY_DIR", str(library_dir))
    monkeypatch.setenv("KB_DATA_DIR", str(data))
    monkeypatch.delenv("KB_DATABASE_URL", raising=False)
    monkeypatch.delenv("KB_SEARCH_BACKEND", raising=False)
    get_settings.cache_clear()
    settings = Settings(library_dir=library_dir, data_dir=data, database_url=None, search_backend="whoosh")
    write_text(library_dir, "quotes/华东区/苏气象雷达维修报价单.txt", "苏气象 JDX-2000 雷达维修报价单\n维修报价合计 120000 元。")
    write_text(library_dir, "cases/2024/中远海运导航雷达改造案例.txt", "中远海运导航雷达改造案例\n使用 QX-7200 频谱分析仪测试。")
    write_text(library_dir, "documents/公司简介.txt", "公司简介\n华辰电子生产 QX 7200 频谱分析仪。")
    backend = open_backend(settings)
    run_ingest(settings, backend)
    with session_scope(settings) as session:
        _add_records(session, backend)
    backend.close()
    yield settings
    get_settings.cache_clear()
    dispose_engines()


def _add_records(session: Session, backend) -> None:  # type: ignore[no-untyped-def]
    docs = {d.filename: d for d in session.exec(select(Document)).scalars()}  # type: ignore[call-overload]
    case = docs["中远海运导航雷达改造案例.txt"]
    # A deleted tag leaves a gap in the ids, which the copy must keep.
    gap = Tag(name="临时")
    session.add(gap)
    session.flush()
    session.delete(gap)
    add_tag(session, backend, case, "重点客户", "admin")
    add_tag(session, backend, docs["苏气象雷达维修报价单.txt"], "年度维保", "admin")
    customer, _ = upsert_customer(session, backend, "C-001", CustomerInput("中远海运船舶管理有限公司", ("中远海运",)), "admin")
    link_customer(session, backend, case, customer, "admin")
    add_user(session, "zhangsan", "correct-horse-battery", role="editor")
    create_token(session, "crm", "read,write")
    audit(session, "zhangsan", "login.failed")
    session.commit()


def _table_rows(engine) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def,type-arg]
    rows = {}
    with engine.connect() as connection:
        for table in kb_tables():
            order = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in connection.execute(select(table).order_by(*order))]
    return rows


def _search_ids(settings: Settings) -> dict[str, set[int]]:
    backend = open_backend(settings)
    try:
        with session_scope(settings) as session:
            return {q: {item.id for item in run_search(session, backend, q, limit=50).results} for q in QUERIES}
    finally:
        backend.close()


def test_migrate_to_copies_every_row(sqlite_kb: Settings, postgres_module_url: str):
    result = CliRunner().invoke(main, ["db", "migrate-to", postgres_module_url])
    assert result.exit_code == 0, result.output
    assert "KB_DATABASE_URL=" in result.output
    assert "kb reindex" in result.output

    source = create_database_engine(f"sqlite:///{sqlite_kb.data_root / 'kb.sqlite3'}")
    target = create_database_engine(postgres_module_url)
    copied, original = _table_rows(target), _table_rows(source)
    for table in kb_tables():
        assert copied[table.name] == original[table.name], table.name
    assert len(original["auditevent"]) > 0
    assert len(original["documenttag"]) == 2
    source.dispose()
    target.dispose()


def test_migrate_to_fixes_sequences(postgres_module_url: str, sqlite_kb: Settings):
    target = create_database_engine(postgres_module_url)
    with Session(target) as session:
        highest = session.execute(select(func.max(Tag.id))).scalar_one()
        tag = Tag(name="迁移后新建")
        session.add(tag)
        session.commit()
        assert tag.id is not None and tag.id > highest
    target.dispose()


def test_migrate_to_rejects_non_empty_target(sqlite_kb: Settings, postgres_module_url: str):
    result = CliRunner().invoke(main, ["db", "migrate-to", postgres_module_url])
    assert result.exit_code == 1
    assert "不是空的" in result.output


def test_postgres_search_returns_same_documents(sqlite_kb: Settings, postgres_module_url: str):
    on_sqlite = _search_ids(sqlite_kb)
    dispose_engines()
    on_postgres = sqlite_kb.model_copy(update={"database_url": postgres_module_url, "search_backend": "postgres"})
    backend = recreate_backend(on_postgres)
    with session_scope(on_postgres) as session:
        from kb.indexing import rebuild

        assert rebuild(session, backend) == 3
    found = _search_ids(on_postgres)
    for query in QUERIES:
        assert found[query] == on_sqlite[query], query
    for query in ("雷达维修", "中远海运", "标签:重点客户", "qx-7200"):
        assert on_sqlite[query], query


def test_migrate_to_rejects_sqlite_target(sqlite_kb: Settings, tmp_path: Path):
    result = CliRunner().invoke(main, ["db", "migrate-to", f"sqlite:///{tmp_path / 'other.sqlite3'}"])
    assert result.exit_code == 1
    assert "PostgreSQL" in result.output
