from kb.search import analyzer


def test_normalise_folds_full_width_and_case():
    assert analyzer.normalise("ＱＸ－７２００") == "qx-7200"


def test_normalise_keeps_length():
    text = "Ｈｅｌｌｏ，世界！ＡＢＣ"
    assert len(analyzer.normalise(text)) == len(text)


def test_normalise_maps_kangxi_radicals():
    # U+2F45 KANGXI RADICAL SQUARE is the character 方 in some PDF fonts.
    assert analyzer.normalise("\u2f45案") == "方案"


def test_word_tokens_keep_subwords_at_same_position():
    tokens = analyzer.word_tokens("雷达维修报价单")
    by_text = {t.text: t.pos for t in tokens}
    assert by_text["报价单"] == by_text["报价"]


def test_word_tokens_code_joined_and_parts():
    texts = {t.text for t in analyzer.word_tokens("型号 QX-7200")}
    assert {"qx7200", "qx", "7200"} <= texts


def test_word_tokens_code_spellings_agree():
    joined = {t.text for t in analyzer.word_tokens("QX7200")}
    dashed = {t.text for t in analyzer.word_tokens("ＱＸ－７２００")}
    assert joined == dashed


def test_word_tokens_positions_are_ordinals():
    positions = [t.pos for t in analyzer.word_tokens("安全技术交底")]
    assert positions == [0, 1, 2]


def test_gram_tokens_bigrams_and_run_end():
    grams = [t.text for t in analyzer.gram_tokens("设备清单")]
    assert grams == ["设备", "备清", "清单", "单"]


def test_grams_sequence_for_query_drops_run_end():
    assert analyzer.grams_sequence("设备清单") == ["设备", "备清", "清单"]


def test_query_terms_are_produced_at_index_time():
    document = "江苏省气象局JDX-2000雷达年度维修报价单"
    indexed = {t.text for t in analyzer.word_tokens(document)}
    for query in ("报价单", "维修", "jdx2000", "雷达"):
        assert set(analyzer.main_words(query)) <= indexed, query


def test_gram_tokens_cover_kana():
    grams = [t.text for t in analyzer.gram_tokens("あいうえお")]
    assert "あい" in grams
