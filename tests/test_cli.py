"""The `kb` command through click's CliRunner, over real files and a real database."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kb.cli import main
from tests.conftest import write_text


def _run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_cli_ingest_json_summary(settings, library_dir):
    write_text(library_dir, "quotes/报价单.txt", "JDX-2000 雷达维修报价")
    (library_dir / "documents/坏.docx").write_bytes(b"not a document at all")
    result = _run("ingest", "--json")
    summary = json.loads(result.output)
    assert result.exit_code == 0, result.output
    assert summary["added"] == 1
    assert summary["failed"] == 1
    assert summary["failures"][0]["path"] == "documents/坏.docx"


def test_cli_ingest_text_summary_in_chinese(settings, library_dir):
    write_text(library_dir, "quotes/报价单.txt", "JDX-2000 雷达维修报价")
    result = _run("ingest")
    assert result.exit_code == 0, result.output
    assert "新增 1" in result.output


def test_cli_ingest_missing_library_dir_fails(settings, library_dir, monkeypatch, tmp_path):
    from kb.config import get_settings

    monkeypatch.setenv("KB_LIBRARY_DIR", str(tmp_path / "nowhere"))
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["ingest"])
    assert result.exit_code != 0
    assert "资料库目录不存在" in result.output


def test_cli_search_json_shape(settings, library_dir):
    write_text(library_dir, "quotes/报价单.txt", "JDX-2000 雷达维修报价")
    _run("ingest")
    result = _run("search", "报价", "--json")
    data = json.loads(result.output)
    assert data["total"] == 1
    assert set(data["results"][0]) == {"id", "title", "library", "path", "snippet", "score"}
    assert data["results"][0]["path"] == "quotes/报价单.txt"
    assert "<mark>报价</mark>" in data["results"][0]["snippet"]


def test_cli_search_library_filter(settings, library_dir):
    write_text(library_dir, "quotes/报价单.txt", "雷达维修报价")
    write_text(library_dir, "cases/案例.txt", "雷达维修案例")
    _run("ingest")
    data = json.loads(_run("search", "雷达", "--library", "cases", "--json").output)
    assert [r["library"] for r in data["results"]] == ["cases"]


def test_cli_search_unknown_library_rejected(settings, library_dir):
    result = CliRunner().invoke(main, ["search", "雷达", "--library", "nope"])
    assert result.exit_code == 2
    assert "未知的资料库" in result.output


def test_cli_search_no_results_message(settings, library_dir):
    _run("ingest")
    assert "没有找到" in _run("search", "不存在").output


def test_cli_setup_creates_admin_once(settings):
    first = _run("setup")
    second = _run("setup")
    assert "用户名：admin" in first.output
    assert "跳过" in second.output


def test_cli_user_add_and_duplicate(settings):
    ok = _run("user", "add", "zhang", "--role", "editor", "--grant", "quotes", "--password", "secret-123")
    again = CliRunner().invoke(main, ["user", "add", "zhang", "--password", "secret-123"])
    assert ok.exit_code == 0, ok.output
    assert again.exit_code == 1
    assert "用户已存在" in again.output


def test_cli_user_add_unknown_grant(settings):
    result = CliRunner().invoke(main, ["user", "add", "li", "--grant", "secret", "--password", "secret-123"])
    assert result.exit_code == 1
    assert "未知的资料库" in result.output


def test_cli_token_create_prints_once_and_revokes(settings):
    created = _run("token", "create", "--name", "crm", "--scopes", "read,write")
    secret = created.output.strip().splitlines()[-1]
    revoked = _run("token", "revoke", "crm")
    assert secret.startswith("kb_")
    assert revoked.exit_code == 0
    assert "已撤销" in revoked.output


def test_cli_serve_rejects_zero_workers(settings):
    result = CliRunner().invoke(main, ["serve", "--workers", "0"])
    assert result.exit_code == 1
    assert "工作进程数至少为 1" in result.output


def test_cli_invalid_setting_named_in_chinese(settings, monkeypatch):
    from kb.config import get_settings

    monkeypatch.setenv("KB_WORKERS", "0")
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1
    assert "配置无效" in result.output
    assert "KB_WORKERS=0" in result.output
    assert "pydantic" not in result.output
