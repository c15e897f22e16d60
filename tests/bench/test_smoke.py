"""Smoke test of bench/perf.py at a tiny size: every figure is measured and written, none is timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENGINES = ("kb", "whoosh-jieba", "sqlite-fts5", "tantivy")


def run_perf(tmp_path: Path) -> tuple[dict, str]:
    markdown = tmp_path / "benchmarks.md"
    markdown.write_text("# Benchmarks\n\n<!-- perf:start -->\nold\n<!-- perf:end -->\n\nafter\n", encoding="utf-8")
    raw = tmp_path / "perf.json"
    command = [
        sys.executable, str(REPO / "bench" / "perf.py"), "--docs", "200", "--runs", "1", "--query-count", "10",
        "--files", "10", "--http-seconds", "2", "--server-runs", "1", "--workdir", str(tmp_path / "work"), "--json", str(raw),
        "--write", str(markdown),
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(raw.read_text(encoding="utf-8")), markdown.read_text(encoding="utf-8")


def test_perf_tiny_run_reports_every_figure(tmp_path: Path) -> None:
    results, markdown = run_perf(tmp_path)

    engines = results["engines"]
    expected = [e for e in ENGINES if e != "tantivy" or "tantivy" in engines]
    assert list(engines) == expected
    for name, runs in engines.items():
        run = runs[0]
        assert run["docs"] == 200, name
        for key in ("analysis_s", "index_s", "index_bytes", "peak_rss_mb"):
            assert run[key] > 0, f"{name} {key}"
        assert len(run["latencies"]) == 10, name
    assert len(engines["kb"][0]["cached_latencies"]) == 10
    assert set(engines["kb"][0]["open"]) == {"open_s", "first_search_s", "second_search_s"}

    ingest = results["ingest"][0]
    assert ingest["files"] == 10
    assert ingest["added"] + ingest["failed"] == 10
    server = results["server"]
    assert len(server["startup_s"]) == 1
    assert server["http"]["1"]["requests"] > 0
    assert server["http"]["2"]["requests"] > 0

    assert markdown.count("<!-- perf:start -->") == 1
    assert "old" not in markdown
    assert markdown.rstrip().endswith("after")
    for label in ("| kb |", "| whoosh-jieba |", "| sqlite-fts5 |", "kb serve", "uvicorn worker", "End-to-end ingestion", "Machine:"):
        assert label in markdown, label
