"""Two application servers, each `kb serve --workers 2` with its own data folder, share one PostgreSQL.

This is the scale-out set-up: nothing written through one server may be missing from the
other, and concurrent writes through both lose nothing. Every request goes to 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from kb.accounts import create_token
from kb.config import Settings
from kb.db import dispose_engines, session_scope
from kb.libraries import KEYS
from kb.search import open_backend
from tests.robustness.server import kb_serve

CLIENTS = 4
FILES_PER_CLIENT = 2


@contextmanager
def _server(settings: Settings, name: str) -> Iterator[str]:
    """Run `kb serve --workers 2` with its own data folder on a free loopback port; yield its base URL."""
    data = settings.data_root / name
    env = {**os.environ, "KB_DATA_DIR": str(data), "KB_LIBRARY_DIR": str(settings.library_root),
           "KB_DATABASE_URL": settings.database_url or "", "KB_SEARCH_BACKEND": "postgres", "KB_SECRET_KEY": "same-everywhere"}
    data.mkdir(parents=True)
    log = settings.data_root / f"kb-serve-{name}.log"
    with kb_serve(env, data, log, workers=2) as base_url:
        yield base_url
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")


@pytest.fixture(scope="module")
def pg_settings(tmp_path_factory: pytest.TempPathFactory, postgres_module_url: str) -> Iterator[Settings]:
    """Settings on the module's PostgreSQL database, with a library folder both servers share."""
    root = tmp_path_factory.mktemp("two-servers")
    for key in KEYS:
        (root / "library" / key).mkdir(parents=True)
    yield Settings(library_dir=root / "library", data_dir=root / "data", database_url=postgres_module_url, search_backend="postgres")
    dispose_engines()


@pytest.fixture(scope="module")
def two_servers(pg_settings: Settings) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Start both servers once for the module; yield a client for each, with one token valid on both."""
    with session_scope(pg_settings) as session:
        token = create_token(session, "two-servers", "read,write", grants="estimates,quotes")
    # Create the search tables before four workers start at once.
    open_backend(pg_settings).close()
    dispose_engines()
    headers = {"Authorization": f"Bearer {token}"}
    with ExitStack() as stack:
        first = stack.enter_context(_server(pg_settings, "a"))
        second = stack.enter_context(_server(pg_settings, "b"))
        clients = [stack.enter_context(httpx.Client(base_url=url, headers=headers, timeout=30)) for url in (first, second)]
        yield clients[0], clients[1]


def _upload(client: httpx.Client, name: str, body: str) -> int:
    response = client.post("/api/v1/documents", data={"library": "documents"},
                           files={"file": (name, body.encode("utf-8"), "text/plain")})
    assert response.status_code == 201, response.text
    return int(response.json()["documents"][0]["document"]["id"])


def _total(client: httpx.Client, **params: str) -> int:
    response = client.get("/api/v1/search", params={**params, "page_size": "100"})
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_upload_through_one_found_through_other(two_servers):
    first, second = two_servers
    doc_id = _upload(first, "跨服务器上传.txt", "跨服务器检索测试\n型号 XS-9100 风廓线雷达验收记录。")

    found = second.get("/api/v1/search", params={"q": "风廓线雷达"})
    assert found.status_code == 200, found.text
    assert [item["id"] for item in found.json()["results"]] == [doc_id]
    assert _total(second, q="xs-9100") == 1

    tagged = second.put(f"/api/v1/documents/{doc_id}/tags/验收")
    assert tagged.status_code < 300, tagged.text
    assert _total(first, tag="验收") == 1


def _client_writes(clients: tuple[httpx.Client, httpx.Client], number: int) -> list[str]:
    """Upload through one server, tag and link through the other; return the problems seen."""
    writer, other = clients[number % 2], clients[(number + 1) % 2]
    problems = []
    response = other.put(f"/api/v1/customers/P{number}", json={"name": f"多机客户{number}号"})
    if response.status_code >= 300:
        problems.append(f"customer P{number}: {response.status_code} {response.text}")
    for index in range(FILES_PER_CLIENT):
        doc_id = _upload(writer, f"多机_{number}_{index}.txt", f"多机并发写入 客户端{number} 文件{index}")
        for path in (f"/api/v1/documents/{doc_id}/tags/多机{number}", f"/api/v1/documents/{doc_id}/tags/轮次{index}",
                     f"/api/v1/customers/P{number}/documents/{doc_id}"):
            response = other.put(path)
            if response.status_code >= 300:
                problems.append(f"PUT {path}: {response.status_code} {response.text}")
    return problems


def test_concurrent_writes_through_both_lose_nothing(two_servers):
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        problems = [p for found in pool.map(lambda n: _client_writes(two_servers, n), range(CLIENTS)) for p in found]
    assert problems == []
    for client in two_servers:
        assert _total(client, q="多机并发写入") == CLIENTS * FILES_PER_CLIENT
        for number in range(CLIENTS):
            assert _total(client, tag=f"多机{number}") == FILES_PER_CLIENT
            assert _total(client, customer=f"P{number}") == FILES_PER_CLIENT
        for index in range(FILES_PER_CLIENT):
            assert _total(client, tag=f"轮次{index}") == CLIENTS
