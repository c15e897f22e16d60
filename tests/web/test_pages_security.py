"""Login, CSRF and access rules of the HTML pages."""

from __future__ import annotations

import pytest

from test_pages_support import (  # noqa: F401  (fixtures are used by name)
    PAGES_PASSWORD,
    client_for,
    csrf_in,
    ids,
    pages_app,
    pages_settings,
    parse,
)

PAGE_PATHS = ["/", "/?q=雷达", "/upload", "/customers", "/opportunities", "/tags", "/admin/users", "/admin/audit"]


def _post_forms(client, pages: list[str]) -> dict[str, tuple[dict[str, str], list[str]]]:
    """Collect every POST form of the given pages: action -> (field values without the CSRF token, file fields)."""
    forms: dict[str, tuple[dict[str, str], list[str]]] = {}
    for page in pages:
        for form in parse(client.get(page).text).xpath('//form[@method="post"]'):
            inputs = form.xpath(".//input[@name] | .//select[@name]")
            fields = {el.get("name"): el.get("value") or "1" for el in inputs if el.get("name") != "csrf_token" and el.get("type") != "file"}
            file_fields = [el.get("name") for el in inputs if el.get("type") == "file"]
            forms.setdefault(form.get("action"), (fields, file_fields))
    return forms


def test_every_post_form_without_csrf_is_403(client_for, ids):
    client = client_for("boss")
    doc = ids.documents["case"]
    # One tag, customer and opportunity on the document, so that its remove forms are shown too.
    token = csrf_in(client.get(f"/documents/{doc}").text)
    client.post(f"/documents/{doc}/tags", data={"tag": "测试", "csrf_token": token})
    client.post(f"/documents/{doc}/customers", data={"customer_id": str(ids.customers["中远海运"]), "csrf_token": token})
    client.post(f"/documents/{doc}/opportunities", data={"opportunity_id": str(ids.opportunities["苏气象雷达年度保障"]), "csrf_token": token})

    forms = _post_forms(client, ["/", f"/documents/{doc}", "/upload", "/admin/users"])

    expected = {
        "/logout",
        f"/documents/{doc}/tags",
        f"/documents/{doc}/tags/remove",
        f"/documents/{doc}/customers",
        f"/documents/{doc}/customers/remove",
        f"/documents/{doc}/opportunities",
        f"/documents/{doc}/opportunities/remove",
        "/upload",
        "/admin/users",
    }
    assert expected <= set(forms)
    assert any(action.endswith("/password") for action in forms)
    for action, (fields, file_fields) in forms.items():
        files = [(name, ("记录.txt", "雷达巡检记录".encode(), "text/plain")) for name in file_fields]
        response = client.post(action, data=fields, files=files or None, follow_redirects=False)
        assert response.status_code == 403, action


def test_login_form_without_csrf_is_403(client_for):
    client = client_for(None)
    client.get("/login")

    response = client.post("/login", data={"name": "reader", "password": PAGES_PASSWORD}, follow_redirects=False)

    assert response.status_code == 403


def test_upload_without_csrf_is_403(client_for):
    response = client_for("writer").post("/upload", data={"library": "cases"}, files={"files": ("a.txt", "维修记录".encode(), "text/plain")})

    assert response.status_code == 403


@pytest.mark.parametrize("path", [*PAGE_PATHS, "/documents/1", "/documents/1/download", "/customers/1", "/opportunities/1"])
def test_anonymous_page_redirects_to_login(client_for, path):
    response = client_for(None).get(path, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_login_then_returns_to_next_page(client_for):
    client = client_for(None)
    login_page = client.get("/tags")
    token = csrf_in(login_page.text)
    next_value = parse(login_page.text).xpath('//input[@name="next"]/@value')[0]

    response = client.post("/login", data={"name": "reader", "password": PAGES_PASSWORD, "csrf_token": token, "next": next_value}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/tags"


def test_login_rate_limit_after_five_failures(client_for):
    client = client_for(None)
    token = csrf_in(client.get("/login").text)
    statuses = [
        client.post("/login", data={"name": "reader", "password": "wrong-password", "csrf_token": token}).status_code for _ in range(5)
    ]

    blocked = client.post("/login", data={"name": "reader", "password": PAGES_PASSWORD, "csrf_token": token})

    assert statuses == [401] * 5
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.text


@pytest.mark.parametrize("path", ["/upload"])
def test_viewer_cannot_open_editor_pages(client_for, path):
    assert client_for("reader").get(path).status_code == 403


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit"])
def test_editor_cannot_open_admin_pages(client_for, path):
    assert client_for("writer").get(path).status_code == 403


def test_every_page_shows_user_and_logout(client_for):
    client = client_for("boss")
    for path in PAGE_PATHS:
        root = parse(client.get(path).text)
        assert root.xpath('string(//span[@class="username"])') == "boss", path
        assert root.xpath('//form[@action="/logout"]//button'), path
        assert root.xpath('//nav[@class="nav"]/a[@href="/admin/users"]'), path
