"""invoices.lookalikes and normalize_text: radicals that print as Chinese characters made those characters."""

import unicodedata

import pytest

from invoices.fapiao import normalize_text
from invoices.lookalikes import RADICAL_SUPPLEMENT, unify_lookalikes

# The CJK Radicals Supplement characters NFKC leaves alone, with what they print as.
NOT_FOLDED_BY_NFKC = {
    "⻓": "长",
    "⻋": "车",
    "⻔": "门",
    "⻅": "见",
    "⻉": "贝",
    "⻛": "风",
    "⻜": "飞",
    "⻝": "食",
    "⻢": "马",
    "⻄": "西",
    "⻘": "青",
    "⻩": "黄",
    "⻚": "页",
    "⻬": "齐",
    "⻰": "龙",
}


@pytest.mark.parametrize(("radical", "character"), NOT_FOLDED_BY_NFKC.items())
def test_it_makes_a_radical_nfkc_misses_its_character(radical, character):
    assert unicodedata.normalize("NFKC", radical) == radical
    assert unify_lookalikes(radical) == character
    assert normalize_text(f"{radical}沙") == f"{character}沙"


@pytest.mark.parametrize(
    ("radical", "character"), [("⺟", "母"), ("⻳", "龟"), ("⽅", "方"), ("⽇", "日"), ("⾦", "金")]
)
def test_it_makes_the_radicals_nfkc_folds_their_characters_too(radical, character):
    assert unify_lookalikes(radical) == character


def test_it_makes_a_compatibility_ideograph_its_unified_character():
    assert unify_lookalikes("\uf900") == "豈"  # CJK COMPATIBILITY IDEOGRAPH-F900


def test_it_keeps_full_width_punctuation_and_ordinary_text_as_printed():
    assert unify_lookalikes("杭州示例科技（集团）有限公司：１２") == "杭州示例科技（集团）有限公司：１２"
    assert normalize_text("购买⽅名称：") == "购买方名称:"


def test_every_entry_of_the_table_is_a_radical_made_one_chinese_character():
    for radical, character in RADICAL_SUPPLEMENT.items():
        assert 0x2E80 <= ord(radical) <= 0x2EFF
        assert len(character) == 1 and unicodedata.name(character).startswith("CJK UNIFIED IDEOGRAPH")
