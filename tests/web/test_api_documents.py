"""GET /api/v1/documents/{id}, its file download, and tags."""

from __future__ import annotations

from urllib.parse import quote

from sqlmodel import select

from kb.db import session_scope
from kb.models import AuditEvent


def test_document_metadata_fields(client_as, doc_ids):
    body = client_as("viewer").get(f"/api/v1/documents/{doc_ids['solution']}").json()
    assert body["title"] == "巡检机器人技术方案"
    assert body["library"] == "documents"
    assert body["folder"] == "方案"
    assert body["versions"][0]["version"] == 1


def test_document_preview_limited(client_as, doc_ids):
    body = client_as("viewer").get(f"/api/v1/documents/{doc_ids['solution']}", params={"preview_chars": 5}).json()
    assert len(body["text_preview"]) == 5
    assert body["text_length"] > 5


def test_document_unknown_id_not_found(client_as):
    response = client_as("viewer").get("/api/v1/documents/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_document_invalid_id_rejected(client_as):
    response = client_as("viewer").get("/api/v1/documents/abc")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_parameter"


def test_file_download_bytes(client_as, doc_ids, web_settings):
    response = client_as("viewer").get(f"/api/v1/documents/{doc_ids['solution']}/file")
    original = (web_settings.library_root / "documents/方案/巡检机器人技术方案.docx").read_bytes()
    assert response.content == original


def test_file_download_disposition(client_as, doc_ids):
    header = client_as("viewer").get(f"/api/v1/documents/{doc_ids['solution']}/file").headers["content-disposition"]
    assert header.startswith('attachment; filename="')
    assert header.endswith("filename*=UTF-8''" + quote("巡检机器人技术方案.docx"))
    assert header.isascii()


def test_file_download_audited(client_as, doc_ids, web_settings):
    client_as("viewer").get(f"/api/v1/documents/{doc_ids['solution']}/file")
    with session_scope(web_settings) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "download")).all()
    assert [(e.user, e.document_id) for e in events] == [("viewer", doc_ids["solution"])]


def test_file_missing_on_disk_not_found(client_as, doc_ids, web_settings):
    (web_settings.library_root / "documents/方案/巡检机器人技术方案.docx").unlink()
    response = client_as("viewer").get(f"/api/v1/documents/{doc_ids['solution']}/file")
    assert response.status_code == 404
    assert response.json()["code"] == "file_not_found"


def test_tag_add_listed(client_as, doc_ids):
    body = client_as("editor").put(f"/api/v1/documents/{doc_ids['solution']}/tags/{quote('重点项目')}").json()
    assert body["tags"] == ["重点项目"]


def test_tag_add_searchable(client_as, doc_ids):
    client = client_as("token_write")
    client.put(f"/api/v1/documents/{doc_ids['case']}/tags/样板工程")
    results = client.get("/api/v1/search", params={"tag": "样板工程"}).json()["results"]
    assert [r["id"] for r in results] == [doc_ids["case"]]


def test_tag_remove(client_as, doc_ids):
    client = client_as("token_write")
    client.put(f"/api/v1/documents/{doc_ids['case']}/tags/甲")
    client.put(f"/api/v1/documents/{doc_ids['case']}/tags/乙")
    body = client.delete(f"/api/v1/documents/{doc_ids['case']}/tags/甲").json()
    assert body["tags"] == ["乙"]


def test_tag_on_hidden_document_not_found(client_as, doc_ids):
    response = client_as("token_write").put(f"/api/v1/documents/{doc_ids['quote']}/tags/重点")
    assert response.status_code == 404


def test_tag_blank_rejected(client_as, doc_ids):
    response = client_as("token_write").put(f"/api/v1/documents/{doc_ids['case']}/tags/%20")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_tag"
