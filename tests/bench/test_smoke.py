"""Smoke test of bench/perf.py at a tiny size: every figure is measured and written, none is timed.

kb-postgres runs when KB_TEST_DATABASE_URL names a PostgreSQL server (as in `.ci/run`);
without one the benchmark skips it and names the reason in its notes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KB_ENGINES = ("kb-whoosh", "kb-tantivy", "kb-postgres")
PEERS = ("whoosh-jieba", "sqlite-fts5", "tantivy", "tantivy-rjieba")


def run_perf(tmp_path: Path) -> tuple[dict, str]:
    markdown = tmp_path / "benchmarks.md"
    markdown.write_text("# Benchmarks\n\n<!-- perf:start -->\nold\n<!-- perf:end -->\n\nafter\n", encoding="utf-8")
    raw = tmp_path / "perf.json"
    command = [
        sys.executable, str(REPO / "bench" / "perf.py"), "--docs", "200", "--runs", "1", "--query-count", "10",
        "--files", "10", "--http-seconds", "1", "--workers", "2", "--server-runs", "1", "--workdir", str(tmp_path / "work"),
        "--json", str(raw), "--write", str(markdown),
    ]
    env = dict(os.environ)
    env.pop("KB_BENCH_DATABASE_URL", None)
    if os.environ.get("KB_TEST_DATABASE_URL"):
        env["KB_BENCH_DATABASE_URL"] = os.environ["KB_TEST_DATABASE_URL"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(raw.read_text(encoding="utf-8")), markdown.read_text(encoding="utf-8")


def test_perf_tiny_run_reports_every_figure(tmp_path: Path) -> None:
    results, markdown = run_perf(tmp_path)

    engines = results["engines"]
    skipped = " ".join(results["notes"])
    expected = [e for e in (*KB_ENGINES, *PEERS) if e in engines or e not in skipped]
    assert list(engines) == expected
    assert "kb-whoosh" in engines
    assert "whoosh-jieba" in engines
    for name, runs in engines.items():
        run = runs[0]
        assert run["docs"] == 200, name
        for key in ("analysis_s", "index_s", "index_bytes", "peak_rss_mb"):
            assert run[key] > 0, f"{name} {key}"
        assert len(run["latencies"]) == 10, name
    for name in (e for e in KB_ENGINES if e in engines):
        run = engines[name][0]
        assert run["store_s"] > 0, name
        assert run["database_bytes"] > 0, name
        assert set(run["open"]) == {"open_s", "first_search_s", "second_search_s"}, name
        server = results["server"][name]
        assert len(server["startup_s"]) == 1, name
        assert server["http"]["2"]["requests"] > 0, name
        assert server["http"]["2"]["errors"] == 0, name
    assert len(engines["kb-whoosh"][0]["cached_latencies"]) == 10

    ingest = results["ingest"][0]
    assert ingest["files"] == 10
    assert ingest["added"] + ingest["failed"] == 10

    assert markdown.count("<!-- perf:start -->") == 1
    assert "old" not in markdown
    assert markdown.rstrip().endswith("after")
    for label in ("| kb-whoosh |", "| whoosh-jieba |", "| sqlite-fts5 |", "| whoosh |", "HTTP/s, 2 workers", "kb serve", "End-to-end ingestion", "Machine:"):
        assert label in markdown, label
    if "kb-postgres" in engines:
        assert "| postgres |" in markdown


def test_profile_prints_hot_functions() -> None:
    for phase, expected in (("index", "rebuild"), ("query", "run_search")):
        command = [sys.executable, str(REPO / "bench" / "profiling.py"), "--docs", "60", "--phase", phase, "--sort", "cumulative"]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"kb-whoosh {phase}: 60 documents" in done.stdout
        assert expected in done.stdout, phase
