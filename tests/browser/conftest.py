"""A real kb server on 127.0.0.1 over a copy of the sample library, and a headless Chromium to drive it.

The browser is the Debian `chromium` package at /usr/bin/chromium; Playwright's own browser
download is never used. Without that binary every browser test is skipped.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from kb.accounts import add_user
from kb.catalog import CustomerInput, OpportunityInput, upsert_customer, upsert_opportunity
from kb.config import Settings
from kb.db import dispose_engines, session_scope
from kb.ingest.pipeline import run_ingest
from kb.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SAMPLE_LIBRARY = Path(__file__).resolve().parents[2] / "library"
USER_NAME = "李明"
USER_PASSWORD = "browser-pass-2024"
START_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(settings: Settings, app) -> None:  # type: ignore[no-untyped-def]
    """Create the user the tests log in as, and the customers and opportunities they link."""
    backend = app.state.backend
    with session_scope(settings) as session:
        add_user(session, USER_NAME, USER_PASSWORD, role="editor", grants="quotes,estimates")
        session.commit()
        upsert_customer(session, backend, "C-JS-001", CustomerInput("江苏省气象局", ("苏气象",), "气象"), "seed")
        upsert_customer(session, backend, "C-SH-002", CustomerInput("中远海运", ("中远",), "航运"), "seed")
        upsert_customer(session, backend, "C-SZ-003", CustomerInput("深圳空管站", ("深圳空管",), "民航"), "seed")
        upsert_opportunity(session, backend, "O-2025-01", OpportunityInput("苏气象 JDX-2000 年度保障", "C-JS-001", "报价"), "seed")


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"kb test server did not start within {START_TIMEOUT_SECONDS} s")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(SAMPLE_LIBRARY, root / "library")
    settings = Settings(library_dir=root / "library", data_dir=root / "data", secret_key="browser-test-secret", host="127.0.0.1")
    app = create_app(settings)
    run_ingest(settings, app.state.backend)
    _seed(settings, app)

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="kb-test-server", daemon=True)
    thread.start()
    _wait_started(server, thread)
    yield LiveServer(f"http://127.0.0.1:{port}", settings)

    server.should_exit = True
    thread.join(timeout=10)
    app.state.backend.close()
    dispose_engines()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install the Debian chromium package (python scripts/ensure_browser.py) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live_server: LiveServer) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context at 1280x800, logged in as the editor through the login form."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15000)
    tab = context.new_page()
    tab.goto(f"{live_server.url}/login")
    tab.fill("input[name=name]", USER_NAME)
    tab.fill("input[name=password]", USER_PASSWORD)
    tab.click("form[action='/login'] button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")
    yield tab
    context.close()
