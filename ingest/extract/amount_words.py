"""The 大写 amount (docs/fapiao-rules.md §Amounts) as OCR reads it: characters it mistakes for the numerals
and units, and no number at all from words it could not read in full. Pure: no Django.

The look-alikes are characters that differ from a numeral or unit by a stroke or a radical and that
an engine trained on everyday text prefers: 圆 comes out as the traditional 圓, the simplified 图 of
圖, or 园/園/困/国 (the same enclosure); 仟 as 什 or 阡; 拾 as 恰/抬/捨 (the hand radical blurred).
Traditional forms a real invoice may print (萬, 億, 貳, 參, 陸) are read as the simplified
numeral. 任 stands for both 仟 and 伍; the grammar of the 大写 (a digit before each unit, units
falling) leaves only one of them readable. Characters outside this table are not guessed: a 大写
holding one is unreadable, and an unreadable 大写 gives no number (docs/fapiao-rules.md §Amounts uses the 大写
to catch the slips of the 小写, so a partial value would be a confident wrong one). The one exception is the
place of the ⊗ mark before the first digit, which OCR reads as anything.
"""

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from invoices.fapiao import FapiaoParseError, words_to_decimal

WORD_CHARS = frozenset("零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正")
LOOKALIKES: dict[str, str] = {  # what OCR reads -> the numerals or units it may stand for
    **dict.fromkeys("圖图圓園园困国", "圆"),
    **dict.fromkeys("萬方", "万"),
    **dict.fromkeys("億仡忆", "亿"),
    **dict.fromkeys("什阡", "仟"),
    "任": "仟伍",
    **dict.fromkeys("百伯栢", "佰"),
    **dict.fromkeys("恰抬捨", "拾"),
    **dict.fromkeys("查壸壶", "壹"),
    **dict.fromkeys("貳武弍", "贰"),
    **dict.fromkeys("參参叄", "叁"),
    **dict.fromkeys("律肄", "肆"),
    **dict.fromkeys("陸陇", "陆"),
    "染": "柒",
    **dict.fromkeys("别別", "捌"),
    **dict.fromkeys("玫致玟", "玖"),
    **dict.fromkeys("雯〇", "零"),
    "甬": "角",
    "兮": "分",
}
_DIGITS = frozenset("壹贰叁肆伍陆柒捌玖")
_NEGATIVE_RE = re.compile(r"^\(?负数?\)?")
_MAX_SPELLINGS = 16  # each 任 doubles the spellings to try


@dataclass(frozen=True)
class AmountWords:
    """A 大写 as read: the text, and each (spelling, value) it can be; none when it is unreadable."""

    text: str
    readings: tuple[tuple[str, Decimal], ...]

    @property
    def repaired(self) -> bool:
        """Whether a look-alike was read as a numeral, or a misread mark left out."""
        return any(spelling.removeprefix("(负数)") != self.text for spelling, _ in self.readings)


def _is_ideograph(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def read_words(text: str) -> AmountWords | None:
    """The 大写 in `text`, the compact text of the 大写 field (a ⊗ mark or stray marks around it are
    left out), or None when it holds no 大写 at all."""
    text = unicodedata.normalize("NFKC", text)
    start = next((index for index, char in enumerate(text) if _is_ideograph(char) or char == "("), len(text))
    body = text[start:].removeprefix("人民币")
    negative = bool(match := _NEGATIVE_RE.match(body))
    if match:
        body = body[match.end() :].removeprefix("人民币")
    while body and not _is_ideograph(body[-1]):
        body = body[:-1]
    numeral_like = [char for char in body if _is_numeral_like(char)]
    if len(numeral_like) < 2 or not WORD_CHARS.intersection(numeral_like):
        return None
    # Before the first digit stands the ⊗ mark, which OCR may read as any character (魏 on a real
    # invoice): one unknown character there is the mark, and is left out.
    mark = 1 if len(body) > 1 and not _is_numeral_like(body[0]) and _is_digit_like(body[1]) else 0
    return AmountWords(body, _readings(body[mark:], negative))


def _is_numeral_like(char: str) -> bool:
    return char in WORD_CHARS or char in LOOKALIKES


def _is_digit_like(char: str) -> bool:
    return any(meant in _DIGITS for meant in LOOKALIKES.get(char, char))


def _readings(body: str, negative: bool) -> tuple[tuple[str, Decimal], ...]:
    if any(char not in WORD_CHARS and char not in LOOKALIKES for char in body):
        return ()
    options = [LOOKALIKES.get(char, char) for char in body]
    if math.prod(map(len, options)) > _MAX_SPELLINGS:
        return ()
    readings = {}
    for chars in itertools.product(*options):
        spelling = ("(负数)" if negative else "") + "".join(chars)
        try:
            value = words_to_decimal(spelling)
        except FapiaoParseError:
            continue
        readings.setdefault(value, spelling)
    return tuple((spelling, value) for value, spelling in readings.items())
