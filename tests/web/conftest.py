"""The web application over a temporary library with real ingested files, users and tokens."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlmodel import select

from kb.accounts import add_user, create_token, revoke_token
from kb.config import Settings
from kb.db import session_scope
from kb.ingest.pipeline import run_ingest
from kb.models import Document, User
from kb.web.app import create_app
from kb.web.auth import SESSION_MAX_AGE_SECONDS

SECRET_KEY = "test-secret-key-for-signing-sessions"
PASSWORD = "correct-horse-9"
MAX_UPLOAD_BYTES = 256 * 1024
USERS = {
    "viewer": ("viewer", ""),
    "editor": ("editor", ""),
    "admin": ("admin", ""),
    "viewer_quotes": ("viewer", "quotes"),
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


def docx_bytes(tmp_path: Path, title: str, paragraphs: list[str]) -> bytes:
    path = write_docx(tmp_path / "made", f"{title}.docx", title, paragraphs)
    return path.read_bytes()


# Files of the sample library, by a short name the tests use.
CORPUS = {
    "quote": ("quotes/华东区/变电站巡检机器人报价单.docx", "变电站巡检机器人报价单", ["巡检机器人报价：每台 38 万元，含三年维保。", "客户：华东电网。"]),
    "estimate": ("estimates/成本测算.docx", "巡检机器人成本测算", ["巡检机器人成本测算，毛利率 35%。"]),
    "solution": ("documents/方案/巡检机器人技术方案.docx", "巡检机器人技术方案", ["变电站巡检机器人技术方案，支持红外测温和表计识别。", "报价另附。"]),
    "case": ("cases/华东电网变电站巡检案例.docx", "华东电网变电站巡检案例", ["在华东电网 220kV 变电站部署巡检机器人，替代人工巡视。"]),
    "brochure": ("publicity/企业宣传册.docx", "企业宣传册", ["公司简介、企业文化与发展历程。"]),
    "template": ("templates/合同模板.docx", "采购合同模板", ["甲方乙方签订采购合同，付款方式与违约责任。"]),
}


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"secret_key": SECRET_KEY, "max_upload_bytes": MAX_UPLOAD_BYTES})


@pytest.fixture
def app(web_settings: Settings) -> Iterator[FastAPI]:
    for rel, title, paragraphs in CORPUS.values():
        write_docx(web_settings.library_root, rel, title, paragraphs)
    application = create_app(web_settings)
    summary = run_ingest(web_settings, application.state.backend)
    assert not summary.failed, summary.failed
    yield application
    application.state.backend.close()


@pytest.fixture
def doc_ids(app: FastAPI, web_settings: Settings) -> dict[str, int]:
    with session_scope(web_settings) as session:
        by_path = {d.path: d.id for d in session.exec(select(Document))}
    return {key: int(by_path[rel]) for key, (rel, _title, _text) in CORPUS.items()}


@dataclass(frozen=True)
class Tokens:
    read: str
    write: str
    read_quotes: str
    revoked: str


@pytest.fixture
def accounts(app: FastAPI, web_settings: Settings) -> Tokens:
    with session_scope(web_settings) as session:
        for name, (role, grants) in USERS.items():
            add_user(session, name, PASSWORD, role=role, grants=grants)
        tokens = Tokens(
            read=create_token(session, "crm-read", "read"),
            write=create_token(session, "crm-write", "read,write"),
            read_quotes=create_token(session, "crm-quotes", "read", grants="quotes"),
            revoked=create_token(session, "crm-old", "read,write"),
        )
        revoke_token(session, "crm-old")
    return tokens


class _CsrfFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("name") == "csrf_token":
            self.token = values.get("value")


def csrf_from(client: TestClient) -> str:
    finder = _CsrfFinder()
    finder.feed(client.get("/login").text)
    assert finder.token
    return finder.token


def log_in(client: TestClient, name: str) -> None:
    response = client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf_from(client), "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = csrf_from(client)


def signed_session_cookie(session_data: dict[str, object], age_seconds: int = 0) -> str:
    """Sign a session cookie the way Starlette's SessionMiddleware does, dated `age_seconds` ago."""

    class _PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    data = base64.b64encode(json.dumps(session_data).encode("utf-8"))
    return _PastSigner(SECRET_KEY).sign(data).decode("utf-8")


def _expired_cookie(web_settings: Settings) -> str:
    with session_scope(web_settings) as session:
        user = session.exec(select(User).where(User.name == "admin")).one()
        data = {"uid": user.id, "stamp": user.password_hash[-12:], "csrf_token": "x"}
    return signed_session_cookie(data, age_seconds=SESSION_MAX_AGE_SECONDS + 3600)


@pytest.fixture
def client_as(app: FastAPI, accounts: Tokens, web_settings: Settings) -> Iterator[Callable[[str], TestClient]]:
    """Return a factory of test clients acting as one kind of caller (see PRINCIPALS in the tests)."""
    clients: list[TestClient] = []

    def make(kind: str) -> TestClient:
        client = TestClient(app, base_url="http://127.0.0.1")
        clients.append(client)
        if kind in USERS:
            log_in(client, kind)
        elif kind.startswith("token_"):
            secret = {"token_read": accounts.read, "token_write": accounts.write, "token_read_quotes": accounts.read_quotes}[kind]
            client.headers["Authorization"] = f"Bearer {secret}"
        elif kind == "revoked_token":
            client.headers["Authorization"] = f"Bearer {accounts.revoked}"
        elif kind == "bad_token":
            client.headers["Authorization"] = "Bearer kb_not-a-real-token"
        elif kind == "tampered_cookie":
            log_in(client, "admin")
            value = client.cookies["kb_session"]
            client.cookies.clear()
            client.cookies.set("kb_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
        elif kind == "expired_cookie":
            client.cookies.set("kb_session", _expired_cookie(web_settings))
        else:
            assert kind == "anonymous", kind
        return client

    yield make
    for client in clients:
        client.close()


def multipart_body(boundary: str, parts: list[tuple[bytes, bytes]]) -> bytes:
    """Build a multipart/form-data body from (Content-Disposition parameters, content) pairs, byte for byte."""
    body = b""
    for disposition, content in parts:
        body += f"--{boundary}\r\n".encode()
        body += b"Content-Disposition: form-data; " + disposition + b"\r\n"
        if b"filename" in disposition:
            body += b"Content-Type: application/octet-stream\r\n"
        body += b"\r\n" + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


@pytest.fixture
def make_docx(tmp_path: Path) -> Callable[[str, list[str]], bytes]:
    """Return a function that builds the bytes of a real .docx with a title and paragraphs."""
    return lambda title, paragraphs: docx_bytes(tmp_path, title, paragraphs)


@pytest.fixture
def sign_session() -> Callable[..., str]:
    return signed_session_cookie


@pytest.fixture
def build_multipart() -> Callable[[str, list[tuple[bytes, bytes]]], bytes]:
    return multipart_body
