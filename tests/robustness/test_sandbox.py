"""Extraction in worker processes: time and memory limits, crashes, and the run going on."""

from __future__ import annotations

import time

import pytest

from kb.config import Settings
from kb.ingest import sandbox
from kb.ingest.pipeline import run_ingest
from kb.ingest.sandbox import Limits, ProcessRunner, use_runner
from kb.ingest.types import ExtractionError
from tests.conftest import write_text

HOOK = "tests.robustness.hooks:misbehaving_extract"


def test_sandbox_hanging_file_killed_and_run_continues(settings: Settings, backend, library_dir):
    write_text(library_dir, "documents/a_正常.txt", "第一份正常的说明")
    write_text(library_dir, "documents/b_hang.txt", "读取时会卡住的文件")
    write_text(library_dir, "documents/c_正常.txt", "第二份正常的说明")
    runner = ProcessRunner(target=HOOK, limits=Limits(timeout=2, memory_mb=0))

    with use_runner(runner):
        started = time.monotonic()
        summary = run_ingest(settings, backend)
        elapsed = time.monotonic() - started

    failed = dict(summary.failed)
    assert sorted(summary.added) == ["documents/a_正常.txt", "documents/c_正常.txt"]
    assert failed["documents/b_hang.txt"].startswith("处理超时（超过 2 秒）")
    # Two worker start-ups (the first and the replacement) plus the 2 s limit.
    assert elapsed < 30


def test_sandbox_memory_hog_reported(tmp_path):
    hog = write_text(tmp_path, "hog.txt", "占用大量内存")
    runner = ProcessRunner(target=HOOK, limits=Limits(timeout=30, memory_mb=768))
    try:
        with pytest.raises(ExtractionError) as caught:
            runner.extract(hog)
        after = runner.extract(write_text(tmp_path, "ok.txt", "内存恢复正常"))
    finally:
        runner.close()
    assert caught.value.reason.startswith("内存占用超过上限（768 MB）")
    assert "内存恢复正常" in after.text


def test_sandbox_crashed_worker_replaced(tmp_path):
    runner = ProcessRunner(target=HOOK, limits=Limits(timeout=30, memory_mb=0))
    try:
        with pytest.raises(ExtractionError) as caught:
            runner.extract(write_text(tmp_path, "crash.txt", "让进程退出"))
        after = runner.extract(write_text(tmp_path, "ok.txt", "新的进程继续工作"))
    finally:
        runner.close()
    assert caught.value.reason == sandbox.CRASH_REASON
    assert "新的进程继续工作" in after.text


def test_sandbox_worker_reused_across_files(tmp_path):
    runner = ProcessRunner(limits=Limits(timeout=30, memory_mb=0), max_workers=1)
    try:
        runner.extract(write_text(tmp_path, "1.txt", "第一份"))
        first = runner._idle[0].process.pid
        runner.extract(write_text(tmp_path, "2.txt", "第二份"))
        second = runner._idle[0].process.pid
    finally:
        runner.close()
    assert first == second


def test_sandbox_limits_from_settings(settings: Settings, monkeypatch):
    monkeypatch.setenv("KB_EXTRACT_TIMEOUT", "7.5")
    monkeypatch.setenv("KB_EXTRACT_MEMORY_MB", "600")
    from kb.config import get_settings

    get_settings.cache_clear()
    runner = sandbox._configured_runner()
    assert isinstance(runner, ProcessRunner)
    assert runner.limits == Limits(timeout=7.5, memory_mb=600)


def test_sandbox_inline_setting_uses_no_process(settings: Settings, monkeypatch):
    monkeypatch.setenv("KB_EXTRACT_ISOLATION", "inline")
    from kb.config import get_settings

    get_settings.cache_clear()
    assert isinstance(sandbox._configured_runner(), sandbox.InlineRunner)
