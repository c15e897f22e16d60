"""Extraction ahead of the pipeline: what is extracted early, and a file that changes in between."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from kb.db import get_engine
from kb.ingest.pipeline import CHANGED_WHILE_READING_REASON, ingest_file, run_ingest
from kb.ingest.prefetch import Snapshot, prefetch, sha256_of
from kb.models import Document, DocumentStatus
from kb.search import open_backend
from tests.conftest import write_docx, write_text


def test_prefetch_extracts_only_new_or_changed_files(settings, library_dir: Path) -> None:
    same = write_text(library_dir, "cases/旧案例.txt", "导航雷达维修案例")
    changed = write_text(library_dir, "cases/改过的案例.txt", "气象雷达升级案例，第二版")
    new = write_docx(library_dir, "quotes/新报价单.docx", "新报价单", ["JDX-2000 雷达维修报价"])
    moved = write_text(library_dir, "cases/搬过来的案例.txt", "短波电台故障案例")
    snapshot = Snapshot(
        sha_by_path={"cases/旧案例.txt": sha256_of(same), "cases/改过的案例.txt": "0" * 64},
        known_shas=frozenset({sha256_of(same), sha256_of(moved)}),
    )
    files = [(same, "cases/旧案例.txt"), (changed, "cases/改过的案例.txt"), (new, "quotes/新报价单.docx"), (moved, "cases/搬过来的案例.txt")]

    results = {path.name: future.result() for path, future in prefetch(files, snapshot, workers=2)}

    assert list(results) == [path.name for path, _rel in files]
    assert not results["旧案例.txt"].was_extracted
    assert not results["搬过来的案例.txt"].was_extracted
    assert "第二版" in results["改过的案例.txt"].result().text
    assert "JDX-2000" in results["新报价单.docx"].result().text
    assert results["新报价单.docx"].sha == sha256_of(new)


def test_file_changed_after_early_extraction_is_not_stored(settings, library_dir: Path) -> None:
    path = write_text(library_dir, "cases/草稿.txt", "第一稿：雷达维修案例")
    [(_path, future)] = list(prefetch([(path, "cases/草稿.txt")], Snapshot({}, frozenset()), workers=1))
    early = future.result()
    assert "第一稿" in early.result().text

    write_text(library_dir, "cases/草稿.txt", "第二稿：雷达维修案例，补充了备件清单")
    with Session(get_engine(settings)) as session:
        outcome = ingest_file(session, library_dir, path, {"cases/草稿.txt"}, early)
        session.commit()
        doc = session.get(Document, outcome.document_id)

    assert outcome.action == "failed"
    assert outcome.reason == CHANGED_WHILE_READING_REASON
    assert doc is not None
    assert doc.status == DocumentStatus.FAILED
    assert doc.sha256 == ""


def test_ingest_with_parallel_extraction_matches_every_file(settings, library_dir: Path) -> None:
    for i in range(12):
        write_docx(library_dir, f"cases/案例{i:02}.docx", f"案例{i:02}", [f"第{i}号案例：JDX-{2000 + i} 雷达维修"])
    (library_dir / "documents/坏文件.docx").write_bytes(b"not a zip archive")
    backend = open_backend(settings)

    summary = run_ingest(settings, backend)

    assert sorted(summary.added) == [f"cases/案例{i:02}.docx" for i in range(12)]
    assert [path for path, _reason in summary.failed] == ["documents/坏文件.docx"]
    with Session(get_engine(settings)) as session:
        texts = {d.path: d.text for d in session.exec(select(Document).where(Document.status == DocumentStatus.OK))}
    # Each file's text is stored under its own path, not a neighbour's that was extracted at the same time.
    for i in range(12):
        assert f"JDX-{2000 + i}" in texts[f"cases/案例{i:02}.docx"]
    again = run_ingest(settings, backend)
    assert len(again.unchanged) == 12
    assert again.added == []
    backend.close()
