"""GET /api/v1/suggest and the search page's query explanation."""

from __future__ import annotations

from lxml import html as lxml_html


def _texts(client, q: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/suggest", params={"q": q})
    assert response.status_code == 200, response.text
    return [s["text"] for s in response.json()["suggestions"]]


def test_suggest_title_by_pinyin_initials(client_as):
    assert "巡检机器人成本测算" not in _texts(client_as("viewer"), "xjjqr")
    assert any("巡检" in t for t in _texts(client_as("viewer"), "xjjqr"))


def test_suggest_hides_confidential_titles(client_as):
    assert "变电站巡检机器人报价单" not in _texts(client_as("viewer"), "变电站")
    assert "变电站巡检机器人报价单" in _texts(client_as("viewer_quotes"), "变电站")


def test_suggest_requires_login(client_as):
    response = client_as("anonymous").get("/api/v1/suggest", params={"q": "巡检"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_search_page_names_emptying_word(client_as):
    page = client_as("viewer").get("/", params={"q": "根本不存在词"})
    tree = lxml_html.fromstring(page.text)
    assert "根本不存在词" in tree.xpath("string(//p[@class='emptied-by'])")


def test_search_page_shows_segmentation(client_as):
    page = client_as("viewer").get("/", params={"q": "巡检机器人"})
    tree = lxml_html.fromstring(page.text)
    assert "巡检 / 机器人" in tree.xpath("string(//details[@class='explain'])")
