"""The document page: metadata, preview, tags, links, related documents, versions and downloads."""

from __future__ import annotations

from sqlmodel import select

from kb.db import session_scope
from kb.models import AuditEvent
from test_pages_support import (  # noqa: F401  (fixtures are used by name)
    SCRIPT_TITLE,
    client_for,
    csrf_in,
    ids,
    pages_app,
    pages_settings,
    parse,
    texts,
)


def _metadata(root) -> dict[str, str]:
    terms = texts(root, '//dl[@class="meta-list"][1]/dt')
    values = texts(root, '//dl[@class="meta-list"][1]/dd')
    return dict(zip(terms, values, strict=True))


def test_document_page_shows_metadata_and_preview(client_for, ids):
    root = parse(client_for("reader").get(f"/documents/{ids.documents['case']}").text)

    assert texts(root, "//h1") == ["苏气象雷达维修案例"]
    meta = _metadata(root)
    assert meta["资料库"] == "案例库"
    assert meta["目录"] == "2024"
    assert meta["文件名"] == "苏气象雷达维修案例.docx"
    assert meta["格式"] == "Word"
    assert meta["版本"] == "第 1 版"
    assert meta["需要 OCR"] == "否"
    paragraphs = texts(root, '//div[@class="preview-text"]/p')
    assert "维修后雷达恢复正常运行。" in paragraphs
    assert texts(root, '//a[contains(@class, "primary")]') == ["下载原文件"]


def test_document_page_lists_versions_and_related(client_for, ids):
    root = parse(client_for("reader").get(f"/documents/{ids.documents['case']}").text)

    assert texts(root, "//table[@class='compact']/tbody/tr/td[1]") == ["第 1 版"]
    related = root.xpath('//section[h2="相关文档"]//a/@href')
    assert f"/documents/{ids.documents['guide']}" in related
    assert f"/documents/{ids.documents['quote']}" not in related


def test_document_page_title_is_escaped(client_for, ids):
    response = client_for("reader").get(f"/documents/{ids.documents['script']}")

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert texts(parse(response.text), "//h1") == [SCRIPT_TITLE]


def test_search_result_title_is_escaped(client_for):
    response = client_for("reader").get("/", params={"q": "尖括号"})

    assert "<script>alert(1)</script>" not in response.text
    assert texts(parse(response.text), '//li[@class="result"]//h2') == [SCRIPT_TITLE]


def test_document_page_hidden_library_is_404(client_for, ids):
    client = client_for("reader")

    hidden = client.get(f"/documents/{ids.documents['quote']}")
    missing = client.get("/documents/999999")

    assert hidden.status_code == 404
    assert missing.status_code == 404
    assert texts(parse(hidden.text), "//section[@class='error']/p[1]") == texts(parse(missing.text), "//section[@class='error']/p[1]")


def test_download_hidden_library_is_404(client_for, ids):
    assert client_for("reader").get(f"/documents/{ids.documents['quote']}/download").status_code == 404


def test_download_header_has_utf8_file_name(client_for, ids, pages_settings):
    response = client_for("boss").get(f"/documents/{ids.documents['quote']}/download")

    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95.docx" in disposition
    assert disposition.isascii()
    assert response.content == (pages_settings.library_root / "quotes/华东区/报价单.docx").read_bytes()
    with session_scope(pages_settings) as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.document_id == ids.documents["quote"])).all()
    assert "download" in actions


def test_tag_add_and_remove(client_for, ids):
    client = client_for("writer")
    url = f"/documents/{ids.documents['case']}"
    token = csrf_in(client.get(url).text)

    added = client.post(f"{url}/tags", data={"tag": "气象 雷达", "csrf_token": token})
    tags_after_add = texts(parse(added.text), '//ul[@class="chips"]/li/a')
    removed = client.post(f"{url}/tags/remove", data={"tag": "气象 雷达", "csrf_token": token})
    tags_after_remove = texts(parse(removed.text), '//ul[@class="chips"]/li/a')

    assert tags_after_add == ["气象 雷达"]
    assert "已添加标签“气象 雷达”。" in texts(parse(added.text), '//p[contains(@class, "message")]')
    assert tags_after_remove == []


def test_tag_is_searchable_at_once(client_for, ids):
    client = client_for("writer")
    url = f"/documents/{ids.documents['brochure']}"
    client.post(f"{url}/tags", data={"tag": "航海博览会", "csrf_token": csrf_in(client.get(url).text)})

    root = parse(client.get("/", params={"q": "航海博览会"}).text)

    assert texts(root, '//li[@class="result"]//h2') == ["华辰电子公司宣传册"]


def test_customer_link_and_unlink(client_for, ids):
    client = client_for("writer")
    url = f"/documents/{ids.documents['case']}"
    customer = ids.customers["江苏省气象局"]
    token = csrf_in(client.get(url).text)

    linked = parse(client.post(f"{url}/customers", data={"customer_id": str(customer), "csrf_token": token}).text)
    customer_page = parse(client.get(f"/customers/{customer}").text)
    unlinked = parse(client.post(f"{url}/customers/remove", data={"customer_id": str(customer), "csrf_token": token}).text)

    assert linked.xpath(f'//section[h2="客户"]//li/a[@href="/customers/{customer}"]')
    assert texts(customer_page, '//ul[@class="doc-list"]/li/a') == ["苏气象雷达维修案例"]
    assert texts(customer_page, '//h3[@class="group-title"]')[0].startswith("案例库")
    assert not unlinked.xpath(f'//section[h2="客户"]//li/a[@href="/customers/{customer}"]')


def test_opportunity_link_shows_on_opportunity_page(client_for, ids):
    client = client_for("writer")
    url = f"/documents/{ids.documents['guide']}"
    opportunity = ids.opportunities["苏气象雷达年度保障"]

    client.post(f"{url}/opportunities", data={"opportunity_id": str(opportunity), "csrf_token": csrf_in(client.get(url).text)})
    root = parse(client.get(f"/opportunities/{opportunity}").text)

    assert texts(root, '//ul[@class="doc-list"]/li/a') == ["雷达维修作业指导书"]


def test_viewer_gets_no_edit_forms(client_for, ids):
    root = parse(client_for("reader").get(f"/documents/{ids.documents['case']}").text)

    assert not root.xpath(f'//form[@action="/documents/{ids.documents["case"]}/tags"]')
    assert not root.xpath('//a[@href="/upload"]')


def test_viewer_cannot_post_tag(client_for, ids):
    client = client_for("reader")
    url = f"/documents/{ids.documents['case']}"

    response = client.post(f"{url}/tags", data={"tag": "x", "csrf_token": csrf_in(client.get(url).text)})

    assert response.status_code == 403
