"""Load test: mixed searches, uploads and tag edits from concurrent clients against uvicorn on 127.0.0.1.

Starts `uvicorn kb.web.app:create_app --workers N` over a new temporary data and
library folder, runs the clients for a fixed time, then checks that every write the
server acknowledged is in the index. Prints requests, errors, p50/p95 latency per
kind of request and the number of lost writes.

    python bench/load.py --seconds 120 --clients 8 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SEARCH_TERMS = ("导航雷达", "维修报价", "客户回访记录", "安装调试费", "质保期", "\"设备清单\"", "雷达 -民航", "tag:负载测试")


@dataclass
class Tally:
    """Latencies in seconds and error counts per kind of request, plus the writes to verify."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    uploads: list[tuple[str, int]] = field(default_factory=list)
    tags: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepare(base: Path) -> tuple[dict[str, str], str]:
    """Create the folders, the database, the index and a read-write token."""
    env = {**os.environ, "KB_DATA_DIR": str(base / "data"), "KB_LIBRARY_DIR": str(base / "library")}
    os.environ.update({k: env[k] for k in ("KB_DATA_DIR", "KB_LIBRARY_DIR")})
    from kb.accounts import create_token
    from kb.config import get_settings
    from kb.db import session_scope
    from kb.libraries import KEYS
    from kb.search import open_backend

    get_settings.cache_clear()
    settings = get_settings()
    for key in KEYS:
        (settings.library_root / key).mkdir(parents=True, exist_ok=True)
    with session_scope(settings) as session:
        token = create_token(session, "load-test", "read,write")
    open_backend(settings).close()
    return env, token


def _start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "kb.web.app:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=log.parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited: {log.read_text(errors='replace')}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/search", timeout=2)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("uvicorn did not start within 60 s")


def _one_request(client: httpx.Client, rng: random.Random, tally: Tally, client_number: int, counter: list[int]) -> None:
    roll = rng.random()
    started = time.perf_counter()
    with tally.lock:
        have_uploads = bool(tally.uploads)
    if roll < 0.6:
        kind = "search"
        response = client.get("/api/v1/search", params={"q": rng.choice(SEARCH_TERMS)})
    elif roll < 0.8 or not have_uploads:
        kind = "upload"
        counter[0] += 1
        code = f"LOAD{client_number}X{counter[0]}"
        text = f"负载测试文档 {code}：导航雷达维修报价，客户回访记录，质保期一年。"
        response = client.post("/api/v1/documents", data={"library": "documents"},
                               files={"file": (f"负载_{code}.txt", text.encode("utf-8"), "text/plain")})
        if response.status_code == 201:
            with tally.lock:
                tally.uploads.append((code, int(response.json()["documents"][0]["document"]["id"])))
    else:
        kind = "tag"
        with tally.lock:
            _, doc_id = rng.choice(tally.uploads)
        tag = f"负载测试{rng.randrange(5)}"
        response = client.put(f"/api/v1/documents/{doc_id}/tags/{tag}")
        if response.status_code == 200:
            with tally.lock:
                tally.tags.append((doc_id, tag))
    tally.record(kind, time.perf_counter() - started, response.status_code < 300)


def _client_loop(base_url: str, token: str, until: float, tally: Tally, number: int) -> None:
    rng = random.Random(number)
    counter = [0]
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        while time.monotonic() < until:
            try:
                _one_request(client, rng, tally, number, counter)
            except httpx.HTTPError:
                tally.record("transport", 0.0, False)


def _lost_writes(base_url: str, token: str, tally: Tally) -> int:
    """Count acknowledged uploads not found by their code and acknowledged tags missing from the index."""
    lost = 0
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for code, doc_id in tally.uploads:
            found = client.get("/api/v1/search", params={"q": code}).json()
            lost += 0 if doc_id in {hit["id"] for hit in found["results"]} else 1
        for tag in sorted({tag for _, tag in tally.tags}):
            expected = {doc_id for doc_id, name in tally.tags if name == tag}
            found = client.get("/api/v1/search", params={"tag": tag, "page_size": 100}).json()
            lost += len(expected - {hit["id"] for hit in found["results"]}) if found["total"] <= 100 else 0
    return lost


def _percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def run_load(seconds: float = 120.0, clients: int = 8, workers: int = 2) -> dict[str, object]:
    """Run the load test and return its figures."""
    with tempfile.TemporaryDirectory(prefix="kb-load-") as temp:
        base = Path(temp)
        env, token = _prepare(base)
        port = _free_port()
        server = _start_server(env, port, workers, base / "uvicorn.log")
        base_url = f"http://127.0.0.1:{port}"
        tally = Tally()
        try:
            until = time.monotonic() + seconds
            threads = [threading.Thread(target=_client_loop, args=(base_url, token, until, tally, n)) for n in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            lost = _lost_writes(base_url, token, tally)
        finally:
            server.terminate()
            server.wait(15)
        log = (base / "uvicorn.log").read_text(errors="replace")
    kinds = {
        kind: {"requests": len(values), "errors": tally.errors.get(kind, 0),
               "p50_ms": round(_percentile(values, 0.5) * 1000, 1), "p95_ms": round(_percentile(values, 0.95) * 1000, 1)}
        for kind, values in sorted(tally.latencies.items())
    }
    return {
        "seconds": seconds, "clients": clients, "workers": workers,
        "requests": sum(len(v) for v in tally.latencies.values()), "errors": sum(tally.errors.values()),
        "acknowledged_uploads": len(tally.uploads), "acknowledged_tags": len(tally.tags),
        "lost_writes": lost, "lock_errors_in_log": log.count("LockError"), "by_kind": kinds,
        # The server's last error lines, so a failing run shows what went wrong.
        "server_errors": [line for line in log.splitlines() if "Error" in line or "Traceback" in line][-10:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="duration of the load, in seconds (default 120)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    arguments = parser.parse_args()
    print(json.dumps(run_load(arguments.seconds, arguments.clients, arguments.workers), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
