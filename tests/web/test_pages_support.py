"""Fixtures and helpers for the HTML page tests: a real library, index, users and a login through the form.

The page test modules import from here. This module contains no tests itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from kb.accounts import add_user
from kb.catalog import CustomerInput, OpportunityInput, upsert_customer, upsert_opportunity
from kb.config import Settings
from kb.db import session_scope
from kb.ingest.pipeline import run_ingest
from kb.models import Customer, Document, Opportunity
from kb.web.app import create_app

PAGES_SECRET = "pages-test-secret-key"
PAGES_PASSWORD = "page-pass-2024"
PAGES_MAX_UPLOAD = 300 * 1024
PAGE_USERS = {"reader": ("viewer", ""), "writer": ("editor", ""), "boss": ("admin", "")}
SCRIPT_TITLE = "<script>alert(1)</script>"

# Short name -> (path in the library, title, paragraphs). A plain-text file has no title property, so its title is "".
PAGE_CORPUS = {
    "quote": ("quotes/华东区/报价单.docx", "JDX-2000 雷达维修报价单", ["JDX-2000 雷达维修报价：发射机维修每台 12 万元。", "报价有效期三十天。"]),
    "case": ("cases/2024/苏气象雷达维修案例.docx", "苏气象雷达维修案例", ["苏气象 JDX-2000 雷达年度维修保障，更换发射机磁控管。", "维修后雷达恢复正常运行。"]),
    "guide": ("instructions/维修/雷达维修作业指导书.txt", "", ["雷达维修作业指导书", "维修前先断开高压电源，确认雷达天线停止转动。"]),
    "script": ("documents/脚本测试.docx", SCRIPT_TITLE, ["这份文档的标题含有尖括号，用来检查页面转义。"]),
    "brochure": ("publicity/公司宣传册.docx", "华辰电子公司宣传册", ["公司简介与发展历程，服务气象、民航和电力行业。"]),
}


def write_docx(root: Path, rel: str, title: str, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def docx_bytes(folder: Path, name: str, title: str, paragraphs: list[str]) -> bytes:
    return write_docx(folder, name, title, paragraphs).read_bytes()


def _write_corpus(root: Path) -> None:
    for rel, title, paragraphs in PAGE_CORPUS.values():
        if rel.endswith(".docx"):
            write_docx(root, rel, title, paragraphs)
        else:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(paragraphs), encoding="utf-8")


def _seed_accounts_and_parties(app: FastAPI, settings: Settings) -> None:
    with session_scope(settings) as session:
        for name, (role, grants) in PAGE_USERS.items():
            add_user(session, name, PAGES_PASSWORD, role=role, grants=grants)
        session.commit()
        backend = app.state.backend
        upsert_customer(session, backend, "C-001", CustomerInput("江苏省气象局", ("苏气象",), "气象"), "test")
        upsert_customer(session, backend, "C-002", CustomerInput("中远海运", (), "航运"), "test")
        upsert_opportunity(session, backend, "O-001", OpportunityInput("苏气象雷达年度保障", "C-001", "方案"), "test")
        upsert_opportunity(session, backend, "O-002", OpportunityInput("中远海运导航雷达改造", "C-002", "报价"), "test")


@pytest.fixture
def pages_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"secret_key": PAGES_SECRET, "max_upload_bytes": PAGES_MAX_UPLOAD})


@pytest.fixture
def pages_app(pages_settings: Settings) -> Iterator[FastAPI]:
    _write_corpus(pages_settings.library_root)
    application = create_app(pages_settings)
    summary = run_ingest(pages_settings, application.state.backend)
    assert not summary.failed, summary.failed
    _seed_accounts_and_parties(application, pages_settings)
    yield application
    application.state.backend.close()


@dataclass(frozen=True)
class Ids:
    documents: dict[str, int]
    customers: dict[str, int]
    opportunities: dict[str, int]


@pytest.fixture
def ids(pages_app: FastAPI, pages_settings: Settings) -> Ids:
    with session_scope(pages_settings) as session:
        by_path = {d.path: int(d.id) for d in session.exec(select(Document)) if d.id is not None}
        customers = {c.name: int(c.id) for c in session.exec(select(Customer)) if c.id is not None}
        opportunities = {o.name: int(o.id) for o in session.exec(select(Opportunity)) if o.id is not None}
    documents = {key: by_path[rel] for key, (rel, _title, _text) in PAGE_CORPUS.items()}
    return Ids(documents, customers, opportunities)


def parse(html_text: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html_text)


def csrf_in(html_text: str) -> str:
    """Return the value of the first hidden `csrf_token` field of a page."""
    values = parse(html_text).xpath('//input[@name="csrf_token"]/@value')
    assert values, "page has no csrf_token field"
    return str(values[0])


def log_in(client: TestClient, name: str, password: str = PAGES_PASSWORD) -> None:
    """Log in through the real form: fetch it, read its CSRF token, post it."""
    token = csrf_in(client.get("/login").text)
    response = client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text


def page_csrf(client: TestClient) -> str:
    return csrf_in(client.get("/").text)


@pytest.fixture
def client_for(pages_app: FastAPI, ids: Ids) -> Iterator[Callable[[str | None], TestClient]]:
    """Return a factory of clients logged in as one of PAGE_USERS, or anonymous for None."""
    clients: list[TestClient] = []

    def make(name: str | None) -> TestClient:
        client = TestClient(pages_app, base_url="http://127.0.0.1")
        clients.append(client)
        if name is not None:
            log_in(client, name)
        return client

    yield make
    for client in clients:
        client.close()


def texts(root: lxml.html.HtmlElement, xpath: str) -> list[str]:
    """Return the whitespace-normalised text of every element matching `xpath`."""
    return [" ".join(el.text_content().split()) for el in root.xpath(xpath)]
