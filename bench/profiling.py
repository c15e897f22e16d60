"""Profile kb's indexing or searching on one backend with cProfile, to see what bounds its speed.

Builds a data folder of N benchmark documents (generated text, or --text-corpus).
Then it profiles either the rebuild of the index or the benchmark queries, and prints
the functions that take the most time. Queries run with snippets, facets and the
permission filter of a user without grants, and skip the result cache.

Usage: python bench/profiling.py --engine kb-whoosh --phase index [--docs 5000] [--sort tottime]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.child import read_queries  # noqa: E402
from bench.corpus import documents  # noqa: E402
from bench.kb_engine import KbEngine  # noqa: E402


def profile(engine: KbEngine, phase: str, docs: list, queries: list[str]) -> tuple[cProfile.Profile, float]:
    """Run the phase under cProfile; return the profile and the wall time, which includes the profiler's overhead."""
    if phase == "query":
        engine.index(docs)
        engine.warm_up()
        for query in queries[:5]:
            engine.search(query)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    if phase == "index":
        engine.index(docs)
    else:
        for query in queries:
            engine.clear_cache()
            engine.search(query)
    profiler.disable()
    return profiler, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="kb-whoosh", choices=("kb-whoosh", "kb-tantivy", "kb-postgres"), help="kb on this search backend.")
    parser.add_argument("--phase", default="index", choices=("index", "query"), help="Profile the rebuild or the queries.")
    parser.add_argument("--docs", type=int, default=5000, help="Documents in the data folder.")
    parser.add_argument("--text-corpus", type=Path, default=os.environ.get("KB_BENCH_TEXT_CORPUS") or None, help="Gzipped JSON Lines corpus (default: generated text).")
    parser.add_argument("--database-url", default=None, help="An empty PostgreSQL database for kb-postgres.")
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime or cumulative.")
    parser.add_argument("--top", type=int, default=30, help="Functions to print.")
    args = parser.parse_args(argv)
    if args.engine == "kb-postgres" and not args.database_url:
        parser.error("kb-postgres needs --database-url of an empty PostgreSQL database")

    docs = list(documents(args.docs, args.text_corpus))
    queries = read_queries(REPO / "bench" / "queries.txt")
    with tempfile.TemporaryDirectory(prefix="kb-profile-") as folder:
        engine = KbEngine(Path(folder), args.engine, args.database_url)
        engine.prepare(docs)
        profiler, seconds = profile(engine, args.phase, docs, queries)
        engine.close()
    print(f"{args.engine} {args.phase}: {len(docs)} documents, {seconds:.2f} s under the profiler")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
