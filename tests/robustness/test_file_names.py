"""File system cases: names in other encodings, long and spaced names, and files changed while read."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner
from sqlmodel import select

from kb.cli import main
from kb.config import Settings
from kb.db import session_scope
from kb.ingest.pipeline import CHANGED_WHILE_READING_REASON, run_ingest
from kb.ingest.sandbox import InlineRunner, use_runner
from kb.models import Document, DocumentStatus
from tests.conftest import write_text


def _write_bytes_name(folder: Path, raw_name: bytes, data: bytes) -> None:
    with open(os.fsencode(folder) + b"/" + raw_name, "wb") as handle:
        handle.write(data)


def test_name_not_utf8_recorded_and_run_continues(settings: Settings, backend, library_dir):
    # "报价单.txt" in GBK, as copied from an old Windows share.
    _write_bytes_name(library_dir / "documents", "报价单.txt".encode("gbk"), "运费由买方承担".encode("utf-8"))
    write_text(library_dir, "documents/正常.txt", "正常的说明")
    summary = run_ingest(settings, backend)
    assert summary.added == ["documents/正常.txt"]
    [(path, reason)] = summary.failed
    assert path.startswith("documents/")
    assert "\ufffd" in path
    assert "不是有效的 UTF-8 编码" in reason


def test_name_not_utf8_json_summary_printable(settings: Settings, library_dir):
    _write_bytes_name(library_dir / "documents", b"\xff\xfe\xb1\xa8.txt", "内容".encode("utf-8"))
    result = CliRunner().invoke(main, ["ingest", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["failed"] == 1


def test_long_spaced_chinese_names_ingested(settings: Settings, backend, library_dir):
    long_name = "华东区 船舶导航雷达 维修报价" * 5 + ".txt"
    assert len(long_name.encode("utf-8")) < 255
    deep = "/".join(["项目 资料"] * 12)
    rel = f"documents/{deep}/{long_name}"
    write_text(library_dir, rel, "长路径文件的内容")
    write_text(library_dir, "documents/带 空格 的 文件.txt", "空格文件的内容")
    summary = run_ingest(settings, backend)
    assert sorted(summary.added) == sorted([rel, "documents/带 空格 的 文件.txt"])
    with session_scope(settings) as session:
        doc = session.exec(select(Document).where(Document.path == rel)).one()
    assert doc.folder == deep
    assert doc.filename == long_name


def test_file_changed_while_read_retried_next_run(settings: Settings, backend, library_dir):
    write_text(library_dir, "documents/editing_报价.txt", "第一稿内容")
    with use_runner(InlineRunner("tests.robustness.hooks:rewriting_extract")):
        summary = run_ingest(settings, backend)
    assert dict(summary.failed) == {"documents/editing_报价.txt": CHANGED_WHILE_READING_REASON}
    with session_scope(settings) as session:
        doc = session.exec(select(Document)).one()
    assert doc.status == DocumentStatus.FAILED
    assert doc.text == ""

    with use_runner(InlineRunner()):
        summary = run_ingest(settings, backend)
    assert summary.updated == ["documents/editing_报价.txt"]
    with session_scope(settings) as session:
        doc = session.exec(select(Document)).one()
    assert doc.status == DocumentStatus.OK
    assert doc.text.endswith("（已修改）")


def test_readable_file_changed_while_read_keeps_old_text(settings: Settings, backend, library_dir):
    path = write_text(library_dir, "documents/editing_说明.txt", "旧的内容")
    with use_runner(InlineRunner()):
        run_ingest(settings, backend)
    path.write_text("新的内容", encoding="utf-8")
    with use_runner(InlineRunner("tests.robustness.hooks:rewriting_extract")):
        summary = run_ingest(settings, backend)
    assert summary.failed == [("documents/editing_说明.txt", CHANGED_WHILE_READING_REASON)]
    with session_scope(settings) as session:
        doc = session.exec(select(Document)).one()
    assert doc.status == DocumentStatus.OK
    assert doc.text == "旧的内容"
