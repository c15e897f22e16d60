"""What an editor does in a real browser: search, filter, tag, link, upload and download.

Set KB_SCREENSHOTS=1 to write docs/screenshots/search.png and document.png from the run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import docx

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("KB_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name))


def _search(page, base: str, words: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/")
    page.fill("input[name=q]", words)
    page.click("form.search button[type=submit]")
    page.wait_for_selector("p.count, div.empty")


def test_search_highlights_and_library_filter(page, live_server):
    _search(page, live_server.url, "雷达 维修")

    assert page.locator("li.result").count() > 0
    assert page.locator("li.result p.snippet mark").count() > 0
    total = int(page.locator("p.count strong").inner_text())
    assert total > 1
    _screenshot(page, "search.png")

    page.locator("section.facet:has(h2:text-is('资料库'))").locator("a", has_text="案例库").click()
    page.wait_for_url(re.compile(r"library=cases"))
    badges = page.locator("li.result .badge").all_inner_texts()
    assert badges
    assert set(badges) == {"案例库"}
    assert int(page.locator("p.count strong").inner_text()) < total


def test_document_tag_and_customer_link(page, live_server):
    _search(page, live_server.url, "雷达 维修")
    page.locator("li.result h2 a").first.click()
    page.wait_for_url(re.compile(r"/documents/\d+$"))

    page.fill("input[name=tag]", "重点案例")
    page.click("button:has-text('添加标签')")
    page.wait_for_selector("ul.chips >> text=重点案例")
    customers = page.locator("section.panel:has(h2:text-is('客户'))")
    customers.locator("select[name=customer_id]").select_option(label="江苏省气象局")
    customers.locator("button:has-text('关联')").click()
    page.wait_for_selector("p.message-ok >> text=已关联客户“江苏省气象局”。")

    assert page.locator("ul.chips a", has_text="重点案例").count() == 1
    assert page.locator("section.panel a[href^='/customers/']", has_text="江苏省气象局").count() == 1
    _screenshot(page, "document.png")


def test_upload_then_search_and_download(page, live_server, tmp_path):
    name = "宁波港雷达巡检报告.docx"
    document = docx.Document()
    document.core_properties.title = "宁波港雷达巡检报告"
    document.add_paragraph("宁波港引航站导航雷达季度巡检，磁控管工作电流正常，馈线驻波比一点二。")
    source = tmp_path / name
    document.save(str(source))

    page.goto(f"{live_server.url}/upload")
    page.set_input_files("input[name=files]", str(source))
    page.select_option("select[name=library]", "cases")
    page.fill("input[name=tags]", "巡检")
    page.click("form[action='/upload'] button[type=submit]")
    page.wait_for_selector("li.report-stored")

    _search(page, live_server.url, "宁波港 巡检")
    page.locator("li.result h2 a", has_text="宁波港雷达巡检报告").click()
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    with page.expect_download() as info:
        page.click("a:has-text('下载原文件')")
    download = info.value

    assert download.suggested_filename == name
    assert Path(download.path()).read_bytes() == source.read_bytes()


def test_api_docs_render_offline(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".opblock-summary-path, .errors-wrapper")
    assert page.locator(".errors-wrapper").count() == 0
    assert page.locator(".opblock-summary-path", has_text="/api/v1/search").count() >= 1
    assert [url for url in requested if not url.startswith(live_server.url)] == []


def test_search_box_suggests_by_pinyin(page, live_server):
    page.goto(f"{live_server.url}/")
    page.fill("input[name=q]", "leida")
    page.wait_for_function("document.querySelectorAll('#kb-suggestions option').length > 0")
    values = page.locator("#kb-suggestions option").evaluate_all("options => options.map(o => o.value)")
    assert any("雷达" in value for value in values)
