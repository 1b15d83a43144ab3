"""The fields of an invoice page read from the text boxes an OCR engine (ingest/extract/engines.py)
found, and from where they sit. Pure: no Django.

Reads the RULES §1 identifiers (20-digit 数电 number, 8-digit number, 10/12-digit code, 校验码,
taxpayer IDs as ingest/extract/tins.py proves them), the 开票日期, the kind from the title (§5
names), and the §6 amounts: 合计 金额 and 税额, 价税合计（小写） and its 大写 (read as
ingest/extract/amount_words.py allows), between whose readings ingest/extract/amounts.py chooses
by the arithmetic. A field no check confirms carries a doubt for the reviewer.

Which block a name or TIN belongs to is decided by the nearest 购买方 or 销售方 label to its left:
数电 invoices print the two blocks side by side, legacy ones one above the other.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from PIL import Image

from ingest.extract.amount_words import AmountWords, read_words
from ingest.extract.amounts import choose_amounts
from ingest.extract.base import Extraction
from ingest.extract.engines import OcrEngine, TextBox, is_cjk
from ingest.extract.reading import REPAIRED, UNCONFIRMED, Reading
from ingest.extract.tins import TIN_RUN_RE, fits, tin_reading
from invoices.fapiao import (
    FapiaoParseError,
    Kind,
    kind_from_bureau_text,
    parse_amount,
    type_code_from_invoice_code,
)
from invoices.lookalikes import unify_lookalikes

TOP_OF_PAGE = 0.3  # title, code and number sit in the top 30% of the page


def extract_ocr(image: Image.Image, engine: OcrEngine) -> Extraction:
    """The fields OCR reads on a page, from the source "ocr"; pass the page through
    images.prepare_for_ocr first. A page with no invoice on it gives an Extraction without fields."""
    return extract_from_boxes(engine.read(image), page_height=image.height)


# Reading fields from text boxes.


@dataclass(frozen=True)
class _Text:
    """A box's text normalised for matching: half-width (NFKC), and `compact` without whitespace."""

    spaced: str
    compact: str
    confidence: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


_LETTER_SPACED_RE = re.compile(r"(?<!\S)\S(?: \S){3,}(?!\S)")


def _text(box: TextBox) -> _Text:
    spaced = " ".join(unicodedata.normalize("NFKC", unify_lookalikes(box.text)).split())
    # Some PDFs print every character apart ("2 1 5 0 . 6 3"); OCR keeps the gaps as spaces.
    spaced = _LETTER_SPACED_RE.sub(lambda match: match.group().replace(" ", ""), spaced)
    return _Text(spaced, "".join(spaced.split()), box.confidence, *box.box)


def _label(*words: str) -> re.Pattern[str]:
    """A label in spaced text: any whitespace between its characters, and an optional colon after."""
    alternatives = "|".join(r"\s*".join(map(re.escape, word)) for word in words)
    return re.compile(rf"(?:{alternatives})\s*:?\s*")


NUMBER_LABEL = _label("发票号码", "票号码", "发票号", "No.", "No")
CODE_LABEL = _label("发票代码")
DATE_LABEL = _label("开票日期")
CHECK_LABEL = _label("校验码")
TIN_LABELS = (_label("纳税人识别号", "信用代码", "识别号"), _label("税号"))
# 名称 at the start of a box; OCR may split it (名 | 称：…) or glue a character of the vertical block
# label before it (买|名称：…).
NAME_LABEL = re.compile(r"^\W*(?:[购买方销售货]\W*)?(?:名\W*)?称\s*[:,]?\s*")
DRAWER_LABEL = _label("开票人")
SMALL_LABEL = _label("小写")
WORDS_LABEL = _label("大写")
TOTAL_ROW_LABEL = _label("价税合计")
_OTHER_LABELS_RE = re.compile(r"销售方|销货单位|收款人|复核|开票人|\(章\)")


def extract_from_boxes(boxes: Iterable[TextBox], *, page_height: float | None = None) -> Extraction:
    """The fields in an engine's text boxes (see extract_ocr)."""
    texts = sorted((text for text in map(_text, boxes) if text.compact), key=lambda text: (text.y0, text.x0))
    height = page_height or max((text.y1 for text in texts), default=1.0)
    top = [text for text in texts if text.y0 < TOP_OF_PAGE * height]
    readings = {
        "kind": _kind(top),
        "code": _code(texts, top),
        "number": _number(texts, top),
        "issue_date": _issue_date(texts),
        "check_code": _labelled(texts, CHECK_LABEL, lambda text: _id_digits(text, (20,))),
        "drawer": _labelled(texts, DRAWER_LABEL, _person),
        **_parties(texts),
        **_amounts(texts),
    }
    extraction = Extraction(source="ocr")
    for name, reading in readings.items():
        if reading:
            extraction.put(name, reading.value, round(reading.score, 3), reading.doubt)
    return extraction


# Geometry.


def _same_row(a: _Text, b: _Text) -> bool:
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap >= 0.5 * min(a.height, b.height)


def _right_of(label: _Text, texts: list[_Text], *, max_gap: float) -> list[_Text]:
    """The boxes after `label` on its row, nearest first, up to the first gap wider than max_gap
    heights."""
    after = label.x1 - label.height
    row = sorted(
        (text for text in texts if text is not label and _same_row(label, text) and text.x0 >= after),
        key=lambda text: text.x0,
    )
    chain, edge = [], label.x1
    for text in row:
        if text.x0 - edge > max_gap * label.height:
            break
        chain.append(text)
        edge = text.x1
    return chain


def _below(label: _Text, texts: list[_Text]) -> list[_Text]:
    """The boxes just under `label` and starting within its width."""
    return sorted(
        (
            text
            for text in texts
            if 0 <= text.y0 - label.y1 + label.height / 2 < 2 * label.height
            and label.x0 - label.height <= text.x0 <= label.x1 + label.height
        ),
        key=lambda text: text.y0,
    )


# Labelled values.

Parser = Callable[[str], tuple[str, float] | None]  # text -> (value, factor)


def _labelled(texts: list[_Text], label: re.Pattern[str], parse: Parser) -> Reading | None:
    """The value beside a label: in the label's own box, to its right on the row, or just below."""
    for text in texts:
        match = label.search(text.spaced)
        if not match:
            continue
        rest = text.spaced[match.end() :]
        chain = _right_of(text, texts, max_gap=2)
        # The value may be split over boxes on the label's row ("66907 43915" "00080 63608").
        attempts = [(rest, text), (" ".join([rest, *(box.spaced for box in chain)]), text)]
        nearby = [*_right_of(text, texts, max_gap=12)[:2], *_below(text, texts)[:1]]
        attempts += [(box.spaced, box) for box in nearby]
        for candidate, source in attempts:
            if parsed := parse(candidate):
                return Reading(parsed[0], min(text.confidence, source.confidence), parsed[1])
    return None


# OCR reads these letters for the digits they resemble (O 0, I and l 1, Z 2, S 5, B 8).
_DIGIT_LOOKALIKES = str.maketrans("OIlZSB", "011258")
_ID_RUN_RE = re.compile(r"[0-9OIlZSB]+")


def _id_digits(text: str, lengths: tuple[int, ...]) -> tuple[str, float] | None:
    """A run of exactly one of `lengths` digits, with at most two look-alike letters repaired."""
    for match in _ID_RUN_RE.finditer("".join(text.split())):
        run = match.group()
        repairs = sum(not char.isdigit() for char in run)
        if len(run) in lengths and repairs <= 2:
            return run.translate(_DIGIT_LOOKALIKES), REPAIRED if repairs else 1.0
    return None


def _number(texts: list[_Text], top: list[_Text]) -> Reading | None:
    reading = _labelled(texts, NUMBER_LABEL, lambda text: _id_digits(text, (20, 8)))
    if reading or any(CHECK_LABEL.search(text.spaced) or CODE_LABEL.search(text.spaced) for text in texts):
        return reading
    # A 数电 number whose label was misread: at the top of a page without 发票代码 and 校验码 (the
    # legacy 20 digits), no other 20 digits compete.
    for text in top:
        if parsed := _id_digits(text.spaced, (20,)):
            return Reading(parsed[0], text.confidence, UNCONFIRMED * parsed[1])
    return None


def _code(texts: list[_Text], top: list[_Text]) -> Reading | None:
    reading = _labelled(texts, CODE_LABEL, lambda text: _id_digits(text, (12, 10)))
    if reading:
        return reading
    # Paper invoices print the code without a label at the top left; only a well-formed code counts.
    for text in top:
        if re.fullmatch(r"\d{10}|\d{12}", text.compact) and type_code_from_invoice_code(text.compact) != "99":
            return Reading(text.compact, text.confidence, UNCONFIRMED)
    return None


_DATE_RE = re.compile(r"(\d{4})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})")


def _date(text: str) -> tuple[str, float] | None:
    match = _DATE_RE.search(text.translate(_DIGIT_LOOKALIKES))
    if not match:
        return None
    try:
        issued = date(*map(int, match.groups()))
    except ValueError:
        return None
    return (issued.isoformat(), 1.0) if 1990 <= issued.year <= 2099 else None


def _issue_date(texts: list[_Text]) -> Reading | None:
    reading = _labelled(texts, DATE_LABEL, _date)
    if reading:
        return reading
    for text in texts:
        if "年" in text.compact and (parsed := _date(text.spaced)):
            return Reading(parsed[0], text.confidence, UNCONFIRMED)
    return None


def _person(text: str) -> tuple[str, float] | None:
    """A name after 开票人, up to the next label; a text with a colon is a label, not a name."""
    name = _OTHER_LABELS_RE.split(text, maxsplit=1)[0].strip()
    if ":" in name or not 2 <= len(name) <= 20 or any(char.isdigit() for char in name):
        return None
    return name, 1.0


def _kind(top: list[_Text]) -> Reading | None:
    """The kind named by the title, the largest text at the top, which OCR may split in two
    (电子发票 | (增值税专用发票)) and which may carry a region first (深圳增值税电子普通发票)."""
    for text in sorted(top, key=lambda text: -text.height):
        row = sorted(
            (other for other in top if _same_row(text, other) and other.height > 0.7 * text.height),
            key=lambda other: other.x0,
        )
        for title in ("".join(other.compact for other in row), text.compact):
            if kind := _kind_of_title(title):
                return Reading(kind.value, min(other.confidence for other in row))
    return None


def _kind_of_title(title: str) -> Kind | None:
    if "(" in title and not title.endswith(")"):
        title += ")"
    for start in range(len(title)):
        if kind := kind_from_bureau_text(title[start:]):
            return kind
    return None


# Buyer and seller blocks.

_BLOCK_MARKS = (("buyer", ("购买方", "购方", "买方"), "购买"), ("seller", ("销售方", "销方", "售方"), "销售"))
_BLOCK_LABEL_LENGTH = 5  # 购买方信息, 销货单位: a longer text starting 购 or 销 is not a block label


def _anchors(texts: list[_Text]) -> list[tuple[str, _Text]]:
    """The block labels: 购买方 / 销售方, 购货单位 / 销货单位 on old forms, often printed vertically
    and read a few characters at a time. The "销售方：（章）" under the page is a signature line."""
    anchors = []
    for text in texts:
        if ":" in text.compact or "章" in text.compact:
            continue
        for block, marks, first_chars in _BLOCK_MARKS:
            short = len(text.compact) <= _BLOCK_LABEL_LENGTH and text.compact[0] in first_chars
            if short or any(mark in text.compact for mark in marks):
                anchors.append((block, text))
                break
    return anchors


def _block_cost(text: _Text, anchor: _Text) -> float | None:
    if anchor.x0 > text.x0:
        return None
    vertical = max(0.0, anchor.y0 - text.y1, text.y0 - anchor.y1)
    return vertical + 0.5 * max(0.0, text.x0 - anchor.x1)


def _block_of(text: _Text, anchors: list[tuple[str, _Text]]) -> tuple[str, float] | None:
    """The block whose label is nearest, counting horizontal distance half as much as vertical."""
    best = None
    for block, anchor in anchors:
        cost = _block_cost(text, anchor)
        if cost is not None and (best is None or cost < best[1]):
            best = (block, cost)
    return best


@dataclass(frozen=True)
class _Candidate:
    reading: Reading
    text: _Text
    rank: int  # lower is better: how it was found


def _parties(texts: list[_Text]) -> dict[str, Reading | None]:
    anchors = _anchors(texts)
    names = _assigned(_name_candidates(texts), anchors)
    candidates = _tin_candidates(texts)
    tins = _assigned(candidates, anchors)
    for block, reading in tins.items():
        if reading.doubt:
            others = [
                candidate.reading
                for candidate in candidates
                if not anchors or (_block_of(candidate.text, anchors) or ("",))[0] == block
            ]
            tins[block] = _corroborated(reading, others)
    return {
        "buyer_name": names.get("buyer"),
        "seller_name": names.get("seller"),
        "buyer_tin": tins.get("buyer"),
        "seller_tin": tins.get("seller"),
    }


def _assigned(candidates: list[_Candidate], anchors: list[tuple[str, _Text]]) -> dict[str, Reading]:
    """The best candidate per block; without block labels, the first two in reading order (left
    before right on one row, else top before bottom) are the buyer's and the seller's."""
    if not anchors:
        best = sorted(candidates, key=lambda candidate: candidate.rank)
        pair = [candidate for candidate in best if candidate.rank == best[0].rank][:2] if best else []
        if len(pair) == 2 and (_same_row(pair[0].text, pair[1].text) and pair[1].text.x0 < pair[0].text.x0):
            pair.reverse()
        return dict(zip(("buyer", "seller"), (candidate.reading for candidate in pair), strict=False))
    chosen: dict[str, tuple[tuple, Reading]] = {}
    for candidate in candidates:
        placed = _block_of(candidate.text, anchors)
        if not placed:
            continue
        block, cost = placed
        key = (candidate.rank, -candidate.reading.factor, cost)
        if block not in chosen or key < chosen[block][0]:
            chosen[block] = (key, candidate.reading)
    return {block: reading for block, (_, reading) in chosen.items()}


def _name_candidates(texts: list[_Text]) -> list[_Candidate]:
    candidates = []
    for text in texts:
        match = NAME_LABEL.match(text.spaced)
        if not match:
            continue
        rest = text.spaced[match.end() :].strip()
        source = text
        if not rest and (right := _right_of(text, texts, max_gap=4)):
            source, rest = right[0], right[0].spaced.strip()
        if len(rest) >= 2 and any(is_cjk(char) or char.isalpha() for char in rest):
            candidates.append(_Candidate(Reading(_as_registered(rest), source.confidence), text, 0))
    return candidates


def _as_registered(name: str) -> str:
    """Company names are registered with full-width brackets (聚光科技（杭州）股份有限公司);
    NFKC and OCR turn them half-width."""
    return name.replace("(", "（").replace(")", "）")


def _tin_candidates(texts: list[_Text]) -> list[_Candidate]:
    candidates = []
    for rank, label in enumerate(TIN_LABELS):
        for text in texts:
            match = label.search(text.spaced)
            if not match:
                continue
            # A TIN split into two boxes is joined again from the boxes beside its label.
            chain = _right_of(text, texts, max_gap=2)
            joined = "".join(text.spaced[match.end() :].split()) + "".join(box.compact for box in chain)
            if reading := tin_reading(joined, min(box.confidence for box in (text, *chain))):
                candidates.append(_Candidate(reading, text, rank))
    for text in texts:
        run = TIN_RUN_RE.search(text.compact.upper())
        reading = tin_reading(run.group(), text.confidence) if run and len(run.group()) == 18 else None
        # Unlabelled, only a TIN the check character confirms counts (not an order or bank number).
        if reading and not reading.doubt:
            candidates.append(_Candidate(reading, text, len(TIN_LABELS)))
    return candidates


def _corroborated(doubted: Reading, others: list[Reading]) -> Reading:
    """A TIN read with a doubt, replaced by the one other reading in its block that the check
    character proves and that the doubted one could be a damaged copy of: legacy invoices print the
    seller's TIN again in the seal, and the seal covering the block's TIN is what damaged it."""
    proven = {other.value: other for other in others if not other.doubt and fits(doubted.value, other.value)}
    if len(proven) != 1:
        return doubted
    (other,) = proven.values()
    return Reading(other.value, other.confidence, REPAIRED)


# Amounts (§6).

_AMOUNT_TOKEN_RE = re.compile(r"-?\d[\d,.]*")


def _amount_values(token: str) -> list[tuple[Decimal, float]]:
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


def _amount_tokens(text: _Text, spaced: str | None = None) -> list[tuple[float, list[tuple[Decimal, float]]]]:
    """(x position, possible values) of the amounts in a box, or in `spaced`, a part of its text;
    ¥ and spaces separate them."""
    tokens = []
    parts = re.split(r"[¥\s]+", text.spaced if spaced is None else spaced)
    for index, part in enumerate(parts):
        for match in _AMOUNT_TOKEN_RE.finditer(part):
            if values := _amount_values(match.group()):
                tokens.append((text.x0 + (index + 0.5) * (text.x1 - text.x0) / len(parts), values))
    return tokens


def _amounts(texts: list[_Text]) -> dict[str, Reading]:
    amounts, taxes = _sum_row(texts)
    found = _words(texts)
    words, confidence = found if found else (None, 1.0)
    return choose_amounts(amounts, taxes, _small_total(texts), words, confidence)


def _sum_row(texts: list[_Text]) -> tuple[list[Reading], list[Reading]]:
    """The 金额 and 税额 readings: on the 合计 row, each placed in the column whose header is nearest,
    and the sums of the line table's columns above it (a second reading of each)."""
    label = _sum_label(texts)
    if label is None:
        return [], []
    amounts, taxes = _sum_row_readings(texts, label)
    line_amount, line_tax = _line_sums(texts, label)
    return _and_another(amounts, line_amount), _and_another(taxes, line_tax)


def _sum_row_readings(texts: list[_Text], label: _Text) -> tuple[list[Reading], list[Reading]]:
    row = [label, *(text for text in texts if _same_row(label, text) and text.x0 > label.x1)]
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


def _line_sums(texts: list[_Text], label: _Text) -> tuple[Reading | None, Reading | None]:
    """Σ 金额 and Σ 税额 of the line table: the amounts between its header row and the 合计 row, each
    in the column whose header is nearest. None for a column with none, or with an amount whose
    decimal point was lost (which of its readings to add up is a guess)."""
    amount_headers = [text for text in texts if text.compact == "金额" and text.y1 <= label.y0]
    if not amount_headers:
        return None, None
    header_row = amount_headers[-1]
    headers = [text for text in texts if text.compact in _COLUMN_HEADERS and _same_row(text, header_row)]
    columns: dict[str, list[tuple[Decimal, float]]] = {"金额": [], "税额": []}
    for cell in texts:
        if not header_row.y1 <= cell.cy < label.y0 or _same_row(cell, label) or _same_row(cell, header_row):
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


def _sum_label(texts: list[_Text]) -> _Text | None:
    """The 合计 label: one box, or 合 and 计 printed far apart in two boxes. When OCR misread it,
    the row's first ¥ amount stands in: the 合计 row is the lowest with two amounts marked ¥ and
    no 小写 label."""
    for text in texts:
        if text.compact.startswith("合计"):
            return text
        if text.compact == "合" and any(other.compact == "计" and _same_row(text, other) for other in texts):
            return text
    marked = [text for text in texts if text.compact.startswith("¥")]
    rows = [
        text
        for text in marked
        if any(other.x0 > text.x1 and _same_row(text, other) for other in marked)
        and not any(SMALL_LABEL.search(other.spaced) for other in texts if _same_row(text, other))
    ]
    return max(rows, key=lambda text: (text.y0, -text.x0), default=None)


def _column_centres(texts: list[_Text], label: _Text) -> tuple[float | None, float | None]:
    """The x of the 金额 and 税额 headers of the line table (above the 合计 row)."""
    headers = [text for text in texts if text.y1 <= label.y0]
    amount = [text.cx for text in headers if text.compact == "金额"]
    tax = [text.cx for text in headers if text.compact == "税额"]
    return (amount[-1] if amount else None, tax[-1] if tax else None)


def _small_total(texts: list[_Text]) -> list[Reading]:
    """价税合计 (小写): the amount after the 小写 label, else the last amount on the 价税合计 row."""
    for label in (SMALL_LABEL, TOTAL_ROW_LABEL):
        for text in texts:
            match = label.search(text.spaced)
            if not match:
                continue
            if tokens := _amount_tokens(text, text.spaced[match.end() :]):
                return _readings((*tokens[-1], text))
            for source in _right_of(text, texts, max_gap=14):
                if tokens := _amount_tokens(source):
                    return _readings((*tokens[-1], source))
    return []


def _words(texts: list[_Text]) -> tuple[AmountWords, float] | None:
    """The 大写 amount on the 大写 row (its boxes' texts after the label and before the 小写, joined
    left to right), with the score of its least sure box; without a 大写 label, the longest box
    that reads in full as a 大写."""
    for label in (text for text in texts if WORDS_LABEL.search(text.spaced)):
        row = sorted((text for text in texts if _same_row(label, text)), key=lambda text: text.x0)
        parts = [(part, text) for text in row if (part := _words_part(text))]
        if parts and (words := read_words("".join(part for part, _ in parts))):
            return words, min(text.confidence for _, text in parts)
    readable = [
        (words, text.confidence)
        for text in texts
        if (words := read_words(_words_part(text))) and words.readings
    ]
    return max(readable, key=lambda found: len(found[0].text), default=None)


def _words_part(text: _Text) -> str:
    """The part of a box's text that may be the 大写: after the 价税合计 (大写) label, before 小写."""
    compact = text.compact
    for label in (TOTAL_ROW_LABEL, WORDS_LABEL):
        if match := label.search(compact):
            compact = compact[match.end() :]
    compact = re.split(r"\(?小写|¥", compact, maxsplit=1)[0]
    return compact.removeprefix(")")
