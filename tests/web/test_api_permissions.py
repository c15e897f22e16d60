"""Permissions: every kind of caller reads and changes the same confidential quote."""

from __future__ import annotations

import pytest

# kind of caller: (authenticated, may see the quotes library, may write)
PRINCIPALS = {
    "viewer": (True, False, False),
    "editor": (True, False, True),
    "admin": (True, True, True),
    "viewer_quotes": (True, True, False),
    "token_read": (True, False, False),
    "token_write": (True, False, True),
    "token_read_quotes": (True, True, False),
    "anonymous": (False, False, False),
    "bad_token": (False, False, False),
    "revoked_token": (False, False, False),
    "tampered_cookie": (False, False, False),
    "expired_cookie": (False, False, False),
}
KINDS = list(PRINCIPALS)
AUTHENTICATED = [k for k, (auth, _, _) in PRINCIPALS.items() if auth]


@pytest.mark.parametrize("kind", KINDS)
def test_search_status_by_principal(client_as, kind):
    authenticated, _sees, _writes = PRINCIPALS[kind]
    response = client_as(kind).get("/api/v1/search", params={"q": "巡检机器人"})
    assert response.status_code == (200 if authenticated else 401)


@pytest.mark.parametrize("kind", [k for k in KINDS if not PRINCIPALS[k][0]])
def test_search_unauthenticated_error_shape(client_as, kind):
    body = client_as(kind).get("/api/v1/search", params={"q": "报价"}).json()
    assert body["code"] in ("unauthorized", "invalid_token")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


@pytest.mark.parametrize("kind", AUTHENTICATED)
def test_search_results_hide_quotes(client_as, kind):
    _auth, sees_quotes, _writes = PRINCIPALS[kind]
    results = client_as(kind).get("/api/v1/search", params={"q": "巡检机器人"}).json()["results"]
    assert ("quotes" in {r["library"] for r in results}) == sees_quotes


@pytest.mark.parametrize("kind", AUTHENTICATED)
def test_search_facets_hide_quotes(client_as, kind):
    _auth, sees_quotes, _writes = PRINCIPALS[kind]
    facets = client_as(kind).get("/api/v1/search", params={"q": "巡检机器人"}).json()["facets"]
    assert ("quotes" in facets["library"]) == sees_quotes


@pytest.mark.parametrize("kind", AUTHENTICATED)
def test_search_total_matches_visible_results(client_as, kind):
    body = client_as(kind).get("/api/v1/search", params={"q": "巡检机器人", "page_size": 100}).json()
    assert body["total"] == len(body["results"])


def expected_status(authenticated: bool, allowed: bool, allowed_status: int, refused_status: int) -> int:
    """Return 401 for an anonymous caller, else the status for an allowed or a refused one."""
    if not authenticated:
        return 401
    return allowed_status if allowed else refused_status


@pytest.mark.parametrize("kind", KINDS)
def test_document_quote_visibility(client_as, doc_ids, kind):
    authenticated, sees_quotes, _writes = PRINCIPALS[kind]
    response = client_as(kind).get(f"/api/v1/documents/{doc_ids['quote']}")
    assert response.status_code == expected_status(authenticated, sees_quotes, 200, 404)


@pytest.mark.parametrize("kind", KINDS)
def test_file_quote_visibility(client_as, doc_ids, kind):
    authenticated, sees_quotes, _writes = PRINCIPALS[kind]
    response = client_as(kind).get(f"/api/v1/documents/{doc_ids['quote']}/file")
    assert response.status_code == expected_status(authenticated, sees_quotes, 200, 404)


@pytest.mark.parametrize("kind", [k for k in AUTHENTICATED if not PRINCIPALS[k][1]])
def test_document_hidden_answers_like_missing(client_as, doc_ids, kind):
    client = client_as(kind)
    hidden = client.get(f"/api/v1/documents/{doc_ids['quote']}").json()
    missing = client.get(f"/api/v1/documents/{doc_ids['quote'] + 1000}").json()
    assert hidden["code"] == missing["code"] == "not_found"
    assert hidden["message"] == missing["message"].replace(str(doc_ids["quote"] + 1000), str(doc_ids["quote"]))


@pytest.mark.parametrize("kind", KINDS)
def test_tag_write_permission(client_as, doc_ids, kind):
    authenticated, _sees, writes = PRINCIPALS[kind]
    response = client_as(kind).put(f"/api/v1/documents/{doc_ids['solution']}/tags/重点")
    assert response.status_code == expected_status(authenticated, writes, 200, 403)


@pytest.mark.parametrize("kind", KINDS)
def test_customer_write_permission(client_as, kind):
    authenticated, _sees, writes = PRINCIPALS[kind]
    response = client_as(kind).put("/api/v1/customers/C-1", json={"name": "华东电网"})
    assert response.status_code == expected_status(authenticated, writes, 201, 403)


def test_session_write_without_csrf_rejected(client_as, doc_ids):
    client = client_as("editor")
    del client.headers["X-CSRF-Token"]
    response = client.put(f"/api/v1/documents/{doc_ids['solution']}/tags/重点")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


@pytest.mark.parametrize("kind", ["editor", "token_write"])
def test_upload_into_ungranted_library_forbidden(client_as, kind):
    files = {"file": ("报价.txt", "华东电网报价说明".encode("utf-8"), "text/plain")}
    response = client_as(kind).post("/api/v1/documents", data={"library": "quotes"}, files=files)
    assert response.status_code == 403



def test_signed_cookie_fresh_accepted(client_as, web_settings, sign_session):
    # Control for the expired-cookie case: the same cookie dated now is accepted.
    from sqlmodel import select

    from kb.db import session_scope
    from kb.models import User

    with session_scope(web_settings) as session:
        user = session.exec(select(User).where(User.name == "admin")).one()
        data = {"uid": user.id, "stamp": user.password_hash[-12:], "csrf_token": "x"}
    client = client_as("anonymous")
    client.cookies.set("kb_session", sign_session(data, age_seconds=0))
    assert client.get("/api/v1/search", params={"q": "报价"}).status_code == 200
