"""Turn bench/perf.py measurements into the perf section of docs/benchmarks.md."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Callable, Sequence
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
    names = ("kb", "whoosh-reloaded", "jieba", "rjieba", "tantivy", "fastapi", "uvicorn", "psycopg")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} not installed")
    import sqlite3

    return ", ".join(found) + f", SQLite {sqlite3.sqlite_version}"


KB_WHOOSH = "kb-whoosh"
KB_TANTIVY = "kb-tantivy"


def _p(run: dict, share: float, key: str = "latencies") -> float:
    """Return one run's latency percentile in milliseconds."""
    return percentile(run[key], share) * 1000


def _engine_row(name: str, runs: list[dict]) -> str:
    size = runs[0]["bytes"] / MB
    analysis = [r["analysis_s"] for r in runs]
    index = [r["index_s"] for r in runs]
    cells = [
        name, spread(analysis, 1), spread([size / t for t in analysis]), spread(index, 1), spread([size / t for t in index]),
        f"{runs[0]['index_bytes'] / MB:.0f}", spread([r["peak_rss_mb"] for r in runs], 0),
        *(spread([_p(r, share) for r in runs], 1) for share in (0.5, 0.95, 0.99)),
    ]
    return "| " + " | ".join(cells) + " |"


def _verdict(value: float, target: float, higher_is_better: bool) -> str:
    met = value >= target if higher_is_better else value <= target
    return "met" if met else "not met"


def _paired(engines: dict[str, list[dict]], one: str, other: str, figure: Callable[[dict, dict], float]) -> list[float]:
    """Apply `figure` to the runs of two engines measured side by side in the same rounds."""
    return [figure(a, b) for a, b in zip(engines[one], engines[other])]


def _target_rows(engines: dict[str, list[dict]], server: dict[str, dict]) -> list[str]:
    rows = []
    if KB_WHOOSH in engines and "whoosh-jieba" in engines:
        speed = _paired(engines, KB_WHOOSH, "whoosh-jieba", lambda kb, plain: plain["index_s"] / kb["index_s"])
        p95 = _paired(engines, KB_WHOOSH, "whoosh-jieba", lambda kb, plain: _p(kb, 0.95) / _p(plain, 0.95))
        rows += [
            f"- Indexing speed, kb-whoosh over plain Whoosh + jieba: {spread(speed)}× (target ≥ 3×: {_verdict(statistics.median(speed), 3, True)}).",
            f"- Query p95 with snippets, kb-whoosh ÷ plain Whoosh + jieba: {spread(p95)} (target ≤ 0.4: {_verdict(statistics.median(p95), 0.4, False)}).",
        ]
    if KB_TANTIVY in engines:
        p95 = [_p(r, 0.95) for r in engines[KB_TANTIVY]]
        rows.append(f"- Query p95 with snippets and facets, kb-tantivy in-process: {spread(p95)} ms (target ≤ 5 ms: {_verdict(statistics.median(p95), 5, False)}).")
        if "tantivy-rjieba" in engines:
            speed = _paired(engines, KB_TANTIVY, "tantivy-rjieba", lambda kb, raw: raw["index_s"] / kb["index_s"])
            rows.append(
                f"- Ingestion (analysis and indexing) speed, kb-tantivy over raw Tantivy + rjieba: {spread(speed)}× "
                f"(target ≥ 0.5×: {_verdict(statistics.median(speed), 0.5, True)})."
            )
        http = server.get(KB_TANTIVY, {}).get("http", {})
        two = http.get(2) or http.get("2")
        if two:
            rows.append(f"- HTTP searches with 2 workers, kb-tantivy: {two['per_second']:.0f}/s (target ≥ 300/s: {_verdict(two['per_second'], 300, True)}).")
    peaks = {name: max(r["peak_rss_mb"] for r in runs) for name, runs in engines.items() if name.startswith("kb-")}
    if peaks:
        shown = ", ".join(f"{name} {peak:.0f} MiB" for name, peak in peaks.items())
        rows.append(f"- Peak memory while storing, indexing and searching: {shown} (target ≤ 1 GB: {_verdict(max(peaks.values()), 1000 / 1.048576, False)}).")
    startup = server.get(KB_WHOOSH, {}).get("startup_s")
    if startup:
        rows.append(f"- `kb serve` start to first search response, kb-whoosh: {spread(startup)} s (target ≤ 3 s at 50,000 documents: {_verdict(statistics.median(startup), 3, False)}).")
    return rows


def _backend_table(engines: dict[str, list[dict]], server: dict[str, dict]) -> list[str]:
    """Side by side per kb search backend: storing, indexing, sizes, latency, start-up and HTTP throughput."""
    names = [name for name in engines if name.startswith("kb-")]
    if not names:
        return []
    workers = sorted({int(w) for name in names for w in server.get(name, {}).get("http", {})})
    header = ["backend", "store s", "index s", "database MB", "index MB", "p50 ms", "p95 ms", "start s", *(f"HTTP/s, {w} worker{'s' if w > 1 else ''}" for w in workers)]
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    for name in names:
        runs = engines[name]
        figures = server.get(name, {})
        http = {int(w): load for w, load in figures.get("http", {}).items()}
        cells = [
            name.removeprefix("kb-"), spread([r["store_s"] for r in runs], 1), spread([r["index_s"] for r in runs], 1),
            f"{runs[-1]['database_bytes'] / MB:.0f}", f"{runs[-1]['index_bytes'] / MB:.0f}",
            spread([_p(r, 0.5) for r in runs], 1), spread([_p(r, 0.95) for r in runs], 1),
            spread(figures.get("startup_s", []), 2),
            *(_http_cell(http.get(w)) for w in workers),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _http_cell(load: dict | None) -> str:
    if load is None:
        return "–"
    cell = f"{load['per_second']:.0f}"
    if load["errors"]:
        cell += f" ({load['errors']} failed)"
    return cell


def _whoosh_rows(runs: list[dict]) -> list[str]:
    rows = [
        f"- kb-whoosh index open: {spread([r['open']['open_s'] * 1000 for r in runs], 1)} ms; first search after opening "
        f"{spread([r['open']['first_search_s'] * 1000 for r in runs], 0)} ms, second (same searcher) "
        f"{spread([r['open']['second_search_s'] * 1000 for r in runs], 0)} ms.",
    ]
    if all("cached_latencies" in r for r in runs):
        rows.append(f"- kb-whoosh repeated queries served from the result cache: p95 {spread([_p(r, 0.95, 'cached_latencies') for r in runs], 2)} ms.")
    return rows


def _ingest_rows(runs: list[dict], formats: Sequence[str]) -> list[str]:
    if not runs:
        return []
    first = runs[0]
    seconds = [r["seconds"] for r in runs]
    return [
        f"- End-to-end ingestion (`run_ingest` on kb-whoosh: detect, extract, store, index) of {first['files']} files "
        f"({first['file_bytes'] / MB:.1f} MB of {', '.join(formats)}; {first['text_bytes'] / MB:.2f} MB of text): "
        f"{spread(seconds, 1)} s, {spread([first['files'] / s for s in seconds], 1)} files/s, "
        f"{spread([first['file_bytes'] / MB / s for s in seconds])} MB/s of files; {first['failed']} failed; "
        f"peak memory {spread([r['peak_rss_mb'] for r in runs], 0)} MiB.",
    ]


def render(results: dict) -> str:
    engines = results["engines"]
    server = results.get("server") or {}
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
        "with min–max over the runs. Analysis is tokenising alone; indexing includes analysis (for kb: a rebuild that "
        "reads the stored documents back from its database). Latency is one query with the top 10 hits, their snippets "
        "and facet counts, in-process; kb's is through `run_search`, skips its result cache and applies the permission filter of "
        "a user who sees the five libraries that are not confidential.",
        "",
        "| engine | analysis s | analysis MB/s | indexing s | indexing MB/s | index MB | peak RSS MiB | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(_engine_row(name, runs) for name, runs in engines.items()),
        "",
        *_target_rows(engines, server),
        "",
        "### kb's search backends side by side",
        "",
        "Store is inserting the documents' rows into kb's database (SQLite for whoosh and tantivy, PostgreSQL for "
        "postgres); index is the rebuild from those rows. Database MB excludes the index; the postgres index is its "
        "search tables with their GIN indexes. Start is `kb serve` to its first search response. HTTP is "
        "`GET /api/v1/search` with a token of that user, through `kb serve --workers N`, under the load generator of "
        "`bench/http_load.py` on 127.0.0.1 (four threads, more with more workers, on the same two cores). The queries "
        "repeat every 125 requests, so Whoosh, which alone keeps a result cache, answers repeats from it; snippets are "
        "made for every response.",
        "",
        *_backend_table(engines, server),
        "",
        *(_whoosh_rows(engines[KB_WHOOSH]) if KB_WHOOSH in engines else []),
        *_ingest_rows(results.get("ingest", []), results.get("ingest_formats", ())),
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
