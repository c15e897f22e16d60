"""Measure kb's indexing, search latency, memory, start-up and HTTP throughput beside peer engines.

Every engine indexes the same N documents (generated text, or a real corpus given
with --text-corpus) in a process of its own, once per run, and then runs every
query in bench/queries.txt with snippets and facets. The engines are kb on each
search backend (kb-whoosh, kb-tantivy, kb-postgres) and the peers of bench/peers.py.
kb is also measured end to end on a mixed-format library (docx, xlsx, pptx, pdf,
txt), and on each backend as a server started with `kb serve`: its start-up time and
searches per second under HTTP load with 1, 2 and 4 workers on 127.0.0.1.

kb-postgres runs in databases that the benchmark creates and drops on the server of
--postgres-url (default $KB_BENCH_DATABASE_URL; the role needs CREATEDB). Without
one, kb-postgres is skipped.

Usage: python bench/perf.py [--docs 50000] [--runs 3] [--text-corpus FILE.jsonl.gz] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import report  # noqa: E402
from bench.child import read_queries  # noqa: E402
from bench.corpus import documents, write_jsonl  # noqa: E402
from bench.files import available_formats, write_library  # noqa: E402
from bench.kb_engine import BACKENDS, backend_of  # noqa: E402
from bench.peers import PEERS, rjieba_available, tantivy_available  # noqa: E402
from bench.postgres import databases, without_url  # noqa: E402
from bench.serving import searches_per_second, server_env, startup_seconds  # noqa: E402

KB_ENGINES = tuple(f"kb-{backend}" for backend in BACKENDS)

CHILD_TIMEOUT_SECONDS = 3600


def run_child(module: str, *args: str) -> dict:
    """Run `python -m module args` from the repository and parse the JSON it prints last."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=CHILD_TIMEOUT_SECONDS,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed with code {done.returncode}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def engine_runs(
    engines: Sequence[str], corpus: Path, queries: Path, work: Path, runs: int, new_database: Callable[[], str] | None,
) -> tuple[dict[str, list[dict]], dict[str, str]]:
    """Measure each engine `runs` times, alternating engines so that machine noise hits all alike.

    Return the measurements and the database URL of kb-postgres's last run. Each finished
    run is also saved in the work folder, so a stopped benchmark keeps its measurements.
    """
    results: dict[str, list[dict]] = {name: [] for name in engines}
    urls: dict[str, str] = {}
    for run in range(runs):
        for name in engines:
            folder = work / f"{name}-{run}"
            print(f"run {run + 1}/{runs}: {name}", file=sys.stderr, flush=True)
            extra = []
            if name == "kb-postgres" and new_database is not None:
                urls[name] = new_database()
                extra.append(urls[name])
            results[name].append(run_child("bench.child", name, str(corpus), str(queries), str(folder), *extra))
            (work / "engine-runs.json").write_text(json.dumps(results), encoding="utf-8")
    return results, urls


def ingest_runs(work: Path, files: int, runs: int) -> list[dict]:
    library = work / "mixed-library"
    write_library(library, files)
    results = []
    for run in range(runs):
        print(f"run {run + 1}/{runs}: end-to-end ingestion of {files} files", file=sys.stderr, flush=True)
        results.append(run_child("bench.ingest_run", str(library), str(work / f"ingest-{run}")))
    return results


def server_figures(
    name: str, data_dir: Path, database_url: str | None, queries: list[str], runs: int, workers: Sequence[int], http_seconds: float,
) -> dict[str, object]:
    """Time `kb serve` to its first search response, then load it with each number of workers."""
    from bench.kb_engine import create_token, kb_settings

    backend = backend_of(name)
    token = create_token(kb_settings(data_dir, backend, database_url))
    env = server_env(data_dir, backend, database_url)
    startup = [startup_seconds(env, token) for _ in range(runs)]
    load = {}
    for count in workers:
        print(f"{name}: HTTP load with {count} worker(s) for {http_seconds} s", file=sys.stderr, flush=True)
        load[count] = searches_per_second(env, token, queries, count, http_seconds)
    return {"startup_s": startup, "http": load}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50000, help="Documents each engine indexes.")
    parser.add_argument("--runs", type=int, default=3, help="Measured runs of each figure.")
    parser.add_argument("--text-corpus", type=Path, default=os.environ.get("KB_BENCH_TEXT_CORPUS") or None,
                        help="Gzipped JSON Lines file with title and body per line (default: $KB_BENCH_TEXT_CORPUS, else generated text).")
    parser.add_argument("--queries", type=Path, default=REPO / "bench" / "queries.txt", help="Query file, one query a line.")
    parser.add_argument("--query-count", type=int, default=0, help="Use only the first N queries (0: all).")
    parser.add_argument("--server-runs", type=int, default=3, help="Times `kb serve` is started to time its start-up.")
    parser.add_argument("--files", type=int, default=300, help="Files in the mixed-format library for end-to-end ingestion.")
    parser.add_argument("--http-seconds", type=float, default=15.0, help="Duration of each HTTP load, in seconds.")
    parser.add_argument("--workers", default="1,2,4", help="Comma-separated numbers of `kb serve` workers for the HTTP load.")
    parser.add_argument("--engines", default=",".join(KB_ENGINES + PEERS), help="Comma-separated engines: kb-<backend> and peers.")
    parser.add_argument("--postgres-url", default=os.environ.get("KB_BENCH_DATABASE_URL") or None,
                        help="PostgreSQL database whose server gets a throwaway database per kb-postgres run (default: $KB_BENCH_DATABASE_URL).")
    parser.add_argument("--workdir", type=Path, help="Folder for indexes and data (default: a temporary folder).")
    parser.add_argument("--json", type=Path, help="Also write every raw measurement to this JSON file.")
    parser.add_argument("--write", type=Path, metavar="MARKDOWN", help="Replace the perf section of this Markdown file.")
    return parser.parse_args(argv)


def select_engines(names: str, postgres_url: str | None) -> tuple[list[str], list[str]]:
    engines, notes = [], []
    for name in (n.strip() for n in names.split(",") if n.strip()):
        if name not in KB_ENGINES and name not in PEERS:
            raise SystemExit(f"unknown engine {name!r}: choose from {', '.join(KB_ENGINES + PEERS)}")
        if "tantivy" in name and not tantivy_available():
            notes.append(f"{name} was skipped: tantivy-py is not installed.")
        elif name == "tantivy-rjieba" and not rjieba_available():
            notes.append(f"{name} was skipped: rjieba is not installed.")
        elif name == "kb-postgres" and not postgres_url:
            notes.append(f"{name} was skipped: no PostgreSQL server was given (--postgres-url or KB_BENCH_DATABASE_URL).")
        else:
            engines.append(name)
    return engines, notes


def measure_all(args: argparse.Namespace, work: Path) -> dict[str, object]:
    engines, notes = select_engines(args.engines, args.postgres_url)
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    queries = read_queries(args.queries, args.query_count or None)
    queries_file = work / "queries.txt"
    queries_file.write_text("\n".join(queries) + "\n", encoding="utf-8")
    corpus = work / "corpus.jsonl"
    count, size = write_jsonl(documents(args.docs, args.text_corpus), corpus)

    started = time.perf_counter()
    results: dict[str, object] = {"docs": count, "bytes": size, "queries": len(queries), "runs": args.runs, "notes": notes}
    with ExitStack() as stack:
        new_database = stack.enter_context(databases(args.postgres_url)) if "kb-postgres" in engines else None
        results["engines"], urls = engine_runs(engines, corpus, queries_file, work, args.runs, new_database)
        results["ingest"] = ingest_runs(work, args.files, args.runs)
        results["ingest_formats"] = list(available_formats())
        results["server"] = {
            name: server_figures(name, work / f"{name}-{args.runs - 1}", urls.get(name), queries, args.server_runs, workers, args.http_seconds)
            for name in engines if name in KB_ENGINES
        }
    results["elapsed_s"] = time.perf_counter() - started
    return results


def recorded_command(argv: list[str]) -> str:
    """Return the command line with file arguments shortened to their names, for the docs."""
    shown = [Path(arg).name if "/" in arg else arg for arg in without_url(argv)]
    return " ".join(["python bench/perf.py", *shown])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-perf-") as temporary:
        work = args.workdir or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        results = measure_all(args, work)
    results["command"] = recorded_command(sys.argv[1:] if argv is None else list(argv))
    results["corpus"] = f"the text corpus {args.text_corpus.name}" if args.text_corpus else "generated text"
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    section = report.render(results)
    print(section)
    if args.write:
        report.write_section(args.write, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
