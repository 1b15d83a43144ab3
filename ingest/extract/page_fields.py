"""The fields of an invoice read from where its text sits on one page. Pure: no Django.

Implements, for page text (a PDF's text layer, an OFD's TextObjects), docs/fapiao-rules.md §Identifiers
(identifier formats; labels matched on half-width text, ids and amounts without spaces, names left as printed
as base.py asks), §Kinds (the kind, from the 发票代码 when there is one, else from the printed title) and
§Amounts (amounts as two-place Decimal text; the 大写 kept only when it reads as an amount; a 免税 tax printed
as *** is 0).

Each label (layout.py) takes the value beside it, whatever order the page was drawn in; buyer and
seller are told apart by the 购买方/销售方 marks beside their blocks, and the line table's cells are
placed under its column headings (line_table.py).
"""

import re
from collections.abc import Iterator
from datetime import date

from ingest.extract.base import Extraction
from ingest.extract.geometry import Box, Glyph, Word
from ingest.extract.layout import EXPLICIT_PARTY_RES, LABEL_START_RE, Hit, Layout, compact
from ingest.extract.line_table import Column, is_stars, money, read_lines, table
from invoices.fapiao import (
    FapiaoParseError,
    Kind,
    is_check_code,
    is_digital_number,
    is_legacy_code,
    is_legacy_number,
    kind_from_bureau_text,
    kind_from_invoice_code,
    normalize_id,
    normalize_text,
    words_to_decimal,
)

PATTERN_ONLY = 0.8  # the confidence of a field known by its shape alone; one read beside its label has 1.0


def read_page(glyphs: list[Glyph], *, source: str, index: int = 0) -> Extraction:
    """What one page's text says of its invoice, as an Extraction of `source` on page `index`."""
    layout = Layout(glyphs)
    reading = Extraction(source=source, pages=(index,))
    columns, body = table(layout)
    _read_ids(layout, reading)
    _read_kind(layout, reading)
    _read_parties(layout, reading)
    _read_totals(layout, reading, columns)
    _read_footer(layout, reading)
    reading.lines = read_lines(columns, body)
    return reading


# Field readers. Each returns the value as the contract writes it, or None.


def _digits_value(texts: list[str], lengths: tuple[int, ...]) -> str | None:
    """Digits that may be printed in groups ("16707 18454 …") or letter-spaced, up to the
    longest length that fits."""
    digits, found = "", None
    for text in texts:
        piece = compact(text)
        if not piece.isascii() or not piece.isdigit():
            break
        digits += piece
        if len(digits) in lengths:
            found = digits
        if len(digits) >= max(lengths):
            break
    return found


def _tin_value(texts: list[str]) -> str | None:
    """A taxpayer id, possibly split in pieces ("9 1110108…"): the longest run of letters and
    digits of a legal length (15, 17, 18 or 20)."""
    tin, found = "", None
    for text in texts:
        piece = normalize_id(text)
        if not piece.isascii() or not piece.isalnum():
            break
        tin += piece
        if len(tin) in (15, 17, 18, 20):
            found = tin
        if len(tin) >= 20:
            break
    return found


_DATE_RE = re.compile(r"((?:19|20)\d\d)\D{0,2}?(\d{1,2})\D{0,2}?(\d{1,2})")


def _date_value(texts: list[str]) -> str | None:
    match = _DATE_RE.search(compact("".join(texts)))
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return None


def _name_value(texts: list[str]) -> str | None:
    """A party's name: text with at least one letter (the 密码区 cipher has none), never a label."""
    if not texts:
        return None
    name = " ".join(texts[0].split())
    if not any(char.isalpha() for char in name) or "<" in name or ">" in name:
        return None
    return None if LABEL_START_RE.match(normalize_text(name)) else name


_WORDS_CHARS = frozenset("零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正负数()（）")


def _words_value(texts: list[str]) -> str | None:
    """The 大写 amount, without the ⓧ mark or other print around it, when it reads as an amount."""
    words = "".join(char for char in "".join(texts) if char in _WORDS_CHARS)
    try:
        words_to_decimal(words)
    except FapiaoParseError:
        return None
    return words


def _first_money(texts: list[str]) -> str | None:
    for text in texts:
        value = money(text)
        if value is not None:
            return str(value)
    return None


def _person_value(texts: list[str]) -> str | None:
    """A drawer's name: short text with letters, no digits."""
    if not texts:
        return None
    name = " ".join(texts[0].split())
    if 0 < len(name) <= 20 and any(char.isalpha() for char in name) and not any(c.isdigit() for c in name):
        return name
    return None


# The invoice's fields on one page.


def _labelled(layout: Layout, label: str, read) -> str | None:
    for hit in layout.hits(label):
        value = layout.value(hit, read)
        if value is not None:
            return value
    return None


def _read_ids(layout: Layout, reading: Extraction) -> None:
    code = _labelled(layout, "code", lambda texts: _digits_value(texts, (10, 12)))
    number = _labelled(layout, "number", lambda texts: _digits_value(texts, (8, 20)))
    if number is not None and not (is_legacy_number(number) or is_digital_number(number)):
        number = None
    reading.put("code", code if code and is_legacy_code(code) else None)
    if number is not None:
        reading.put("number", number)
    else:
        reading.put("number", _unlabelled_digital_number(layout), PATTERN_ONLY)
    check_code = _labelled(layout, "check_code", lambda texts: _digits_value(texts, (20,)))
    reading.put("check_code", check_code if check_code and is_check_code(check_code) else None)
    issued = _labelled(layout, "issue_date", _date_value)
    if issued is not None:
        reading.put("issue_date", issued)
    else:
        reading.put("issue_date", _unlabelled_date(layout), PATTERN_ONLY)


def _unlabelled_digital_number(layout: Layout) -> str | None:
    numbers = (compact(word.text) for word in layout.words)
    return next((number for number in numbers if is_digital_number(number)), None)


_CHINESE_DATE_RE = re.compile(r"(?:19|20)\d\d年\d{1,2}月\d{1,2}日")


def _unlabelled_date(layout: Layout) -> str | None:
    for row in layout.rows:
        match = _CHINESE_DATE_RE.search(compact(row.text))
        if match:
            return _date_value([match.group()])
    return None


_TITLE_RE = re.compile(
    r"(?:电子发票|数电发票|全电发票|数电票|数电纸质发票)\((?:增值税专用发票|普通发票)\)"
    r"|增值税(?:电子)?(?:专用|普通)发票(?:\(卷式\))?|机动车销售统一发票|二手车销售统一发票"
)


def _read_kind(layout: Layout, reading: Extraction) -> None:
    """The 发票代码 says the kind precisely (a 通行费 code ends in 12); without one, the title
    does: the largest text naming a kind of invoice."""
    code = reading.fields.get("code")
    from_code = kind_from_invoice_code(code.value) if code else None
    if from_code not in (None, Kind.OTHER):
        reading.put("kind", from_code.value)
        return
    titles = [(word.height, compact(word.text)) for word in layout.words]
    titles = [(height, text) for height, text in titles if _TITLE_RE.search(text)]
    if not titles:
        return
    title = max(titles)[1]
    kind = Kind.TOLL if "通行费" in title else kind_from_bureau_text(_TITLE_RE.search(title).group())
    reading.put("kind", kind.value if kind else None, PATTERN_ONLY)


def _party_of(layout: Layout, hit: Hit) -> str | None:
    """Whose block a label is in: a prefix (购买方名称) says so; else the nearest 购/销 mark to its
    left (legacy: 购 above 销 at the left edge; 数电: the two blocks side by side)."""
    for party, prefix in EXPLICIT_PARTY_RES:
        if prefix.search(hit.before):
            return party
    box = hit.box
    candidates = [
        (box.x0 - mark.x1 + abs(box.centre_y - mark.centre_y), party)
        for party, mark in layout.marks()
        if mark.x1 <= box.x0 + box.height
    ]
    return min(candidates)[1] if candidates else None


def _by_party(layout: Layout, label: str) -> dict[str, Hit]:
    hits = layout.hits(label)
    parties = [_party_of(layout, hit) for hit in hits]
    if None in parties or len(set(parties)) != len(parties):
        # No marks to go by: the buyer's block comes first, left of or above the seller's.
        ordered = sorted(hits, key=lambda hit: (-round(hit.box.centre_y / hit.box.height), hit.box.x0))
        parties = ["buyer", "seller"][: len(ordered)]
        hits = ordered[:2]
    return dict(zip(parties, hits, strict=False))


def _read_parties(layout: Layout, reading: Extraction) -> None:
    for party, hit in _by_party(layout, "name").items():
        reading.put(f"{party}_name", layout.value(hit, _name_value))
    for party, hit in _by_party(layout, "tin").items():
        reading.put(f"{party}_tin", layout.value(hit, _tin_value))


def _read_totals(layout: Layout, reading: Extraction, columns: list[Column]) -> None:
    amount, tax = _sum_row(layout, columns)
    reading.put("amount", amount or _labelled(layout, "amount", _first_money))
    reading.put("tax", tax or _labelled(layout, "tax", _first_money))
    total = _labelled(layout, "in_figures", _first_money)
    if total is None:
        total = _labelled(layout, "grand_total", lambda texts: _first_money(texts[::-1]))
    reading.put("total", total)
    reading.put("total_in_words", _labelled(layout, "in_words", _words_value))


def _sum_row(layout: Layout, columns: list[Column]) -> tuple[str | None, str | None]:
    """合计 金额 and 税额: the amounts right of 合计, placed under the 金额 and 税额 headings when the
    table has them, else first and last."""
    for hit in layout.hits("sum"):
        amounts = [(word, value) for word, value in _money_words(layout, hit) if value is not None]
        if not amounts:
            continue
        headings = {column.field: column for column in columns if column.field in ("amount", "tax")}
        if len(headings) == 2:
            placed = {
                min(headings.values(), key=lambda c: abs(c.centre_x - word.centre_x)).field: value
                for word, value in amounts
            }
            return placed.get("amount"), placed.get("tax")
        return amounts[0][1], amounts[-1][1] if len(amounts) > 1 else None
    return None, None


def _money_words(layout: Layout, hit: Hit) -> Iterator[tuple[Box, str | None]]:
    row = hit.row
    for word in row.words[row.word_at[hit.end - 1] + 1 :]:
        if is_stars(word.text):
            yield word, "0.00"
        else:
            value = money(word.text)
            yield word, None if value is None else str(value)


def _read_footer(layout: Layout, reading: Extraction) -> None:
    reading.put("drawer", _labelled(layout, "drawer", _person_value))
    reading.put("remarks", _remarks(layout))


def _remarks(layout: Layout) -> str | None:
    """The text in the 备注 box: right of its label (printed across, or 备 over 注 down the box's
    left edge), between the label's top and bottom."""
    for top, bottom in _remarks_labels(layout):
        reach = top.height
        texts = [
            word.printed
            for row in layout.rows
            for word in row.words
            if word.x0 > top.x1
            and bottom.y0 - reach <= word.centre_y <= top.y1 + reach
            and word is not top
            and word is not bottom
            and not LABEL_START_RE.match(word.text)
        ]
        if texts:
            return " ".join(" ".join(text.split()) for text in texts)
    return None


def _remarks_labels(layout: Layout) -> Iterator[tuple[Word, Word]]:
    for word in layout.words:
        if compact(word.text) == "备注":
            yield word, word
        elif word.text == "备":
            below = [
                other
                for other in layout.words
                if other.text == "注"
                and abs(other.x0 - word.x0) < word.height
                and 0 < word.y0 - other.y1 < 8 * word.height
            ]
            if below:
                yield word, max(below, key=lambda other: other.y1)
