"""kb as a server on 127.0.0.1: time to its first search response, and searches per second under load."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from bench.http_load import run_load

READY_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(data_dir: Path, backend: str = "whoosh", database_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ, KB_DATA_DIR=str(data_dir), KB_LIBRARY_DIR=str(data_dir / "library"), KB_HOST="127.0.0.1")
    env.pop("KB_DATABASE_URL", None)
    if database_url:
        env["KB_DATABASE_URL"] = database_url
    env["KB_SEARCH_BACKEND"] = backend
    return env


def _answers(port: int, token: str) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/api/v1/search?q=" + quote("雷达"), headers={"Authorization": f"Bearer {token}"})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def wait_ready(process: subprocess.Popen, port: int, token: str, started: float) -> float:
    """Poll until the server returns a search; return seconds since `started`."""
    while time.perf_counter() - started < READY_TIMEOUT_SECONDS:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before it returned a search response")
        if _answers(port, token):
            return time.perf_counter() - started
        time.sleep(0.02)
    raise TimeoutError(f"the server on port {port} returned no search response within {READY_TIMEOUT_SECONDS} s; its log shows why (run kb serve by hand)")


def stop(process: subprocess.Popen) -> None:
    """End the server's process group (it was started in a session of its own)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def start(command: Sequence[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        list(command), env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def startup_seconds(env: dict[str, str], token: str) -> float:
    """Start `kb serve` and return the seconds until its first search response."""
    port = free_port()
    kb_command = Path(sys.executable).with_name("kb")
    started = time.perf_counter()
    process = start([str(kb_command), "serve", "--port", str(port)], env)
    try:
        return wait_ready(process, port, token, started)
    finally:
        stop(process)


def searches_per_second(env: dict[str, str], token: str, queries: Sequence[str], workers: int, seconds: float) -> dict[str, float]:
    """Serve with `kb serve --workers`, then load it for `seconds`."""
    port = free_port()
    kb_command = Path(sys.executable).with_name("kb")
    process = start([str(kb_command), "serve", "--port", str(port), "--workers", str(workers)], env)
    try:
        wait_ready(process, port, token, time.perf_counter())
        # A warm-up round first, so that start-up does not count in the figure.
        run_load(port, token, queries, seconds=min(2.0, seconds / 2), threads=workers * 2)
        result = run_load(port, token, queries, seconds=seconds, threads=max(4, workers * 2))
    finally:
        stop(process)
    return {"per_second": result.per_second, "requests": result.requests, "errors": result.errors}
