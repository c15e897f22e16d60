"""One measured run of one engine, in its own process: index the corpus, then time the queries.

Usage: python -m bench.child ENGINE CORPUS.jsonl QUERIES.txt FOLDER [DATABASE_URL]  (prints one JSON object)

ENGINE is kb-whoosh, kb-tantivy, kb-postgres (which needs DATABASE_URL) or a peer's name.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.corpus import read_jsonl


def read_queries(path: Path, count: int | None = None) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    queries = [line for line in lines if line and not line.startswith("#")]
    return queries[:count] if count else queries


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def peak_rss_mb() -> float:
    """Return the peak resident memory of this process or any child it waited for, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def time_queries(engine, queries: Sequence[str]) -> list[float]:  # type: ignore[no-untyped-def]
    latencies = []
    for query in queries:
        started = time.perf_counter()
        engine.search(query)
        latencies.append(time.perf_counter() - started)
    return latencies


def make_engine(name: str, folder: Path, database_url: str | None = None):  # type: ignore[no-untyped-def]
    if name.startswith("kb-"):
        from bench.kb_engine import KbEngine

        return KbEngine(folder, name, database_url)
    from bench.peers import make_peer

    return make_peer(name, folder)


def measure(name: str, corpus: Path, queries_path: Path, folder: Path, database_url: str | None = None) -> dict[str, object]:
    """Index and query once; return timings in seconds, sizes in bytes and memory in MiB."""
    docs = list(read_jsonl(corpus))
    queries = read_queries(queries_path)
    folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(name, folder, database_url)
    kb = name.startswith("kb-")
    started = time.perf_counter()
    engine.prepare(docs)
    stored = time.perf_counter() - started
    rss_before = peak_rss_mb()

    started = time.perf_counter()
    engine.analyse(docs)
    analysed = time.perf_counter()
    engine.index(docs)
    indexed = time.perf_counter()

    result: dict[str, object] = {
        "engine": name, "docs": len(docs), "bytes": sum(d.size_bytes() for d in docs),
        "analysis_s": analysed - started, "index_s": indexed - analysed,
        "rss_before_index_mb": rss_before, "peak_rss_mb": peak_rss_mb(),
    }
    if kb:
        from bench.kb_engine import sizes

        # Storing the rows in kb's database stands for extraction's output; indexing reads them back.
        result["store_s"] = stored
        result.update(sizes(engine.settings))
        result["open"] = engine.open_cost()
        engine.warm_up()
        engine.clear_cache()
    else:
        result["index_bytes"] = folder_bytes(folder)
    result["latencies"] = time_queries(engine, queries)
    if kb and engine.has_cache:
        result["cached_latencies"] = time_queries(engine, queries)
    engine.close()
    return result


def main(argv: Sequence[str]) -> int:
    name, corpus, queries, folder, *database_url = argv
    print(json.dumps(measure(name, Path(corpus), Path(queries), Path(folder), database_url[0] if database_url else None)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
