"""Analysis rules checked end to end: real files ingested, then searched through the service."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from kb.db import get_engine
from kb.ingest.pipeline import run_ingest
from kb.models import Customer
from kb.search import analyzer, lexicon, open_backend
from kb.search.backend import SearchFilters
from kb.search.service import run_search
from tests.conftest import write_docx, write_text


@pytest.fixture
def indexed(settings, library_dir):
    write_text(library_dir, "quotes/苏气象雷达维修报价.txt", "江苏省气象局 JDX-2000 雷达年度维修报价，含税合计 72 万元。")
    write_text(library_dir, "cases/港湾维修案例.txt", "香港港灣航運：導航雷達維修案例，更換磁控管。")
    write_text(library_dir, "instructions/施工作业指导书.txt",
               "施工作业指导书\n一、开工前进行安全技术交底。\n二、脚手架搭设须验收。\n三、核对设备清单后进场。")
    write_text(library_dir, "documents/设备说明.txt", "本说明列出设备、清单格式和交底要求，仅供参考。")
    write_docx(library_dir, "publicity/频谱仪宣传.docx", "QX-7200 频谱分析仪", ["ＱＸ－７２００ 实时带宽 40MHz，适合民航干扰排查。"])
    backend = open_backend(settings)
    run_ingest(settings, backend)
    yield backend
    backend.close()


def search(settings, backend, q: str, **kw):
    with Session(get_engine(settings)) as session:
        return run_search(session, backend, q, SearchFilters(**kw), limit=10)


def paths(settings, backend, q: str) -> list[str]:
    return [r.path for r in search(settings, backend, q).results]


def test_traditional_query_finds_simplified(settings, indexed):
    assert paths(settings, indexed, "維修 報價") == ["quotes/苏气象雷达维修报价.txt"]


def test_simplified_query_finds_traditional(settings, indexed):
    assert "cases/港湾维修案例.txt" in paths(settings, indexed, "导航雷达 维修")


def test_full_width_code_found_by_half_width(settings, indexed):
    assert paths(settings, indexed, "qx7200") == ["publicity/频谱仪宣传.docx"]


def test_synonym_finds_other_spelling(settings, indexed):
    assert "quotes/苏气象雷达维修报价.txt" in paths(settings, indexed, "雷达 价格")


def test_synonym_ranks_below_literal(settings, indexed, library_dir):
    write_text(library_dir, "quotes/雷达价格表.txt", "雷达备件价格表")
    run_ingest(settings, indexed)
    assert paths(settings, indexed, "雷达 价格")[0] == "quotes/雷达价格表.txt"


def test_stopword_only_query_still_searches(settings, indexed):
    assert search(settings, indexed, "和").total > 0


def test_stopwords_do_not_block_match(settings, indexed):
    assert "quotes/苏气象雷达维修报价.txt" in paths(settings, indexed, "雷达 的 维修")


def test_single_character_query(settings, indexed):
    assert "quotes/苏气象雷达维修报价.txt" in paths(settings, indexed, "雷")


@pytest.mark.parametrize("phrase", ['"设备清单"', '"安全技术交底"', '"脚手架搭设"'])
def test_phrase_finds_document_and_highlights(settings, indexed, phrase):
    page = search(settings, indexed, phrase)
    assert [r.path for r in page.results] == ["instructions/施工作业指导书.txt"]
    assert f"<mark>{phrase.strip(chr(34))}</mark>" in page.results[0].snippet


def test_phrase_never_finds_fewer_than_words_side_by_side(settings, indexed):
    words = set(paths(settings, indexed, "设备 清单"))
    phrase = set(paths(settings, indexed, '"设备清单"'))
    assert phrase <= words
    assert "instructions/施工作业指导书.txt" in phrase


@pytest.mark.parametrize("q", ['"未闭合', "-", "OR", "library:", "（", "\x00", "a" * 600, "😀 雷达"])
def test_malformed_query_never_raises(settings, indexed, q):
    assert search(settings, indexed, q).total >= 0


def test_snippet_escapes_document_html(settings, indexed, library_dir):
    write_text(library_dir, "documents/脚本.txt", "<b>报警</b> 雷达天线 <script>x</script>")
    run_ingest(settings, indexed)
    snippet = search(settings, indexed, "雷达天线").results[0].snippet
    assert "<b>" not in snippet
    assert "&lt;b&gt;" in snippet


def test_user_dictionary_file_reloaded_without_restart(settings, indexed, monkeypatch):
    monkeypatch.setattr(lexicon, "REFRESH_INTERVAL", 0.0)
    assert analyzer.main_words("港湾航运") != ["港湾航运"]
    (settings.data_root / "dictionary.txt").write_text("港湾航运 9000 nz\n", encoding="utf-8")
    search(settings, indexed, "雷达")
    assert analyzer.main_words("港湾航运") == ["港湾航运"]


def test_user_dictionary_takes_customer_names(settings, indexed, monkeypatch):
    monkeypatch.setattr(lexicon, "REFRESH_INTERVAL", 0.0)
    with Session(get_engine(settings)) as session:
        session.add(Customer(name="江苏省气象局", aliases="苏气象", external_id="C1"))
        session.commit()
    search(settings, indexed, "雷达")
    assert analyzer.main_words("苏气象") == ["苏气象"]


def test_synonym_file_reloaded_without_restart(settings, indexed, monkeypatch):
    monkeypatch.setattr(lexicon, "REFRESH_INTERVAL", 0.0)
    assert "publicity/频谱仪宣传.docx" not in paths(settings, indexed, "干扰定位")
    (settings.data_root / "synonyms.txt").write_text("干扰定位, 干扰排查\n", encoding="utf-8")
    assert "publicity/频谱仪宣传.docx" in paths(settings, indexed, "干扰定位")


def test_removed_database_word_keeps_jieba_word(settings, indexed, monkeypatch):
    from sqlmodel import select

    from kb.models import Tag

    monkeypatch.setattr(lexicon, "REFRESH_INTERVAL", 0.0)
    assert analyzer.main_words("雷达维修") == ["雷达", "维修"]
    with Session(get_engine(settings)) as session:
        session.add(Tag(name="雷达"))
        session.commit()
    search(settings, indexed, "巡检")
    with Session(get_engine(settings)) as session:
        session.delete(session.exec(select(Tag).where(Tag.name == "雷达")).one())
        session.commit()
    search(settings, indexed, "巡检")
    assert analyzer.main_words("雷达维修") == ["雷达", "维修"]
