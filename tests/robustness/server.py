"""Start `kb serve --workers N` on 127.0.0.1, for the multi-process tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from kb.accounts import create_token
from kb.config import Settings
from kb.db import session_scope
from kb.search import open_backend

STARTUP_SECONDS = 60


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    token: str
    log: Path

    def client(self, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=timeout)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(settings: Settings, token_name: str = "robustness") -> str:
    """Create the database, the index and a read-write token before any worker starts."""
    with session_scope(settings) as session:
        token = create_token(session, token_name, "read,write", grants="estimates,quotes")
    # Two workers opening a missing index at once would both try to create it.
    open_backend(settings).close()
    return token


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            httpx.get(f"{base_url}/api/v1/search", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"kb serve did not answer within {STARTUP_SECONDS} s:\n{log.read_text(errors='replace')}")


@contextmanager
def kb_serve(env: dict[str, str], cwd: Path, log: Path, workers: int = 2) -> Iterator[str]:
    """Run `kb serve --workers N` with `env` on a free loopback port until the block ends; yield its base URL.

    `cwd` should be outside the repository, so that no .env file there changes the settings.
    """
    port = free_port()
    command = [sys.executable, "-m", "kb", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=cwd)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def running_server(settings: Settings, workers: int = 2) -> Iterator[RunningServer]:
    """Run kb with `workers` processes over `settings` until the block ends, with a read-write token."""
    token = prepare(settings)
    env = {**os.environ, "KB_DATA_DIR": str(settings.data_root), "KB_LIBRARY_DIR": str(settings.library_root)}
    log = settings.data_root.parent / "kb-serve.log"
    with kb_serve(env, settings.data_root.parent, log, workers) as base_url:
        yield RunningServer(base_url, token, log)
