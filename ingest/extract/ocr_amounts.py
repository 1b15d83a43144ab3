"""The amounts an invoice page's OCR text gives (docs/fapiao-rules.md §Amounts): 金额 and 税额 on the 合计 row
and as the sums of the line table's columns, 价税合计（小写）, and the 大写, each with the readings a token
may be; ingest/extract/amounts.py chooses among them by the arithmetic. Pure: no Django."""

import re
from decimal import Decimal

from ingest.extract.amount_words import AmountWords, read_words
from ingest.extract.amounts import choose_amounts
from ingest.extract.ocr_text import OcrText, label_pattern, right_of, same_row
from ingest.extract.reading import REPAIRED, Reading
from invoices.fapiao import FapiaoParseError, parse_amount

SMALL_LABEL = label_pattern("小写")
WORDS_LABEL = label_pattern("大写")
TOTAL_ROW_LABEL = label_pattern("价税合计")


_AMOUNT_TOKEN_RE = re.compile(r"-?\d[\d,.]*")


Values = list[tuple[Decimal, float]]  # the amounts a token may be, each with its confidence factor


def _amount_values(token: str) -> Values:
    """The amounts a printed token may be: printed amounts have two decimals, so a token without a
    point most likely lost it ("113000" for 1130.00); extra points are OCR noise."""
    token = token.strip(",.")
    if token.count(".") > 1:
        head, _, tail = token.rpartition(".")
        token = head.replace(".", "") + "." + tail
    try:
        value = parse_amount(token)
    except FapiaoParseError:
        return []
    if "." in token:
        return [(value, 1.0)]
    return [((value / 100).quantize(Decimal("0.01")), REPAIRED), (value, REPAIRED)]


def _amount_tokens(text: OcrText, spaced: str | None = None) -> list[tuple[float, Values]]:
    """(x position, possible values) of the amounts in a box, or in `spaced`, a part of its text;
    ¥ and spaces separate them."""
    tokens = []
    parts = re.split(r"[¥\s]+", text.spaced if spaced is None else spaced)
    for index, part in enumerate(parts):
        for match in _AMOUNT_TOKEN_RE.finditer(part):
            if values := _amount_values(match.group()):
                tokens.append((text.x0 + (index + 0.5) * (text.x1 - text.x0) / len(parts), values))
    return tokens


def read_amounts(texts: list[OcrText]) -> dict[str, Reading]:
    amounts, taxes = _sum_row(texts)
    found = _words(texts)
    words, confidence = found if found else (None, 1.0)
    return choose_amounts(amounts, taxes, _small_total(texts), words, confidence)


def _sum_row(texts: list[OcrText]) -> tuple[list[Reading], list[Reading]]:
    """The 金额 and 税额 readings: on the 合计 row, each placed in the column whose header is nearest,
    and the sums of the line table's columns above it (a second reading of each)."""
    label = _sum_label(texts)
    if label is None:
        return [], []
    amounts, taxes = _sum_row_readings(texts, label)
    line_amount, line_tax = _line_sums(texts, label)
    return _and_another(amounts, line_amount), _and_another(taxes, line_tax)


def _sum_row_readings(texts: list[OcrText], label: OcrText) -> tuple[list[Reading], list[Reading]]:
    row = [label, *(text for text in texts if same_row(label, text) and text.x0 > label.x1)]
    tokens = [(x, values, text) for text in row for x, values in _amount_tokens(text)]
    if not tokens:
        return [], []
    amount_x, tax_x = _column_centres(texts, label)
    amount_token = min(tokens, key=lambda token: abs(token[0] - amount_x)) if amount_x else tokens[0]
    tax_token = min(tokens, key=lambda token: abs(token[0] - tax_x)) if tax_x else tokens[-1]
    amounts = _readings(amount_token)
    taxes = _readings(tax_token) if tax_token is not amount_token else []
    return amounts, taxes


def _and_another(readings: list[Reading], other: Reading | None) -> list[Reading]:
    if other is None or any(Decimal(reading.value) == Decimal(other.value) for reading in readings):
        return readings
    return [*readings, other]


_COLUMN_HEADERS = frozenset({"数量", "单价", "金额", "税率", "征收率", "税率/征收率", "税额"})


def _line_sums(texts: list[OcrText], label: OcrText) -> tuple[Reading | None, Reading | None]:
    """Σ 金额 and Σ 税额 of the line table: the amounts between its header row and the 合计 row, each
    in the column whose header is nearest. None for a column with none, or with an amount whose
    decimal point was lost (which of its readings to add up is a guess)."""
    amount_headers = [text for text in texts if text.compact == "金额" and text.y1 <= label.y0]
    if not amount_headers:
        return None, None
    header_row = amount_headers[-1]
    headers = [text for text in texts if text.compact in _COLUMN_HEADERS and same_row(text, header_row)]
    columns: dict[str, list[tuple[Decimal, float]]] = {"金额": [], "税额": []}
    for cell in texts:
        if not header_row.y1 <= cell.cy < label.y0 or same_row(cell, label) or same_row(cell, header_row):
            continue
        for x, values in _amount_tokens(cell):
            nearest = min(headers, key=lambda header: abs(header.cx - x)).compact
            if nearest in columns:
                columns[nearest].append((values[0][0] if len(values) == 1 else None, cell.confidence))
    return tuple(_column_sum(columns[name]) for name in ("金额", "税额"))


def _column_sum(cells: list[tuple[Decimal | None, float]]) -> Reading | None:
    if not cells or any(value is None for value, _ in cells):
        return None
    total = sum((value for value, _ in cells), Decimal("0.00"))
    return Reading(f"{total:.2f}", min(confidence for _, confidence in cells))


def _readings(token) -> list[Reading]:
    _, values, text = token
    return [Reading(f"{value:.2f}", text.confidence, factor) for value, factor in values]


def _sum_label(texts: list[OcrText]) -> OcrText | None:
    """The 合计 label: one box, or 合 and 计 printed far apart in two boxes. When OCR misread it,
    the row's first ¥ amount stands in: the 合计 row is the lowest with two amounts marked ¥ and
    no 小写 label."""
    for text in texts:
        if text.compact.startswith("合计"):
            return text
        if text.compact == "合" and any(other.compact == "计" and same_row(text, other) for other in texts):
            return text
    marked = [text for text in texts if text.compact.startswith("¥")]
    rows = [
        text
        for text in marked
        if any(other.x0 > text.x1 and same_row(text, other) for other in marked)
        and not any(SMALL_LABEL.search(other.spaced) for other in texts if same_row(text, other))
    ]
    return max(rows, key=lambda text: (text.y0, -text.x0), default=None)


def _column_centres(texts: list[OcrText], label: OcrText) -> tuple[float | None, float | None]:
    """The x of the 金额 and 税额 headers of the line table (above the 合计 row)."""
    headers = [text for text in texts if text.y1 <= label.y0]
    amount = [text.cx for text in headers if text.compact == "金额"]
    tax = [text.cx for text in headers if text.compact == "税额"]
    return (amount[-1] if amount else None, tax[-1] if tax else None)


def _small_total(texts: list[OcrText]) -> list[Reading]:
    """价税合计 (小写): the amount after the 小写 label, else the last amount on the 价税合计 row."""
    for label in (SMALL_LABEL, TOTAL_ROW_LABEL):
        for text in texts:
            match = label.search(text.spaced)
            if not match:
                continue
            if tokens := _amount_tokens(text, text.spaced[match.end() :]):
                return _readings((*tokens[-1], text))
            for source in right_of(text, texts, max_gap=14):
                if tokens := _amount_tokens(source):
                    return _readings((*tokens[-1], source))
    return []


def _words(texts: list[OcrText]) -> tuple[AmountWords, float] | None:
    """The 大写 amount on the 大写 row (its boxes' texts after the label and before the 小写, joined
    left to right), with the score of its least sure box; without a 大写 label, the longest box
    that reads in full as a 大写."""
    for label in (text for text in texts if WORDS_LABEL.search(text.spaced)):
        # Right of the label and of the row's height: not the tall strips printed up a page's edges.
        row = sorted(
            (
                text
                for text in texts
                if same_row(label, text) and text.x1 > label.x0 and text.height < 2 * label.height
            ),
            key=lambda text: text.x0,
        )
        parts = [(part, text) for text in row if (part := _words_part(text))]
        if parts and (words := read_words("".join(part for part, _ in parts))):
            return words, min(text.confidence for _, text in parts)
    readable = [
        (words, text.confidence)
        for text in texts
        if (words := read_words(_words_part(text))) and words.readings
    ]
    return max(readable, key=lambda found: len(found[0].text), default=None)


def _words_part(text: OcrText) -> str:
    """The part of a box's text that may be the 大写: after the 价税合计 (大写) label, before 小写."""
    compact = text.compact
    for label in (TOTAL_ROW_LABEL, WORDS_LABEL):
        if match := label.search(compact):
            compact = compact[match.end() :]
    compact = re.split(r"\(?小写|¥", compact, maxsplit=1)[0]
    return compact.removeprefix(")")
