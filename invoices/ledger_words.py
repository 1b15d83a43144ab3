"""The words a hand-kept ledger uses where the bureau's export has codes: for the direction, for a
数电 invoice whose 专/普 it does not say, and for its 合计 row. Pure: no Django."""

import unicodedata

DIRECTION_WORDS = {
    **dict.fromkeys(("进项", "进项发票", "进", "采购", "购进", "购入", "收票", "取得"), "purchase"),
    **dict.fromkeys(("销项", "销项发票", "销", "销售", "开票", "开具"), "sales"),
    **dict.fromkeys(("purchase", "purchases", "input", "in"), "purchase"),
    **dict.fromkeys(("sales", "sale", "output", "out"), "sales"),
}
# A 票种 that says 数电 but not 专票 or 普票.
DIGITAL_KIND_WORDS = frozenset({"数电", "数电票", "数电发票", "全电", "全电票", "全电发票", "电子发票"})
# The 发票来源 of a 数电 invoice (docs/fapiao-rules.md §Status: 电子发票服务平台).
DIGITAL_SOURCES = frozenset({"电子发票服务平台", "2", "数电", "全电"})
SUMMARY_LABELS = ("合计", "总计", "小计", "累计", "本页合计", "本月合计", "本期合计")


def word(text: str) -> str:
    """A cell's text as these tables hold it: half-width, lower case, without spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def is_summary_label(text: str) -> bool:
    """Whether a cell names a row of totals: "合计", "合 计", "本月合计：" …"""
    return word(text).rstrip(":").startswith(SUMMARY_LABELS)
