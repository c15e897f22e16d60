"""Customer, opportunity and tag lists, and the administration pages."""

from __future__ import annotations

from test_pages_support import (  # noqa: F401  (fixtures are used by name)
    client_for,
    csrf_in,
    ids,
    log_in,
    pages_app,
    pages_settings,
    parse,
    texts,
)


def test_customer_list_search_by_alias(client_for):
    root = parse(client_for("reader").get("/customers", params={"q": "苏气象"}).text)

    assert texts(root, "//table//tbody/tr/td[1]") == ["江苏省气象局"]


def test_customer_list_search_by_external_id(client_for):
    root = parse(client_for("reader").get("/customers", params={"q": "C-002"}).text)

    assert texts(root, "//table//tbody/tr/td[1]") == ["中远海运"]


def test_opportunity_list_shows_customer(client_for):
    root = parse(client_for("reader").get("/opportunities", params={"q": "O-001"}).text)

    assert texts(root, "//table//tbody/tr/td[1]") == ["苏气象雷达年度保障"]
    assert texts(root, "//table//tbody/tr/td[2]") == ["江苏省气象局"]


def test_customer_page_hides_confidential_documents(client_for, ids):
    writer, boss = client_for("writer"), client_for("boss")
    customer = ids.customers["江苏省气象局"]
    for doc in (ids.documents["quote"], ids.documents["case"]):
        url = f"/documents/{doc}"
        boss.post(f"{url}/customers", data={"customer_id": str(customer), "csrf_token": csrf_in(boss.get(url).text)})

    seen_by_writer = texts(parse(writer.get(f"/customers/{customer}").text), '//ul[@class="doc-list"]/li/a')
    seen_by_boss = texts(parse(boss.get(f"/customers/{customer}").text), '//ul[@class="doc-list"]/li/a')

    assert seen_by_writer == ["苏气象雷达维修案例"]
    assert sorted(seen_by_boss) == ["JDX-2000 雷达维修报价单", "苏气象雷达维修案例"]


def test_tag_list_counts_visible_documents(client_for, ids):
    boss = client_for("boss")
    for doc in (ids.documents["quote"], ids.documents["case"]):
        url = f"/documents/{doc}"
        boss.post(f"{url}/tags", data={"tag": "雷达", "csrf_token": csrf_in(boss.get(url).text)})

    reader_root = parse(client_for("reader").get("/tags").text)
    boss_root = parse(boss.get("/tags").text)

    assert reader_root.xpath('string(//ul[@class="tag-cloud"]/li/a/span)') == "1"
    assert boss_root.xpath('string(//ul[@class="tag-cloud"]/li/a/span)') == "2"
    assert reader_root.xpath('//ul[@class="tag-cloud"]/li/a/@href') == ["/?tag=%E9%9B%B7%E8%BE%BE"]


def test_admin_adds_user_who_can_log_in(client_for):
    boss = client_for("boss")
    token = csrf_in(boss.get("/admin/users").text)

    response = boss.post("/admin/users", data={"name": "newbie", "password": "newbie-pass-1", "role": "viewer", "grants": ["quotes"], "csrf_token": token})
    newbie = client_for(None)
    log_in(newbie, "newbie", "newbie-pass-1")

    assert "已添加用户“newbie”。" in texts(parse(response.text), '//p[contains(@class, "message")]')
    assert "报价库" in texts(parse(newbie.get("/").text), '//ul[@class="shelves"]//span[@class="shelf-name"]')


def test_admin_changes_role_and_resets_password(client_for, pages_settings):
    boss = client_for("boss")
    root = parse(boss.get("/admin/users").text)
    token = csrf_in(boss.get("/admin/users").text)
    reader_form = root.xpath('//form[.//select[@aria-label="reader 的角色"]]/@action')[0]

    boss.post(reader_form, data={"role": "editor", "active": "on", "csrf_token": token})
    boss.post(f"{reader_form}/password", data={"password": "reset-pass-77", "csrf_token": token})
    reader = client_for(None)
    log_in(reader, "reader", "reset-pass-77")

    assert reader.get("/upload").status_code == 200


def test_admin_cannot_demote_self(client_for):
    boss = client_for("boss")
    root = parse(boss.get("/admin/users").text)
    own_form = root.xpath('//form[.//select[@aria-label="boss 的角色"]]/@action')[0]

    response = boss.post(own_form, data={"role": "viewer", "active": "on", "csrf_token": csrf_in(boss.get("/admin/users").text)})

    assert [t for t in texts(parse(response.text), '//p[contains(@class, "message-error")]') if "不能取消自己的管理员角色" in t]
    assert boss.get("/admin/audit").status_code == 200


def test_audit_page_lists_downloads_with_document_link(client_for, ids):
    boss = client_for("boss")
    boss.get(f"/documents/{ids.documents['case']}/download")

    root = parse(boss.get("/admin/audit").text)

    first = root.xpath("//table[contains(@class, 'audit')]/tbody/tr[1]")[0]
    assert " ".join(first.xpath("string(td[3])").split()) == "下载"
    assert first.xpath("td[4]/a/@href") == [f"/documents/{ids.documents['case']}"]
