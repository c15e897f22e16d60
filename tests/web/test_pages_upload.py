"""The upload page: stored, duplicate and rejected files, each reported on one line."""

from __future__ import annotations

from sqlmodel import select

from kb.db import session_scope
from kb.models import AuditEvent
from test_pages_support import (  # noqa: F401  (fixtures are used by name)
    PAGE_CORPUS,
    PAGES_MAX_UPLOAD,
    client_for,
    csrf_in,
    docx_bytes,
    ids,
    pages_app,
    pages_settings,
    parse,
    texts,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _upload(client, files, **fields):
    token = csrf_in(client.get("/upload").text)
    data = {"library": "cases", "csrf_token": token, **fields}
    return client.post("/upload", data=data, files=[("files", f) for f in files])


def _reports(response) -> list[tuple[str, str]]:
    root = parse(response.text)
    return [(li.get("class").split()[-1], " ".join(li.text_content().split())) for li in root.xpath('//li[contains(@class, "report ")]')]


def test_upload_stores_and_is_searchable(client_for, tmp_path, ids, pages_settings):
    client = client_for("writer")
    data = docx_bytes(tmp_path / "made", "深圳空管雷达巡检报告.docx", "深圳空管雷达巡检报告", ["深圳空管一次雷达巡检，发现馈线驻波比偏高。"])

    response = _upload(client, [("深圳空管雷达巡检报告.docx", data, DOCX)], tags="巡检、空管", customer_id=str(ids.customers["中远海运"]))
    results = parse(client.get("/", params={"q": "驻波比"}).text)

    assert response.status_code == 200
    assert [status for status, _ in _reports(response)] == ["report-stored"]
    link = parse(response.text).xpath('//li[contains(@class, "report-stored")]/a/@href')[0]
    assert texts(results, '//li[@class="result"]//h2') == ["深圳空管雷达巡检报告"]
    assert (pages_settings.library_root / "cases" / "深圳空管雷达巡检报告.docx").read_bytes() == data
    document = parse(client.get(link).text)
    assert texts(document, '//ul[@class="chips"]/li/a') == ["巡检", "空管"]
    assert texts(document, '//section[h2="客户"]//li/a') == ["中远海运"]
    with session_scope(pages_settings) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "upload")).first() is not None


def test_upload_title_for_single_file(client_for):
    client = client_for("writer")

    _upload(client, [("说明.txt", "天线罩清洁步骤说明。".encode(), "text/plain")], title="天线罩清洁说明")
    results = parse(client.get("/", params={"q": "天线罩"}).text)

    assert texts(results, '//li[@class="result"]//h2') == ["天线罩清洁说明"]


def test_upload_duplicate_links_existing(client_for, ids, pages_settings):
    rel = PAGE_CORPUS["case"][0]
    data = (pages_settings.library_root / rel).read_bytes()

    response = _upload(client_for("writer"), [("副本.docx", data, DOCX)])

    assert [status for status, _ in _reports(response)] == ["report-duplicate"]
    href = parse(response.text).xpath('//li[contains(@class, "report-duplicate")]/a/@href')
    assert href == [f"/documents/{ids.documents['case']}"]


def test_upload_rejected_files_give_reasons(client_for):
    files = [
        ("空文件.txt", b"", "text/plain"),
        ("图片.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "image/png"),
        ("过大.txt", ("雷达" * (PAGES_MAX_UPLOAD // 3)).encode(), "text/plain"),
    ]

    reports = _reports(_upload(client_for("writer"), files))

    assert [status for status, _ in reports] == ["report-rejected"] * 3
    assert "文件为空" in reports[0][1]
    assert "图片.png" in reports[1][1]
    assert "文件过大" in reports[2][1]


def test_upload_several_files_reported_each(client_for, tmp_path):
    good = ("巡检记录.txt", "十月份雷达巡检记录。".encode(), "text/plain")
    empty = ("空.txt", b"", "text/plain")

    reports = _reports(_upload(client_for("writer"), [good, empty]))

    assert [status for status, _ in reports] == ["report-stored", "report-rejected"]


def test_upload_to_hidden_library_rejected(client_for):
    reports = _reports(_upload(client_for("writer"), [("报价.txt", "雷达报价。".encode(), "text/plain")], library="quotes"))

    assert [status for status, _ in reports] == ["report-rejected"]


def test_upload_form_offers_only_visible_libraries(client_for):
    options = parse(client_for("writer").get("/upload").text).xpath('//select[@name="library"]/option/@value')

    assert "quotes" not in options
    assert "cases" in options
