"""Characters that print as a Chinese character but are another code point, made that character.
Pure: no Django.

Fonts embedded by some issuing platforms map their glyphs to the radical code points: a page then
reads 购买⽅ (U+2F45 KANGXI RADICAL SQUARE) for 购买方, or ⻓ (U+2ED3) for 长, and no label or name
matches. NFKC turns the Kangxi Radicals (U+2F00-2FDF) and the CJK Compatibility Ideographs into
the ideographs they stand for, but leaves almost all of the CJK Radicals Supplement (U+2E80-2EFF)
as they are; the table below gives the ideograph each of those prints as (Unicode's
EquivalentUnifiedIdeograph.txt), leaving out the few that are only ever a component of another.
"""

import re
import unicodedata

RADICAL_SUPPLEMENT = {
    "⺅": "亻", "⺆": "冂", "⺊": "卜", "⺎": "兀", "⺐": "尢", "⺒": "巳", "⺓": "幺", "⺔": "彑",
    "⺖": "忄", "⺘": "扌", "⺙": "攵", "⺛": "旡", "⺜": "日", "⺝": "月", "⺞": "歺", "⺟": "母",
    "⺠": "民", "⺡": "氵", "⺢": "氺", "⺣": "灬", "⺤": "爫", "⺦": "丬", "⺨": "犭", "⺩": "王",
    "⺪": "疋", "⺫": "罒", "⺬": "示", "⺭": "礻", "⺯": "糹", "⺰": "纟", "⺲": "罒", "⺹": "耂",
    "⺺": "肀", "⺼": "月", "⺾": "艹", "⺿": "艹", "⻀": "艹", "⻁": "虎", "⻂": "衤", "⻃": "覀",
    "⻄": "西", "⻅": "见", "⻆": "角", "⻈": "讠", "⻉": "贝", "⻋": "车", "⻌": "辶", "⻍": "辶",
    "⻏": "阝", "⻐": "钅", "⻑": "長", "⻒": "镸", "⻓": "长", "⻔": "门", "⻖": "阝", "⻗": "雨",
    "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风", "⻜": "飞", "⻝": "食", "⻟": "飠", "⻠": "饣",
    "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼", "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄",
    "⻪": "黾", "⻫": "斉", "⻬": "齐", "⻭": "歯", "⻮": "齿", "⻯": "竜", "⻰": "龙", "⻱": "龜",
    "⻲": "亀", "⻳": "龟",
}  # fmt: skip

# The radical blocks and the compatibility ideographs; anything else is left as it is.
_LOOKALIKE_RE = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


def unify_lookalikes(text: str) -> str:
    """`text` with every radical and compatibility ideograph that prints as a Chinese character
    made that character; all else unchanged (full-width punctuation stays full-width)."""
    if not _LOOKALIKE_RE.search(text):
        return text
    return _LOOKALIKE_RE.sub(_unified, text)


def _unified(match: re.Match[str]) -> str:
    char = match[0]
    return RADICAL_SUPPLEMENT.get(char) or unicodedata.normalize("NFKC", char)
