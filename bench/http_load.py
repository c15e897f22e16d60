"""A bounded HTTP load generator for `GET /api/v1/search` on a loopback address.

Threads with keep-alive connections send searches until the time or the request
budget runs out. Only 127.0.0.1, ::1 and localhost are accepted as targets.

Usage: python bench/http_load.py --port 8000 --token TOKEN [--seconds 10] [--threads 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

LOOPBACK = ("127.0.0.1", "::1", "localhost")
DEFAULT_MAX_REQUESTS = 100_000


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _worker(host: str, port: int, token: str, queries: Sequence[str], deadline: float, budget: list[int], result: LoadResult, lock: threading.Lock, offset: int) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    index = offset
    while time.perf_counter() < deadline:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        path = "/api/v1/search?" + urlencode({"q": queries[index % len(queries)]})
        index += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
        elapsed = time.perf_counter() - started
        with lock:
            result.requests += ok
            result.errors += not ok
            result.latencies.append(elapsed)
    connection.close()


def run_load(
    port: int, token: str, queries: Sequence[str], seconds: float, threads: int = 4,
    host: str = "127.0.0.1", max_requests: int = DEFAULT_MAX_REQUESTS,
) -> LoadResult:
    """Send searches from `threads` threads for `seconds` or `max_requests`, whichever ends first."""
    if host not in LOOPBACK:
        raise ValueError(f"host {host!r} is not a loopback address; the load generator only targets this machine")
    result = LoadResult()
    lock = threading.Lock()
    budget = [max_requests]
    started = time.perf_counter()
    deadline = started + seconds
    workers = [
        threading.Thread(target=_worker, args=(host, port, token, queries, deadline, budget, result, lock, i * 7))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 60)
    result.seconds = time.perf_counter() - started
    return result


def main(argv: Sequence[str] | None = None) -> int:
    from bench.child import read_queries

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="Port of kb on 127.0.0.1.")
    parser.add_argument("--token", required=True, help="API token with the read scope.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Duration of the load, in seconds.")
    parser.add_argument("--threads", type=int, default=4, help="Concurrent connections.")
    parser.add_argument("--queries", type=Path, default=Path(__file__).with_name("queries.txt"), help="Query file.")
    args = parser.parse_args(argv)
    result = run_load(args.port, args.token, read_queries(args.queries), args.seconds, args.threads)
    print(json.dumps({"requests": result.requests, "errors": result.errors, "per_second": round(result.per_second, 1)}))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
