"""Legacy Office and WPS files: converted with LibreOffice when it is installed, reported otherwise."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sqlmodel import select

from kb.config import Settings
from kb.db import session_scope
from kb.ingest import legacy
from kb.ingest.pipeline import run_ingest
from kb.models import Document
from kb.search.backend import SearchFilters
from kb.search.service import run_search
from tests.conftest import write_docx

OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

needs_soffice = pytest.mark.skipif(legacy.soffice_path() is None, reason="LibreOffice (soffice) is not installed")


@pytest.mark.parametrize("suffix", [".doc", ".xls", ".ppt", ".wps", ".et", ".dps"])
def test_legacy_without_soffice_reported(settings: Settings, backend, library_dir, tmp_path, monkeypatch, inline_extraction, suffix):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    (library_dir / f"documents/旧文件{suffix}").write_bytes(OLE2_HEADER)
    summary = run_ingest(settings, backend)
    reason = dict(summary.failed)[f"documents/旧文件{suffix}"]
    assert "没有安装 LibreOffice" in reason
    assert "另存为 .docx、.xlsx 或 .pptx" in reason


def test_legacy_password_protected_docx_reported(settings: Settings, backend, library_dir):
    (library_dir / "documents/加密.docx").write_bytes(OLE2_HEADER)
    summary = run_ingest(settings, backend)
    assert "设置了打开密码" in dict(summary.failed)["documents/加密.docx"]


def _soffice_convert(source: Path, target_format: str, outdir: Path) -> Path:
    command = legacy.soffice_path()
    assert command is not None
    subprocess.run(
        [command, "--headless", f"-env:UserInstallation={(outdir / 'profile').as_uri()}",
         "--convert-to", target_format, "--outdir", str(outdir), str(source)],
        check=True, capture_output=True, timeout=120,
    )
    return outdir / f"{source.stem}.{target_format}"


@needs_soffice
def test_legacy_doc_converted_and_searchable(settings: Settings, backend, library_dir, tmp_path):
    source = write_docx(tmp_path, "src/维修报价.docx", "维修报价", ["旧版文档中的雷达维修报价内容"])
    old = _soffice_convert(source, "doc", tmp_path / "out")
    shutil.copyfile(old, library_dir / "quotes/维修报价.doc")
    shutil.copyfile(old, library_dir / "quotes/维修报价副本.wps")

    summary = run_ingest(settings, backend)

    assert sorted(summary.added) == ["quotes/维修报价.doc", "quotes/维修报价副本.wps"], summary.failed
    with session_scope(settings) as session:
        page = run_search(session, backend, "雷达维修报价", SearchFilters())
    assert page.total == 2


@needs_soffice
def test_legacy_xls_converted(settings: Settings, backend, library_dir, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["型号", "单价"])
    book.active.append(["JDX-2000", "十二万元"])
    (tmp_path / "src").mkdir()
    book.save(tmp_path / "src/报价汇总.xlsx")
    old = _soffice_convert(tmp_path / "src/报价汇总.xlsx", "xls", tmp_path / "out")
    shutil.copyfile(old, library_dir / "quotes/报价汇总.xls")

    summary = run_ingest(settings, backend)

    assert summary.added == ["quotes/报价汇总.xls"], summary.failed
    with session_scope(settings) as session:
        doc = session.exec(select(Document)).one()
    assert "十二万元" in doc.text
    assert "LibreOffice" in doc.notes


@needs_soffice
def test_legacy_damaged_doc_fails_with_reason(settings: Settings, backend, library_dir):
    (library_dir / "documents/损坏.doc").write_bytes(OLE2_HEADER + b"\x01" * 4096)
    summary = run_ingest(settings, backend)
    assert "LibreOffice 转换失败" in dict(summary.failed)["documents/损坏.doc"]
