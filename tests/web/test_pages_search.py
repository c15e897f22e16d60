"""The search page: highlighted results, facet counts, filters and the confidential documents hidden from a viewer."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from test_pages_support import (  # noqa: F401  (fixtures are used by name)
    client_for,
    ids,
    pages_app,
    pages_settings,
    parse,
    texts,
)


def _facet_counts(root, title: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for section in root.xpath('//section[@class="facet"]'):
        if section.xpath("string(h2)") != title:
            continue
        for link in section.xpath(".//a"):
            counts[link.xpath('string(span[@class="facet-label"])')] = int(link.xpath('string(span[@class="count"])'))
    return counts


def test_search_page_highlights_snippets(client_for):
    root = parse(client_for("boss").get("/", params={"q": "雷达 维修"}).text)

    marks = root.xpath('//li[@class="result"]//p[@class="snippet"]/mark')
    assert marks, "no highlighted snippet"
    assert {m.text_content() for m in marks} & {"雷达", "维修"}
    assert texts(root, '//p[@class="count"]/strong')[0] == "3"
    links = root.xpath('//li[@class="result"]//h2/a/@href')
    assert all(href.startswith("/documents/") for href in links)


def test_search_page_facet_counts_for_admin(client_for):
    root = parse(client_for("boss").get("/", params={"q": "雷达 维修"}).text)

    assert _facet_counts(root, "资料库") == {"报价库": 1, "案例库": 1, "作业指导书": 1}


def test_search_page_viewer_never_sees_quotes(client_for):
    root = parse(client_for("reader").get("/", params={"q": "雷达 维修 报价"}).text)

    assert "报价库" not in _facet_counts(root, "资料库")
    assert not [t for t in texts(root, '//li[@class="result"]//h2') if "报价单" in t]
    assert "报价库" not in texts(root, '//select[@name="library"]/option')


def test_search_page_viewer_library_filter_on_quotes_ignored(client_for):
    root = parse(client_for("reader").get("/", params={"q": "报价单", "library": "quotes"}).text)

    assert not [t for t in texts(root, '//li[@class="result"]//h2') if "报价单" in t]


def test_search_page_library_filter_keeps_other_counts(client_for):
    root = parse(client_for("boss").get("/", params={"q": "雷达 维修", "library": "cases"}).text)

    assert texts(root, '//p[@class="count"]/strong') == ["1"]
    assert _facet_counts(root, "资料库")["报价库"] == 1
    assert texts(root, '//ul[@class="active-filters"]/li/span') == ["资料库：案例库"]


def test_search_page_empty_result_lists_filters(client_for, ids):
    customer = ids.customers["中远海运"]
    root = parse(client_for("boss").get("/", params={"q": "雷达", "customer": str(customer), "format": "pdf"}).text)

    empty = root.xpath('//div[@class="empty"]')
    assert empty, "empty result notice missing"
    remove_links = empty[0].xpath(".//li/a")
    labels = [" ".join(a.text_content().split()) for a in remove_links]
    assert "移除“客户：中远海运”" in labels
    assert "移除“格式：PDF”" in labels
    removed = parse_qs(urlsplit(remove_links[labels.index("移除“格式：PDF”")].get("href")).query)
    assert removed == {"q": ["雷达"], "customer": [str(customer)]}


def test_search_page_tag_filter_without_words(client_for, ids):
    client = client_for("writer")
    token = parse(client.get(f"/documents/{ids.documents['case']}").text).xpath('//input[@name="csrf_token"]/@value')[0]
    client.post(f"/documents/{ids.documents['case']}/tags", data={"tag": "年度保障", "csrf_token": token})

    root = parse(client.get("/", params={"tag": "年度保障"}).text)

    assert texts(root, '//li[@class="result"]//h2') == ["苏气象雷达维修案例"]


def test_search_page_relaxed_notice(client_for):
    root = parse(client_for("boss").get("/", params={"q": "磁控管 宣传册"}).text)

    assert [t for t in texts(root, '//p[@class="notice"]') if "部分词语" in t]


def test_search_page_date_range_filter(client_for):
    client = client_for("boss")

    future = parse(client.get("/", params={"q": "雷达", "date_from": "2999-01-01"}).text)
    past = parse(client.get("/", params={"q": "雷达", "date_to": "2999-12-31"}).text)

    assert future.xpath('//div[@class="empty"]')
    assert int(texts(past, '//p[@class="count"]/strong')[0]) >= 3


def test_search_page_sort_by_date_and_pages(client_for):
    root = parse(client_for("boss").get("/", params={"q": "雷达", "sort": "date"}).text)

    assert texts(root, '//nav[@class="sort"]/span[@class="current"]') == ["按修改时间"]
    assert root.xpath('//li[@class="result"]')


def test_search_page_landing_shows_libraries(client_for):
    root = parse(client_for("reader").get("/").text)

    names = texts(root, '//ul[@class="shelves"]//span[@class="shelf-name"]')
    assert "案例库" in names
    assert "报价库" not in names
