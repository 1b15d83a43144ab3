"""The labels printed on an invoice page and the values beside them. Pure: no Django.

A page's words and rows (geometry.py) are searched for the labels (名称, 纳税人识别号, 发票号码,
价税合计 …) in their half-width form, with or without spaces between the glyphs; each label takes
the value nearest to its right on its row, or just below it; the 购买方/销售方 marks beside the
parties' blocks are found for field readers to tell buyer and seller apart.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingest.extract.geometry import Box, Glyph, Row, Word, bounds, rows, words
from invoices.fapiao import normalize_text

BELOW_REACH = 2.5  # a value printed under its label starts within this distance, in label heights


def compact(text: str) -> str:
    """Text as values are compared: half-width, without whitespace."""
    return "".join(normalize_text(text).split())


# Labels.


def spaced(*labels: str) -> str:
    """An alternation of labels that also matches them printed with spaces between the glyphs."""
    return "|".join(r"\s*".join(re.escape(char) for char in label) for label in labels)


LABELS = {
    "code": spaced("发票代码"),
    "number": spaced("发票号码"),
    "issue_date": spaced("开票日期"),
    "check_code": spaced("校验码"),
    "name": spaced("名称"),
    "tin": spaced("统一社会信用代码/纳税人识别号", "纳税人识别号", "统一社会信用代码"),
    "sum": spaced("合计"),
    "grand_total": spaced("价税合计"),
    "in_words": spaced("(大写)"),
    "in_figures": spaced("(小写)"),
    "amount": spaced("金额:"),  # printed beside its value only where there is no 合计 row (railway tickets)
    "tax": spaced("税额:"),
    "drawer": spaced("开票人"),
    "remarks": spaced("备注"),
}
LABEL_RES = {name: re.compile(f"(?:{pattern})\\s*:?\\s*") for name, pattern in LABELS.items()}
_OTHER_LABELS = spaced("地址", "开户行", "机器编号", "收款人", "复核", "销售方", "购买方", "密码区")
# A word starting with a label is never a value: values stop there.
LABEL_START_RE = re.compile(f"(?:{'|'.join(LABELS.values())}|{_OTHER_LABELS})")
# "名称" and "合计" are also the ends of longer labels: 项目名称, 货物名称, 价税合计.
_NOT_BEFORE = {"name": "目务物品)", "sum": "税"}
EXPLICIT_PARTY_RES = (
    ("buyer", re.compile(r"(?:购买方|购方)\s*$")),
    ("seller", re.compile(r"(?:销售方|销方)\s*$")),
)
_MARKS = {
    "购": "buyer",
    "购方": "buyer",
    "购买方": "buyer",
    "购买方信息": "buyer",
    "销": "seller",
    "销方": "seller",
    "销售方": "seller",
    "销售方信息": "seller",
}


@dataclass(frozen=True)
class Hit:
    """A label found in a row: `start` and `end` are offsets in row.text, `end` past its colon."""

    row: Row
    start: int
    end: int

    @property
    def box(self) -> Box:
        glyphs = [owner for owner in self.row.owners[self.start : self.end] if owner is not None]
        return bounds(glyphs)

    @property
    def before(self) -> str:
        """The text before the label inside its own word."""
        word_start = self.start
        while word_start and self.row.word_at[word_start - 1] == self.row.word_at[self.start]:
            word_start -= 1
        return self.row.text[word_start : self.start]


class Layout:
    """The words and rows of one page, and the questions the field readers ask of them."""

    def __init__(self, glyphs: list[Glyph]):
        self.words = words(glyphs)
        self.rows = rows(self.words)
        self._hits: dict[str, list[Hit]] = {}

    def hits(self, label: str) -> list[Hit]:
        if label not in self._hits:
            self._hits[label] = list(self._find(label))
        return self._hits[label]

    def _find(self, label: str) -> Iterator[Hit]:
        excluded = _NOT_BEFORE.get(label, "")
        for row in self.rows:
            for match in LABEL_RES[label].finditer(row.text):
                previous = row.text[: match.start()].rstrip()[-1:]
                if not (previous and previous in excluded):
                    yield Hit(row, match.start(), match.end())

    def after(self, hit: Hit, count: int = 4) -> list[str]:
        """The texts to the right of a label on its row, nearest first: what follows the label in
        its own word, then the next words, up to the next label."""
        row = hit.row
        label_word = row.word_at[hit.end - 1]
        texts = [row.printed[hit.end : row.word_ends[label_word]]]
        for word in row.words[label_word + 1 :]:
            if len(texts) > count or LABEL_START_RE.match(word.text):
                break
            texts.append(word.printed)
        return [text for text in texts if text.strip()]

    def below(self, hit: Hit) -> str:
        """The first word printed just under a label, starting no further left than the label."""
        box = hit.box
        index = self.rows.index(hit.row)
        for row in self.rows[index + 1 : index + 3]:
            for word in row.words:
                near = box.y0 - word.y1 <= BELOW_REACH * box.height
                if near and box.x0 - box.height <= word.x0 <= box.x1 + 4 * box.height:
                    return "" if LABEL_START_RE.match(word.text) else word.printed
        return ""

    def value(self, hit: Hit, read: Callable[[list[str]], str | None]) -> str | None:
        """A label's value as `read` makes it of the texts to its right, else of the word printed
        under it: some platforms print a value under its label, and what stands right of a label
        is sometimes another block's mark."""
        for texts in (self.after(hit), [self.below(hit)]):
            present = [text for text in texts if text]
            value = read(present) if present else None
            if value is not None:
                return value
        return None

    def marks(self) -> list[tuple[str, Word]]:
        return [(_MARKS[word.text], word) for word in self.words if word.text in _MARKS]
