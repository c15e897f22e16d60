"""Turn bench/perf.py measurements into the perf section of docs/benchmarks.md."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Sequence
from datetime import date
from importlib import metadata
from pathlib import Path

SECTION_START = "<!-- perf:start -->"
SECTION_END = "<!-- perf:end -->"
MB = 1_000_000


def spread(values: Sequence[float], digits: int = 2) -> str:
    """Format values as `median (min–max)`, or one value when there is one."""
    if not values:
        return "–"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        memory_kb = 0
    import os

    return f"{cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB RAM; {platform.platform()}; Python {platform.python_version()}"


def versions() -> str:
    names = ("kb", "whoosh-reloaded", "jieba", "rjieba", "tantivy", "fastapi", "uvicorn")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} not installed")
    import sqlite3

    return ", ".join(found) + f", SQLite {sqlite3.sqlite_version}"


def _engine_row(name: str, runs: list[dict]) -> str:
    size = runs[0]["bytes"] / MB
    analysis = [r["analysis_s"] for r in runs]
    index = [r["index_s"] for r in runs]
    p = {share: [percentile(r["latencies"], share) * 1000 for r in runs] for share in (0.5, 0.95, 0.99)}
    cells = [
        name, spread(analysis, 1), spread([size / t for t in analysis]), spread(index, 1), spread([size / t for t in index]),
        f"{runs[0]['index_bytes'] / MB:.0f}", spread([r["peak_rss_mb"] for r in runs], 0),
        spread(p[0.5], 1), spread(p[0.95], 1), spread(p[0.99], 1),
    ]
    return "| " + " | ".join(cells) + " |"


def _ratio_rows(engines: dict[str, list[dict]]) -> list[str]:
    """kb against plain Whoosh + jieba, run by run: each run measured both side by side."""
    if "kb" not in engines or "whoosh-jieba" not in engines:
        return []
    pairs = list(zip(engines["kb"], engines["whoosh-jieba"]))
    speedup = [plain["index_s"] / kb["index_s"] for kb, plain in pairs]
    p95 = [percentile(kb["latencies"], 0.95) / percentile(plain["latencies"], 0.95) for kb, plain in pairs]
    return [
        f"- Indexing speed, kb over plain Whoosh + jieba: {spread(speedup)}× (target ≥ 3×: {'met' if statistics.median(speedup) >= 3 else 'not met'}).",
        f"- Query p95 with snippets, kb ÷ plain Whoosh + jieba: {spread(p95)} (target ≤ 0.4: {'met' if statistics.median(p95) <= 0.4 else 'not met'}).",
    ]


def _kb_rows(runs: list[dict]) -> list[str]:
    cached = [percentile(r["cached_latencies"], share) * 1000 for r in runs for share in (0.95,)]
    return [
        f"- Index open: {spread([r['open']['open_s'] * 1000 for r in runs], 1)} ms; first search after opening "
        f"{spread([r['open']['first_search_s'] * 1000 for r in runs], 0)} ms, second (same searcher) "
        f"{spread([r['open']['second_search_s'] * 1000 for r in runs], 0)} ms.",
        f"- Repeated queries served from the result cache: p95 {spread(cached, 2)} ms.",
    ]


def _ingest_rows(runs: list[dict], formats: Sequence[str]) -> list[str]:
    if not runs:
        return []
    first = runs[0]
    seconds = [r["seconds"] for r in runs]
    return [
        f"- End-to-end ingestion (`run_ingest`: detect, extract, store, index) of {first['files']} files "
        f"({first['file_bytes'] / MB:.1f} MB of {', '.join(formats)}; {first['text_bytes'] / MB:.2f} MB of text): "
        f"{spread(seconds, 1)} s, {spread([first['files'] / s for s in seconds], 1)} files/s, "
        f"{spread([first['file_bytes'] / MB / s for s in seconds])} MB/s of files; {first['failed']} failed; "
        f"peak memory {spread([r['peak_rss_mb'] for r in runs], 0)} MiB.",
    ]


def _server_rows(server: dict | None) -> list[str]:
    if not server:
        return []
    http = server["http"]
    rows = [f"- `kb serve` start to first search response: {spread(server['startup_s'])} s."]
    for workers in sorted(http):
        load = http[workers]
        rows.append(
            f"- `GET /api/v1/search` with {workers} uvicorn worker(s): {load['per_second']:.1f} searches/s "
            f"({load['requests']} successful, {load['errors']} failed)."
        )
    return rows


def render(results: dict) -> str:
    engines = results["engines"]
    lines = [
        SECTION_START,
        "## Indexing and search speed",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Machine: {machine()}. Date: {date.today().isoformat()}. Versions: {versions()}.",
        "",
        f"{results['docs']} documents of {results['corpus']} ({results['bytes'] / MB:.2f} MB of UTF-8 title and body), "
        f"{results['queries']} queries from `bench/queries.txt`, {results['runs']} run(s). Each figure is the median "
        "with min–max over the runs. Analysis is tokenising alone; indexing includes analysis. Latency is one query "
        "with the top 10 hits, their snippets and facet counts, in-process; kb's is through `run_search` and skips its result cache.",
        "",
        "| engine | analysis s | analysis MB/s | indexing s | indexing MB/s | index MB | peak RSS MiB | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(_engine_row(name, runs) for name, runs in engines.items()),
        "",
        *_ratio_rows(engines),
        *(_kb_rows(engines["kb"]) if "kb" in engines else []),
        *_ingest_rows(results.get("ingest", []), results.get("ingest_formats", ())),
        *_server_rows(results.get("server")),
        *(f"- {note}" for note in results.get("notes", [])),
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the text between the perf markers, or append the section when they are missing."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if SECTION_START in text and SECTION_END in text:
        before = text.split(SECTION_START)[0]
        after = text.split(SECTION_END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
