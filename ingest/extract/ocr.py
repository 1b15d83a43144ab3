"""The fields of an invoice page read from the text boxes an OCR engine (ingest/extract/engines.py)
found, and from where they sit. Pure: no Django.

Reads the identifiers of docs/fapiao-rules.md §Identifiers (20-digit 数电 number, 8-digit number, 10/12-digit
code, 校验码, taxpayer IDs as ingest/extract/tins.py proves them), the 开票日期, the kind from the title
(§Kinds names), and the amounts of §Amounts: 合计 金额 and 税额, 价税合计（小写） and its 大写 (read as
ingest/extract/amount_words.py allows; ingest/extract/ocr_amounts.py finds them), between whose readings
ingest/extract/amounts.py chooses by the arithmetic. A field no check confirms carries a doubt for the
reviewer. ingest/extract/ocr_text.py normalises the boxes and says where they sit.

Which block a name or TIN belongs to is decided by the nearest 购买方 or 销售方 label to its left:
数电 invoices print the two blocks side by side, legacy ones one above the other.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from PIL import Image

from ingest.extract.base import Extraction
from ingest.extract.engines import OcrEngine, TextBox, is_cjk
from ingest.extract.ocr_amounts import read_amounts
from ingest.extract.ocr_text import OcrText, below, label_pattern, ocr_text, right_of, same_row
from ingest.extract.reading import REPAIRED, UNCONFIRMED, Reading
from ingest.extract.tins import TIN_RUN_RE, fits, tin_reading
from invoices.fapiao import Kind, kind_from_bureau_text, type_code_from_invoice_code

TOP_OF_PAGE = 0.3  # title, code and number sit in the top 30% of the page


def extract_ocr(image: Image.Image, engine: OcrEngine) -> Extraction:
    """The fields OCR reads on a page, from the source "ocr"; pass the page through
    images.prepare_for_ocr first. A page with no invoice on it gives an Extraction without fields."""
    return extract_from_boxes(engine.read(image), page_height=image.height)


# Reading fields from text boxes.


NUMBER_LABEL = label_pattern("发票号码", "票号码", "发票号", "No.", "No")
CODE_LABEL = label_pattern("发票代码")
DATE_LABEL = label_pattern("开票日期")
CHECK_LABEL = label_pattern("校验码")
TIN_LABELS = (label_pattern("纳税人识别号", "信用代码", "识别号"), label_pattern("税号"))
# 名称 at the start of a box; OCR may split it (名 | 称：…) or glue a character of the vertical block
# label before it (买|名称：…).
NAME_LABEL = re.compile(r"^\W*(?:[购买方销售货]\W*)?(?:名\W*)?称\s*[:,]?\s*")
DRAWER_LABEL = label_pattern("开票人")
_OTHER_LABELS_RE = re.compile(r"销售方|销货单位|收款人|复核|开票人|\(章\)")


def extract_from_boxes(boxes: Iterable[TextBox], *, page_height: float | None = None) -> Extraction:
    """The fields in an engine's text boxes (see extract_ocr)."""
    texts = sorted(
        (text for text in map(ocr_text, boxes) if text.compact), key=lambda text: (text.y0, text.x0)
    )
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
        **read_amounts(texts),
    }
    extraction = Extraction(source="ocr")
    for name, reading in readings.items():
        if reading:
            extraction.put(name, reading.value, round(reading.score, 3), reading.doubt)
    return extraction


# Labelled values.

Parser = Callable[[str], tuple[str, float] | None]  # text -> (value, factor)


def _labelled(texts: list[OcrText], label: re.Pattern[str], parse: Parser) -> Reading | None:
    """The value beside a label: in the label's own box, to its right on the row, or just below."""
    for text in texts:
        match = label.search(text.spaced)
        if not match:
            continue
        rest = text.spaced[match.end() :]
        chain = right_of(text, texts, max_gap=2)
        # The value may be split over boxes on the label's row ("66907 43915" "00080 63608").
        attempts = [(rest, text), (" ".join([rest, *(box.spaced for box in chain)]), text)]
        nearby = [*right_of(text, texts, max_gap=12)[:2], *below(text, texts)[:1]]
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


def _number(texts: list[OcrText], top: list[OcrText]) -> Reading | None:
    reading = _labelled(texts, NUMBER_LABEL, lambda text: _id_digits(text, (20, 8)))
    if reading or any(CHECK_LABEL.search(text.spaced) or CODE_LABEL.search(text.spaced) for text in texts):
        return reading
    # A 数电 number whose label was misread: at the top of a page without 发票代码 and 校验码 (the
    # legacy 20 digits), no other 20 digits compete.
    for text in top:
        if parsed := _id_digits(text.spaced, (20,)):
            return Reading(parsed[0], text.confidence, UNCONFIRMED * parsed[1])
    return None


def _code(texts: list[OcrText], top: list[OcrText]) -> Reading | None:
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


def _issue_date(texts: list[OcrText]) -> Reading | None:
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


def _kind(top: list[OcrText]) -> Reading | None:
    """The kind named by the title, the largest text at the top, which OCR may split in two
    (电子发票 | (增值税专用发票)) and which may carry a region first (深圳增值税电子普通发票)."""
    for text in sorted(top, key=lambda text: -text.height):
        row = sorted(
            (other for other in top if same_row(text, other) and other.height > 0.7 * text.height),
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


def _anchors(texts: list[OcrText]) -> list[tuple[str, OcrText]]:
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


def _block_cost(text: OcrText, anchor: OcrText) -> float | None:
    if anchor.x0 > text.x0:
        return None
    vertical = max(0.0, anchor.y0 - text.y1, text.y0 - anchor.y1)
    return vertical + 0.5 * max(0.0, text.x0 - anchor.x1)


def _block_of(text: OcrText, anchors: list[tuple[str, OcrText]]) -> tuple[str, float] | None:
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
    text: OcrText
    rank: int  # lower is better: how it was found


def _parties(texts: list[OcrText]) -> dict[str, Reading | None]:
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


def _assigned(candidates: list[_Candidate], anchors: list[tuple[str, OcrText]]) -> dict[str, Reading]:
    """The best candidate per block; without block labels, the first two in reading order (left
    before right on one row, else top before bottom) are the buyer's and the seller's."""
    if not anchors:
        best = sorted(candidates, key=lambda candidate: candidate.rank)
        pair = [candidate for candidate in best if candidate.rank == best[0].rank][:2] if best else []
        if len(pair) == 2 and (same_row(pair[0].text, pair[1].text) and pair[1].text.x0 < pair[0].text.x0):
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


def _name_candidates(texts: list[OcrText]) -> list[_Candidate]:
    candidates = []
    for text in texts:
        match = NAME_LABEL.match(text.spaced)
        if not match:
            continue
        rest = text.spaced[match.end() :].strip()
        source = text
        if not rest and (right := right_of(text, texts, max_gap=4)):
            source, rest = right[0], right[0].spaced.strip()
        if len(rest) >= 2 and any(is_cjk(char) or char.isalpha() for char in rest):
            candidates.append(_Candidate(Reading(_as_registered(rest), source.confidence), text, 0))
    return candidates


def _as_registered(name: str) -> str:
    """Company names are registered with full-width brackets (聚光科技（杭州）股份有限公司);
    NFKC and OCR turn them half-width."""
    return name.replace("(", "（").replace(")", "）")


def _tin_candidates(texts: list[OcrText]) -> list[_Candidate]:
    candidates = []
    for rank, label in enumerate(TIN_LABELS):
        for text in texts:
            match = label.search(text.spaced)
            if not match:
                continue
            # A TIN split into two boxes is joined again from the boxes beside its label.
            chain = right_of(text, texts, max_gap=2)
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
