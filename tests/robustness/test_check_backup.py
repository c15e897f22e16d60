"""`kb check` finds every difference between folders, database and index; backup and restore round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from kb.cli import main
from kb.config import Settings, get_settings
from kb.db import dispose_engines, session_scope
from kb.indexing import reindex_documents
from kb.ingest.pipeline import run_ingest
from kb.models import Document, DocumentVersion
from kb.search import open_backend
from tests.conftest import write_docx, write_text


def _check_json(*extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--json", *extra])
    return result.exit_code, json.loads(result.output)


def _kinds(report: dict) -> set[tuple[str, str]]:
    return {(d["kind"], d["path"]) for d in report["differences"]}


def skip_unless_sqlite(settings: Settings) -> None:
    if settings.database_url:
        pytest.skip("kb backup copies the SQLite file; a PostgreSQL database is backed up with pg_dump")


def test_check_clean_after_ingest(settings: Settings, backend, library_dir):
    write_text(library_dir, "documents/a.txt", "第一份")
    run_ingest(settings, backend)
    backend.close()
    code, report = _check_json()
    assert code == 0, report
    assert report["clean"]


def test_check_reports_each_difference_and_repairs(settings: Settings, backend, library_dir):
    write_text(library_dir, "documents/留下.txt", "保留的文件")
    gone = write_text(library_dir, "documents/删除.txt", "将被删除的文件")
    changed = write_text(library_dir, "documents/修改.txt", "修改前的内容")
    write_text(library_dir, "documents/未索引.txt", "没有进入索引的文件")
    run_ingest(settings, backend)
    with session_scope(settings) as session:
        ids = {doc.path: doc.id for doc in session.exec(select(Document))}
    backend.delete([ids["documents/未索引.txt"]])
    with session_scope(settings) as session:
        for version in session.exec(select(DocumentVersion).where(DocumentVersion.document_id == ids["documents/留下.txt"])):
            session.delete(version)
        session.flush()
        session.delete(session.get(Document, ids["documents/留下.txt"]))
    gone.unlink()
    changed.write_text("修改后的内容", encoding="utf-8")
    write_text(library_dir, "documents/新增.txt", "数据库里没有的文件")
    backend.close()

    code, report = _check_json()

    assert code == 1
    assert _kinds(report) == {
        ("untracked_file", "documents/新增.txt"),
        ("untracked_file", "documents/留下.txt"),
        ("missing_file", "documents/删除.txt"),
        ("hash_mismatch", "documents/修改.txt"),
        ("unindexed", "documents/未索引.txt"),
        ("stale_index", ""),
    }
    code, report = _check_json("--repair")
    assert code == 0, report["differences"]
    assert report["clean"]


def _search_ids(settings: Settings, query: str) -> list[tuple[int, str]]:
    from kb.search.backend import SearchFilters
    from kb.search.service import run_search

    backend = open_backend(settings)
    try:
        with session_scope(settings) as session:
            page = run_search(session, backend, query, SearchFilters())
            return [(item.id, item.title) for item in page.results]
    finally:
        backend.close()


def _use_folders(monkeypatch: pytest.MonkeyPatch, data: Path, library: Path) -> Settings:
    dispose_engines()
    monkeypatch.setenv("KB_DATA_DIR", str(data))
    monkeypatch.setenv("KB_LIBRARY_DIR", str(library))
    get_settings.cache_clear()
    return get_settings()


def test_backup_restore_same_results(settings: Settings, backend, library_dir, tmp_path, monkeypatch):
    skip_unless_sqlite(settings)
    write_docx(library_dir, "cases/雷达改造案例.docx", "雷达改造案例", ["导航雷达改造后故障率下降"])
    write_text(library_dir, "quotes/报价说明.txt", "导航雷达维修报价")
    (settings.data_root / "dictionary.txt").parent.mkdir(parents=True, exist_ok=True)
    (settings.data_root / "dictionary.txt").write_text("导航雷达\n", encoding="utf-8")
    run_ingest(settings, backend)
    with session_scope(settings) as session:
        doc = session.exec(select(Document).where(Document.path == "quotes/报价说明.txt")).one()
        doc.title = "手工改过的标题"
        session.add(doc)
        session.commit()
        reindex_documents(session, backend, [doc.id])
    backend.close()
    before = _search_ids(settings, "导航雷达")

    archive = tmp_path / "备份/kb.tar.gz"
    assert CliRunner().invoke(main, ["backup", str(archive)]).exit_code == 0
    _use_folders(monkeypatch, tmp_path / "new-data", tmp_path / "new-library")
    result = CliRunner().invoke(main, ["restore", str(archive)])

    assert result.exit_code == 0, result.output
    restored = get_settings()
    assert _search_ids(restored, "导航雷达") == before
    assert (restored.data_root / "dictionary.txt").read_text(encoding="utf-8") == "导航雷达\n"
    assert (restored.library_root / "quotes/报价说明.txt").read_text(encoding="utf-8") == "导航雷达维修报价"


def test_restore_rejects_non_empty_data_folder(settings: Settings, backend, library_dir, tmp_path, monkeypatch):
    skip_unless_sqlite(settings)
    write_text(library_dir, "documents/a.txt", "内容")
    run_ingest(settings, backend)
    backend.close()
    archive = tmp_path / "kb.tar.gz"
    assert CliRunner().invoke(main, ["backup", str(archive)]).exit_code == 0
    result = CliRunner().invoke(main, ["restore", str(archive)])
    assert result.exit_code == 1
    assert "数据目录不是空的" in result.output


def test_restore_keeps_differing_library_file_unless_forced(settings: Settings, backend, library_dir, tmp_path, monkeypatch):
    skip_unless_sqlite(settings)
    write_text(library_dir, "documents/a.txt", "备份时的内容")
    run_ingest(settings, backend)
    backend.close()
    archive = tmp_path / "kb.tar.gz"
    assert CliRunner().invoke(main, ["backup", str(archive)]).exit_code == 0
    other_library = tmp_path / "other-library"
    write_text(other_library, "documents/a.txt", "本地改过的内容")
    _use_folders(monkeypatch, tmp_path / "new-data", other_library)

    refused = CliRunner().invoke(main, ["restore", str(archive)])
    assert refused.exit_code == 1
    assert "--force" in refused.output
    assert (other_library / "documents/a.txt").read_text(encoding="utf-8") == "本地改过的内容"

    forced = CliRunner().invoke(main, ["restore", "--force", str(archive)])
    assert forced.exit_code == 0, forced.output
    assert (other_library / "documents/a.txt").read_text(encoding="utf-8") == "备份时的内容"


def test_backup_postgres_points_to_pg_dump(settings: Settings, tmp_path):
    from kb.maintenance.backup import BackupError, create_backup

    on_postgres = settings.model_copy(update={"database_url": "postgresql+psycopg://kb@127.0.0.1:5432/kb"})
    with pytest.raises(BackupError) as error:
        create_backup(on_postgres, tmp_path / "kb.tar.gz")
    assert "pg_dump" in str(error.value)
