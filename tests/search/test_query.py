import pytest

from kb.search.query import Clause, parse_query


def test_parse_plain_words_all_required():
    parsed = parse_query("雷达 维修 报价")
    assert parsed.groups == ((Clause("雷达"),), (Clause("维修"),), (Clause("报价"),))


def test_parse_phrase_exclusion_or_and_filters():
    parsed = parse_query('"设备清单" -草稿 报价 OR 价格 library:quotes 标签：雷达')
    assert parsed.groups[0] == (Clause("设备清单", phrase=True),)
    assert parsed.excluded == (Clause("草稿"),)
    assert parsed.groups[1] == (Clause("报价"), Clause("价格"))
    assert parsed.filters == {"library": ("quotes",), "tag": ("雷达",)}


def test_parse_unknown_field_is_plain_text():
    parsed = parse_query("foo:bar")
    assert parsed.groups == ((Clause("foo:bar"),),)


@pytest.mark.parametrize("raw", ['"未闭合', '""', "-", "OR", ":::", "\x00\x01", "library:", '-""', "（）【】"])
def test_parse_malformed_never_raises(raw):
    parsed = parse_query(raw)
    assert isinstance(parsed.raw, str)
