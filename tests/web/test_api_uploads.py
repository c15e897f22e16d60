"""POST /api/v1/documents: storing, rejecting and naming uploaded files."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlmodel import select

from kb.db import session_scope
from kb.models import AuditEvent

BOUNDARY = "kbB19boundary"
NAME = "报价单.docx"
# Five ways clients send a Chinese file name, as raw Content-Disposition parameters.
FILENAME_VARIANTS = {
    "raw_utf8": b'filename="' + NAME.encode("utf-8") + b'"',
    "rfc5987_only": b"filename*=UTF-8''" + quote(NAME).encode("ascii"),
    "ascii_plus_rfc5987": b'filename="baojiadan.docx"; filename*=UTF-8\'\'' + quote(NAME).encode("ascii"),
    "percent_in_quotes": b'filename="' + quote(NAME).encode("ascii") + b'"',
    "raw_gbk": b'filename="' + NAME.encode("gbk") + b'"',
}


def _library_files(root: Path, library: str) -> list[str]:
    return sorted(p.name for p in (root / library).rglob("*") if p.is_file())


def _post_raw(client, body: bytes):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    return client.post("/api/v1/documents", content=body, headers=headers)


def _upload(client, name: str, data: bytes, library: str = "documents", **fields: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/documents", data={"library": library, **fields}, files={"file": (name, data, "application/octet-stream")})


@pytest.mark.parametrize("variant", list(FILENAME_VARIANTS))
def test_upload_filename_variant_stored_as_chinese(client_as, make_docx, build_multipart, web_settings, variant):
    body = build_multipart(BOUNDARY, [
        (b'name="library"', b"documents"),
        (b'name="file"; ' + FILENAME_VARIANTS[variant], make_docx("报价单", ["华东电网巡检机器人报价单。"])),
    ])
    response = _post_raw(client_as("token_write"), body)
    assert response.status_code == 201, response.text
    assert response.json()["documents"][0]["document"]["filename"] == NAME
    assert NAME in _library_files(web_settings.library_root, "documents")


@pytest.mark.parametrize("variant", list(FILENAME_VARIANTS))
def test_upload_filename_variant_listed(client_as, make_docx, build_multipart, variant):
    client = client_as("token_write")
    body = build_multipart(BOUNDARY, [
        (b'name="library"', b"documents"),
        (b'name="file"; ' + FILENAME_VARIANTS[variant], make_docx("报价单", ["独特词汇甲乙丙丁报价。"])),
    ])
    document_id = _post_raw(client, body).json()["documents"][0]["document"]["id"]
    assert client.get(f"/api/v1/documents/{document_id}").json()["filename"] == NAME


def test_upload_undecodable_name_gets_fallback(client_as, make_docx, build_multipart):
    body = build_multipart(BOUNDARY, [
        (b'name="library"', b"documents"),
        (b'name="file"; filename="\xff\xfe\xfd.docx"', make_docx("乱码名", ["内容。"])),
    ])
    filename = _post_raw(client_as("token_write"), body).json()["documents"][0]["document"]["filename"]
    assert filename.startswith("上传文件_")
    assert filename.endswith(".docx")


def test_upload_document_searchable_at_once(client_as, make_docx):
    client = client_as("token_write")
    response = _upload(client, "新方案.docx", make_docx("储能电站方案", ["储能电站消防方案，锂电池舱。"]))
    document_id = response.json()["documents"][0]["document"]["id"]
    results = client.get("/api/v1/search", params={"q": "储能电站"}).json()["results"]
    assert document_id in [r["id"] for r in results]


def test_upload_created_status(client_as, make_docx):
    response = _upload(client_as("token_write"), "a.docx", make_docx("甲", ["甲方案内容。"]))
    assert response.status_code == 201


def test_upload_duplicate_returns_existing(client_as, make_docx):
    client = client_as("token_write")
    data = make_docx("重复", ["重复文件内容。"])
    first = _upload(client, "重复.docx", data).json()["documents"][0]["document"]["id"]
    second = _upload(client, "重复-副本.docx", data)
    assert second.status_code == 200
    assert second.json()["documents"][0]["duplicate_of"] == first


def test_upload_applies_title_tags_and_links(client_as, make_docx):
    client = client_as("token_write")
    client.put("/api/v1/customers/C-9", json={"name": "华南电网"})
    response = _upload(client, "x.docx", make_docx("原标题", ["配网自动化。"]), title="配网自动化方案", tags="配网,重点", customer="C-9")
    document = client.get(f"/api/v1/documents/{response.json()['documents'][0]['document']['id']}").json()
    assert document["title"] == "配网自动化方案"
    assert document["tags"] == ["配网", "重点"]
    assert [c["external_id"] for c in document["customers"]] == ["C-9"]


def test_upload_into_folder(client_as, make_docx, web_settings):
    response = _upload(client_as("token_write"), "分册.docx", make_docx("分册", ["分册内容。"]), folder="华东区/2024")
    assert response.json()["documents"][0]["document"]["path"] == "documents/华东区/2024/分册.docx"


def test_upload_several_files(client_as, make_docx):
    files = [
        ("file", ("一.docx", make_docx("一", ["第一份。"]), "application/octet-stream")),
        ("file", ("二.docx", make_docx("二", ["第二份。"]), "application/octet-stream")),
    ]
    response = client_as("token_write").post("/api/v1/documents", data={"library": "cases"}, files=files)
    assert [d["document"]["filename"] for d in response.json()["documents"]] == ["一.docx", "二.docx"]


def test_upload_several_with_bad_file_keeps_nothing(client_as, make_docx, web_settings):
    before = _library_files(web_settings.library_root, "cases")
    files = [
        ("file", ("好.docx", make_docx("好", ["好文件。"]), "application/octet-stream")),
        ("file", ("坏.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4, "application/octet-stream")),
    ]
    response = client_as("token_write").post("/api/v1/documents", data={"library": "cases"}, files=files)
    assert response.status_code == 415
    assert _library_files(web_settings.library_root, "cases") == before


def test_upload_path_traversal_name_stays_inside(client_as, make_docx, web_settings):
    response = _upload(client_as("token_write"), "../../etc/passwd.docx", make_docx("passwd", ["普通内容。"]))
    path = response.json()["documents"][0]["document"]["path"]
    assert path == "documents/passwd.docx"
    assert (web_settings.library_root / "documents" / "passwd.docx").is_file()


def test_upload_traversal_folder_stays_inside(client_as, make_docx, web_settings):
    response = _upload(client_as("token_write"), "a.docx", make_docx("目录", ["目录内容。"]), folder="../../outside")
    assert response.json()["documents"][0]["document"]["path"] == "documents/outside/a.docx"


@pytest.mark.parametrize(
    "name, data",
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(range(256)) * 8),
        ("random.docx", bytes((i * 7919) % 251 for i in range(4096))),
    ],
)
def test_upload_non_document_rejected(client_as, web_settings, name, data):
    before = _library_files(web_settings.library_root, "documents")
    response = _upload(client_as("token_write"), name, data)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_format"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])
    assert _library_files(web_settings.library_root, "documents") == before


def test_upload_empty_file_rejected(client_as):
    response = _upload(client_as("token_write"), "空.docx", b"")
    assert response.status_code == 400
    assert response.json()["code"] == "empty_file"


def test_upload_oversized_rejected(client_as, web_settings):
    data = b"a" * (web_settings.max_upload_bytes + 10)
    response = _upload(client_as("token_write"), "big.txt", data)
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"


def test_upload_oversized_body_rejected_by_content_length(client_as, web_settings):
    data = b"a" * (web_settings.max_upload_bytes + 2 * 1024 * 1024)
    response = _upload(client_as("token_write"), "big.txt", data)
    assert response.status_code == 413


def test_upload_unknown_library_rejected(client_as, make_docx):
    response = _upload(client_as("token_write"), "a.docx", make_docx("甲", ["内容。"]), library="nope")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_library"


def test_upload_without_file_rejected(client_as):
    response = client_as("token_write").post("/api/v1/documents", data={"library": "documents"}, files={"x": ("", b"", "text/plain")})
    assert response.status_code in (400, 422)


def test_upload_json_body_rejected(client_as):
    response = client_as("token_write").post("/api/v1/documents", json={"library": "documents"})
    assert response.status_code == 415


def test_upload_unknown_customer_rejected(client_as, make_docx):
    response = _upload(client_as("token_write"), "a.docx", make_docx("甲", ["内容。"]), customer="NOPE")
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_customer"


def test_upload_viewer_forbidden(client_as, make_docx):
    response = _upload(client_as("viewer"), "a.docx", make_docx("甲", ["内容。"]))
    assert response.status_code == 403


def test_upload_audited(client_as, make_docx, web_settings):
    response = _upload(client_as("token_write"), "审计.docx", make_docx("审计", ["审计内容。"]))
    document_id = response.json()["documents"][0]["document"]["id"]
    with session_scope(web_settings) as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.document_id == document_id)).all()
    assert "upload" in actions
