from kb.search.plan import highlight_terms
from kb.search.query import parse_query
from kb.search.snippets import make_snippet


def _terms(q: str) -> list[str]:
    return highlight_terms(parse_query(q).clauses())


def test_snippet_marks_whole_term():
    snippet = make_snippet("本次为江苏省气象局提供雷达维修服务。", _terms("维修"))
    assert "<mark>维修</mark>" in snippet


def test_snippet_escapes_html():
    snippet = make_snippet("<script>alert(1)</script> 报价 & 价格", _terms("报价"))
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet


def test_snippet_marks_code_in_any_spelling():
    snippet = make_snippet("配套仪表为 QX 7200 频谱分析仪。", _terms("qx-7200"))
    assert "<mark>QX 7200</mark>" in snippet


def test_snippet_marks_phrase():
    snippet = make_snippet("施工前进行安全技术交底，并核对设备清单。", _terms('"安全技术交底"'))
    assert "<mark>安全技术交底</mark>" in snippet


def test_snippet_window_near_match_in_long_text():
    text = "前言。" * 200 + "这里提到了频谱分析仪的校准步骤。" + "结尾。" * 200
    snippet = make_snippet(text, _terms("校准"))
    assert "<mark>校准</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) < 300


def test_snippet_does_not_cut_code():
    text = "甲" * 110 + "型号ABC-1234结束" + "乙" * 50
    snippet = make_snippet(text, _terms("甲"))
    assert "ABC-12…" not in snippet
    assert "ABC-123…" not in snippet
