"""The OpenAPI schema and the offline Swagger UI page."""

from __future__ import annotations

from html.parser import HTMLParser


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_docs_anonymous_redirected_to_login(client_as):
    response = client_as("anonymous").get("/docs", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_docs_assets_local(client_as):
    parser = _Assets()
    parser.feed(client_as("viewer").get("/docs").text)
    assert parser.urls
    assert all(url.startswith("/docs/assets/") for url in parser.urls)


def test_docs_assets_served(client_as):
    client = client_as("anonymous")
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200


def test_docs_asset_unknown_not_found(client_as):
    assert client_as("anonymous").get("/docs/assets/index.html").status_code == 404


def test_openapi_anonymous_unauthorized(client_as):
    response = client_as("anonymous").get("/openapi.json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_openapi_token_lists_endpoints(client_as):
    paths = client_as("token_read").get("/openapi.json").json()["paths"]
    assert "/api/v1/search" in paths
    assert "/api/v1/opportunities/{external_id}/recommendations" in paths


def test_openapi_documents_errors(client_as):
    operation = client_as("token_read").get("/openapi.json").json()["paths"]["/api/v1/documents/{document_id}"]["get"]
    assert {"401", "404"} <= set(operation["responses"])
    assert operation["summary"]


def test_openapi_upload_body_documented(client_as):
    operation = client_as("token_read").get("/openapi.json").json()["paths"]["/api/v1/documents"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]


def test_openapi_hides_pages(client_as):
    paths = client_as("token_read").get("/openapi.json").json()["paths"]
    assert "/login" not in paths
