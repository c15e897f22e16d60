"""Nothing lost under concurrency: parallel uploads, tags and links against uvicorn with two workers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from kb.config import Settings
from tests.robustness.server import RunningServer, running_server

CLIENTS = 4
FILES_PER_CLIENT = 3


def _upload(server: RunningServer, name: str, text: str, library: str = "documents") -> httpx.Response:
    with server.client() as client:
        return client.post(
            "/api/v1/documents",
            data={"library": library},
            files={"file": (name, text.encode("utf-8"), "text/plain")},
        )


def _total(server: RunningServer, **params: str) -> int:
    with server.client() as client:
        response = client.get("/api/v1/search", params={**params, "page_size": "100"})
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_b06_eight_parallel_uploads_all_searchable(settings: Settings):
    texts = {
        f"批量_{number:02d}.txt": f"客户回访记录\n编号：B06-{number:02d}\n回访内容：设备运行正常，客户对售后服务满意。"
        for number in range(1, 9)
    }
    with running_server(settings, workers=2) as server:
        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(lambda item: _upload(server, *item), texts.items()))
        statuses = [response.status_code for response in responses]
        assert statuses == [201] * 8, server.log.read_text(errors="replace")
        assert _total(server, q="客户回访记录") == 8
        assert _total(server, q="B06-03") == 1
        log = server.log.read_text(errors="replace")
    assert "LockError" not in log
    assert "Traceback" not in log


def _client_session(server: RunningServer, number: int) -> list[str]:
    """Run one client's writes; return the problems seen, including dropped connections."""
    try:
        return _client_writes(server, number)
    except httpx.TransportError as error:
        return [f"client {number}: {type(error).__name__}: {error}"]


def _client_writes(server: RunningServer, number: int) -> list[str]:
    """Upload files, tag them and link them to this client's customer; return the problems seen."""
    problems = []
    with server.client() as client:
        response = client.put(f"/api/v1/customers/C{number}", json={"name": f"并发客户{number}号"})
        if response.status_code >= 300:
            problems.append(f"customer C{number}: {response.status_code} {response.text}")
        for index in range(FILES_PER_CLIENT):
            name = f"并发_{number}_{index}.txt"
            response = client.post(
                "/api/v1/documents",
                data={"library": "documents"},
                files={"file": (name, f"并发写入测试 客户端{number} 文件{index} 编号W{number}F{index}".encode(), "text/plain")},
            )
            if response.status_code != 201:
                problems.append(f"upload {name}: {response.status_code} {response.text}")
                continue
            doc_id = response.json()["documents"][0]["document"]["id"]
            for path in (f"/api/v1/documents/{doc_id}/tags/客户端{number}", f"/api/v1/documents/{doc_id}/tags/批次{index}",
                         f"/api/v1/customers/C{number}/documents/{doc_id}"):
                response = client.put(path)
                if response.status_code >= 300:
                    problems.append(f"PUT {path}: {response.status_code} {response.text}")
    return problems


def test_concurrent_writers_lose_nothing(settings: Settings):
    with running_server(settings, workers=2) as server:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            problems = [p for found in pool.map(lambda n: _client_session(server, n), range(CLIENTS)) for p in found]
        assert problems == [], server.log.read_text(errors="replace")
        assert _total(server, q="并发写入测试") == CLIENTS * FILES_PER_CLIENT
        for number in range(CLIENTS):
            assert _total(server, tag=f"客户端{number}") == FILES_PER_CLIENT
            assert _total(server, customer=f"C{number}") == FILES_PER_CLIENT
        for index in range(FILES_PER_CLIENT):
            assert _total(server, tag=f"批次{index}") == CLIENTS
        log = server.log.read_text(errors="replace")
    assert "LockError" not in log
    assert "Traceback" not in log
