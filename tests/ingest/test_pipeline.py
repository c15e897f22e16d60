"""The ingestion pipeline over real files, a real SQLite database and a real Whoosh index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session, select

from kb.config import Settings
from kb.db import get_engine
from kb.ingest.pipeline import run_ingest
from kb.models import Document, DocumentStatus, DocumentTag, DocumentVersion, Tag
from kb.search import open_backend
from kb.search.backend import SearchFilters
from kb.search.service import run_search
from tests.conftest import write_docx, write_text


@pytest.fixture
def backend(settings: Settings):
    b = open_backend(settings)
    yield b
    b.close()


def _docs(settings: Settings) -> dict[str, Document]:
    with Session(get_engine(settings)) as session:
        return {d.path: d for d in session.exec(select(Document))}


def _titles(settings: Settings, backend, q: str) -> list[str]:
    with Session(get_engine(settings)) as session:
        return [r.title for r in run_search(session, backend, q, SearchFilters()).results]


def test_ingest_adds_each_library(settings, backend, library_dir):
    write_text(library_dir, "quotes/华东区/报价说明.txt", "JDX-2000 雷达维修报价，含税合计十二万元。")
    write_docx(library_dir, "cases/案例.docx", "中远海运导航雷达改造案例", ["改造后 MTBF 提升。"])
    summary = run_ingest(settings, backend)
    assert sorted(summary.added) == ["cases/案例.docx", "quotes/华东区/报价说明.txt"]
    docs = _docs(settings)
    assert docs["quotes/华东区/报价说明.txt"].library == "quotes"
    assert docs["quotes/华东区/报价说明.txt"].folder == "华东区"
    assert docs["cases/案例.docx"].title == "中远海运导航雷达改造案例"


def test_ingest_finds_word_only_in_table(settings, backend, library_dir):
    write_docx(library_dir, "documents/设备表.docx", "设备表", ["见下表。"], table=[["型号", "名称"], ["QX-7200", "频谱分析仪"]])
    run_ingest(settings, backend)
    assert _titles(settings, backend, "频谱分析仪") == ["设备表"]


def test_ingest_title_falls_back_to_file_name(settings, backend, library_dir):
    write_text(library_dir, "instructions/雷达开机作业指导书.txt", "第一步：检查电源。")
    run_ingest(settings, backend)
    assert _docs(settings)["instructions/雷达开机作业指导书.txt"].title == "雷达开机作业指导书"


def test_ingest_unchanged_file_skipped(settings, backend, library_dir):
    write_text(library_dir, "documents/a.txt", "原始内容")
    run_ingest(settings, backend)
    summary = run_ingest(settings, backend)
    assert summary.unchanged == ["documents/a.txt"]
    assert summary.added == []


def test_ingest_changed_file_keeps_id_and_replaces_text(settings, backend, library_dir):
    path = write_text(library_dir, "documents/a.txt", "过期条款内容")
    run_ingest(settings, backend)
    first_id = _docs(settings)["documents/a.txt"].id
    path.write_text("新的维护说明", encoding="utf-8")
    summary = run_ingest(settings, backend)
    doc = _docs(settings)["documents/a.txt"]
    assert summary.updated == ["documents/a.txt"]
    assert doc.id == first_id
    assert doc.version == 2
    assert _titles(settings, backend, "过期条款") == []
    assert _titles(settings, backend, "维护说明") == ["a"]


def test_ingest_records_versions(settings, backend, library_dir):
    path = write_text(library_dir, "documents/a.txt", "第一版")
    run_ingest(settings, backend)
    path.write_text("第二版", encoding="utf-8")
    run_ingest(settings, backend)
    with Session(get_engine(settings)) as session:
        versions = session.exec(select(DocumentVersion.version).order_by(DocumentVersion.version)).all()
    assert versions == [1, 2]


def test_ingest_moved_file_keeps_id_and_tags(settings, backend, library_dir):
    path = write_text(library_dir, "cases/old/案例甲.txt", "雷达改造案例正文")
    run_ingest(settings, backend)
    doc_id = _docs(settings)["cases/old/案例甲.txt"].id
    with Session(get_engine(settings)) as session:
        tag = Tag(name="雷达")
        session.add(tag)
        session.flush()
        session.add(DocumentTag(document_id=doc_id, tag_id=tag.id))
        session.commit()
    (library_dir / "cases/new").mkdir()
    os.replace(path, library_dir / "cases/new/案例甲.txt")
    summary = run_ingest(settings, backend)
    docs = _docs(settings)
    assert summary.moved == ["cases/new/案例甲.txt"]
    assert docs["cases/new/案例甲.txt"].id == doc_id
    assert "cases/old/案例甲.txt" not in docs
    with Session(get_engine(settings)) as session:
        assert session.exec(select(DocumentTag).where(DocumentTag.document_id == doc_id)).first() is not None


def test_ingest_deleted_file_marked_missing_and_unindexed(settings, backend, library_dir):
    path = write_text(library_dir, "publicity/宣传.txt", "民航空管雷达宣传材料")
    run_ingest(settings, backend)
    path.unlink()
    summary = run_ingest(settings, backend)
    assert summary.missing == ["publicity/宣传.txt"]
    assert _docs(settings)["publicity/宣传.txt"].status == DocumentStatus.MISSING
    assert _titles(settings, backend, "民航") == []


def test_ingest_bad_file_does_not_stop_run(settings, backend, library_dir):
    (library_dir / "documents/坏文件.docx").write_bytes(b"PK\x03\x04 this is not a real docx")
    (library_dir / "documents/旧格式.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    write_text(library_dir, "documents/好文件.txt", "正常的文字")
    summary = run_ingest(settings, backend)
    failed = dict(summary.failed)
    assert summary.added == ["documents/好文件.txt"]
    assert set(failed) == {"documents/坏文件.docx", "documents/旧格式.doc"}
    assert all(reason and any("\u4e00" <= ch <= "\u9fff" for ch in reason) for reason in failed.values())


def test_ingest_gb18030_text_searchable(settings, backend, library_dir):
    write_text(library_dir, "documents/备注.txt", "运费由买方承担，联系人王䶮。", encoding="gb18030")
    run_ingest(settings, backend)
    assert _titles(settings, backend, "运费") == ["备注"]
    assert _titles(settings, backend, "王䶮") == ["备注"]


def test_ingest_ignores_office_lock_and_hidden_files(settings, backend, library_dir):
    write_text(library_dir, "documents/~$报价.docx", "lock")
    write_text(library_dir, "documents/.hidden.txt", "hidden")
    summary = run_ingest(settings, backend)
    assert summary.added == []
    assert summary.failed == []


def test_ingest_symlink_leaving_root_not_followed(settings, backend, library_dir, tmp_path: Path):
    outside = write_text(tmp_path, "outside/secret.txt", "外部机密文件")
    (library_dir / "documents/link.txt").symlink_to(outside)
    summary = run_ingest(settings, backend)
    assert summary.added == []
