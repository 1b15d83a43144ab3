"""Fapiao rules, pure Python (no Django).

Implements docs/fapiao-rules.md:

- §Normalisation, §Identifiers: identifier formats and normalisation, including the loose legacy taxpayer-ID
  formats;
- §TaxpayerIDs: 统一社会信用代码 (GB 32100-2015: alphabet, layout and check character);
- §InvoiceCodes: 发票代码 -> 查验 type code and region, a port of the official 查验 JS;
- §DigitalNumbers: the parts of a 20-digit 数电发票号码 and its region check against the seller;
- §QR, §Kinds: the QR payload, and the kind mappings, one table per source;
- §Amounts: 大写 <-> Decimal, and amounts as spreadsheets and PDFs print them;
- §Identifiers: the reconciliation identity; §Matching: "one character apart" for the match ladder.

A checksum failure is a warning, not a rejection: some early pilot codes fail it and are real.
Every parser raises FapiaoParseError, and nothing else, for input it cannot read.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from urllib.parse import parse_qsl

from rapidfuzz.distance import OSA

from invoices.lookalikes import unify_lookalikes

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(3**i % 31 for i in range(17))
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
LEGACY_TIN_RE = re.compile(r"^(?:[0-9A-Z]{15}|[0-9A-Z]{17}|[0-9A-Z]{20})$")
LEGACY_TIN_LENGTHS = (15, 17, 20)

_CURRENCY_MARKS = str.maketrans("", "", "¥￥\x00")


def normalize_text(value: str) -> str:
    """Half-width form (NFKC turns full-width digits, letters and punctuation into ASCII, and the
    Kangxi radicals into the characters they print as), radical look-alikes NFKC misses made their
    characters (invoices.lookalikes), without currency marks or NUL bytes, trimmed."""
    return unicodedata.normalize("NFKC", unify_lookalikes(value)).translate(_CURRENCY_MARKS).strip()


def normalize_id(value: str) -> str:
    """An identifier as the rules compare it: half-width, no whitespace anywhere, upper case.
    Composed again at the end, as removing a space can leave a combining mark beside a letter."""
    if value.isascii() and value.isalnum():  # the usual case, already in its form but for case
        return value.upper()
    return unicodedata.normalize("NFKC", "".join(normalize_text(value).split()).upper())


def uscc_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 whose first 17 characters are given."""
    total = sum(USCC_CHARS.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


class Kind(StrEnum):
    """The kinds of invoice the ledger knows. Each source's own codes and texts map onto these."""

    SPECIAL = "special"  # 增值税专用发票 (专票)
    ORDINARY = "ordinary"  # 增值税普通发票 (普票)
    E_SPECIAL = "e_special"  # 增值税电子专用发票
    E_ORDINARY = "e_ordinary"  # 增值税电子普通发票
    DIGITAL_SPECIAL = "digital_special"  # 数电票 (增值税专用发票)
    DIGITAL_ORDINARY = "digital_ordinary"  # 数电票 (普通发票)
    DIGITAL_PAPER_SPECIAL = "digital_paper_special"  # 数电纸质发票 (增值税专用发票)
    DIGITAL_PAPER_ORDINARY = "digital_paper_ordinary"  # 数电纸质发票 (普通发票)
    # A 数电 invoice known by its number alone (a hand-kept ledger without 票种): 专票 or 普票 is filled
    # in later, from the bureau's export or the captured original.
    DIGITAL_UNKNOWN = "digital_unknown"
    ROLL = "roll"  # 增值税普通发票 (卷式)
    TOLL = "toll"  # 通行费电子普通发票
    MOTOR_VEHICLE = "motor_vehicle"  # 机动车销售统一发票
    USED_VEHICLE = "used_vehicle"  # 二手车销售统一发票
    OTHER = "other"


class TinKind(StrEnum):
    USCC = "uscc"
    USCC_BAD_CHECK = "uscc_bad_check"
    LEGACY = "legacy"
    INVALID = "invalid"


class TinProblem(StrEnum):
    EMPTY = "empty"
    LENGTH = "length"
    ALPHABET = "alphabet"
    LAYOUT = "layout"
    CHECK_CHAR = "check_char"
    LEGACY_FORMAT = "legacy_format"


@dataclass(frozen=True)
class TinCheck:
    """What the rules say about one taxpayer ID.

    `tin` is the normalised form; `problem` is None only for a valid USCC; `expected_check`
    is set when the check character fails."""

    tin: str
    kind: TinKind
    problem: TinProblem | None = None
    expected_check: str | None = None

    @property
    def accepted(self) -> bool:
        return self.kind is not TinKind.INVALID

    @property
    def needs_confirmation(self) -> bool:
        return self.kind is TinKind.USCC_BAD_CHECK


def check_tin(raw: str) -> TinCheck:
    """Classify a taxpayer ID (纳税人识别号): a valid USCC, a USCC whose check character fails,
    a loose legacy TIN (15, 17 or 20 characters), or not a TIN at all."""
    tin = normalize_id(raw)
    if not tin:
        return TinCheck(tin, TinKind.INVALID, TinProblem.EMPTY)
    if len(tin) == 18:
        return _check_uscc(tin)
    if LEGACY_TIN_RE.match(tin):
        return TinCheck(tin, TinKind.LEGACY, TinProblem.LEGACY_FORMAT)
    if len(tin) in LEGACY_TIN_LENGTHS:
        return TinCheck(tin, TinKind.INVALID, TinProblem.ALPHABET)
    return TinCheck(tin, TinKind.INVALID, TinProblem.LENGTH)


def _check_uscc(tin: str) -> TinCheck:
    if any(char not in USCC_CHARS for char in tin):
        return TinCheck(tin, TinKind.INVALID, TinProblem.ALPHABET)
    if not USCC_RE.match(tin):
        return TinCheck(tin, TinKind.INVALID, TinProblem.LAYOUT)
    expected = uscc_check_char(tin[:17])
    if tin[17] != expected:
        return TinCheck(tin, TinKind.USCC_BAD_CHECK, TinProblem.CHECK_CHAR, expected)
    return TinCheck(tin, TinKind.USCC)


class FapiaoParseError(ValueError):
    """Input a parser here cannot read. Its text says why, in English."""


def _shown(text: str) -> str:
    """The input quoted for an error message, cut short: fuzzed or OCR input can be long."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


# §Identifiers: identifier formats. Inputs are already normalised; isascii() keeps out other scripts' digits.


def _is_digits(value: str, *lengths: int) -> bool:
    return value.isascii() and value.isdigit() and len(value) in lengths


def is_legacy_code(value: str) -> bool:
    return _is_digits(value, 10, 12)


def is_legacy_number(value: str) -> bool:
    return _is_digits(value, 8) and value != "00000000"


def is_digital_number(value: str) -> bool:
    return _is_digits(value, 20)


def is_check_code(value: str) -> bool:
    return _is_digits(value, 20)


def is_tax_classification_code(value: str) -> bool:
    return _is_digits(value, 19)


def invoice_identity(code: str, number: str, digital_number: str = "") -> str:
    """The reconciliation identity (§Identifiers): the 数电 number when there is one, else code:number."""
    if digital_number:
        return digital_number
    if not code and is_digital_number(number):
        return number
    return f"{code}:{number}"


# §InvoiceCodes: 发票代码 -> 查验 type code and region.

_SPECIAL_E_INVOICE_CODES = frozenset({"144031539110", "131001570151", "133011501118", "111001571071"})
_TYPE_BY_12_DIGIT_TAIL = {
    "11": "10",
    "04": "04",
    "05": "04",
    "06": "11",
    "07": "11",
    "12": "14",
    "17": "15",
    "13": "08",
}
_TYPE_BY_10_DIGIT_KIND = {"1": "01", "5": "01", "3": "04", "6": "04", "2": "02", "7": "02"}

REGION_NAMES: dict[str, str] = {
    "1100": "北京",
    "1200": "天津",
    "1300": "河北",
    "1400": "山西",
    "1500": "内蒙古",
    "2100": "辽宁",
    "2102": "大连",
    "2200": "吉林",
    "2300": "黑龙江",
    "3100": "上海",
    "3200": "江苏",
    "3300": "浙江",
    "3302": "宁波",
    "3400": "安徽",
    "3500": "福建",
    "3502": "厦门",
    "3600": "江西",
    "3700": "山东",
    "3702": "青岛",
    "4100": "河南",
    "4200": "湖北",
    "4300": "湖南",
    "4400": "广东",
    "4403": "深圳",
    "4500": "广西",
    "4600": "海南",
    "5000": "重庆",
    "5100": "四川",
    "5200": "贵州",
    "5300": "云南",
    "5400": "西藏",
    "6100": "陕西",
    "6200": "甘肃",
    "6300": "青海",
    "6400": "宁夏",
    "6500": "新疆",
}
_PLANNED_CITIES = frozenset(region for region in REGION_NAMES if not region.endswith("00"))
_PROVINCES = frozenset(region[:2] for region in REGION_NAMES)


def type_code_from_invoice_code(code: str) -> str:
    """The 查验 type code ("01" 专票 … "15" 二手车) a legacy 发票代码 implies; "99" when unknown."""
    if not is_legacy_code(code):
        return "99"
    if len(code) == 10:
        return _TYPE_BY_10_DIGIT_KIND.get(code[7], "99")
    if code in _SPECIAL_E_INVOICE_CODES:
        return "10"
    if code[0] == "0":
        return _TYPE_BY_12_DIGIT_TAIL.get(code[10:], "99")
    return "03" if code[7] == "2" else "99"


def region_from_invoice_code(code: str) -> str:
    """The 4-digit region of a legacy 发票代码: a planned city, else its province ("3500");
    "" when the code is not a legacy code."""
    if not is_legacy_code(code):
        return ""
    region = code[1:5] if len(code) == 12 else code[:4]
    return region if region in _PLANNED_CITIES else region[:2] + "00"


# §Kinds: one table per source, never shared: the same code means different kinds in different systems.

_KIND_BY_CODE_TYPE = {
    "01": Kind.SPECIAL,
    "02": Kind.OTHER,
    "03": Kind.MOTOR_VEHICLE,
    "04": Kind.ORDINARY,
    "08": Kind.E_SPECIAL,
    "10": Kind.E_ORDINARY,
    "11": Kind.ROLL,
    "14": Kind.TOLL,
    "15": Kind.USED_VEHICLE,
}
_KIND_BY_VERIFY_CODE = {
    "01": Kind.SPECIAL,
    "02": Kind.OTHER,
    "03": Kind.MOTOR_VEHICLE,
    "04": Kind.ORDINARY,
    "08": Kind.E_SPECIAL,
    "10": Kind.E_ORDINARY,
    "11": Kind.ROLL,
    "14": Kind.TOLL,
    "15": Kind.USED_VEHICLE,
    "31": Kind.DIGITAL_SPECIAL,
    "32": Kind.DIGITAL_ORDINARY,
    "51": Kind.OTHER,
    "61": Kind.OTHER,
    "83": Kind.OTHER,
    "84": Kind.OTHER,
    "85": Kind.OTHER,
    "100": Kind.OTHER,
    "102": Kind.OTHER,
    "008": Kind.DIGITAL_PAPER_SPECIAL,
    "010": Kind.DIGITAL_PAPER_ORDINARY,
}
_KIND_BY_TAX_ACCOUNT_CODE = {
    "01": Kind.SPECIAL,
    "03": Kind.MOTOR_VEHICLE,
    "04": Kind.ORDINARY,
    "08": Kind.E_SPECIAL,
    "10": Kind.E_ORDINARY,
    "11": Kind.ROLL,
    "14": Kind.TOLL,
    "15": Kind.USED_VEHICLE,
    "51": Kind.OTHER,
    "61": Kind.OTHER,
    "81": Kind.DIGITAL_SPECIAL,
    "82": Kind.DIGITAL_ORDINARY,
    "85": Kind.DIGITAL_PAPER_SPECIAL,
    "86": Kind.DIGITAL_PAPER_ORDINARY,
    "0910": Kind.DIGITAL_ORDINARY,
    "0920": Kind.DIGITAL_SPECIAL,
}
# Keys in normalize_text form (half-width parentheses), without spaces.
_KIND_BY_BUREAU_TEXT = {
    "增值税专用发票": Kind.SPECIAL,
    "机动车销售统一发票": Kind.MOTOR_VEHICLE,
    "增值税普通发票": Kind.ORDINARY,
    "增值税电子专用发票": Kind.E_SPECIAL,
    "增值税电子普通发票": Kind.E_ORDINARY,
    "增值税普通发票(卷式)": Kind.ROLL,
    "道路通行费电子普通发票": Kind.TOLL,
    "二手车销售统一发票": Kind.USED_VEHICLE,
    "数电票(铁路电子客票)": Kind.OTHER,
    "数电票(航空运输电子客票行程单)": Kind.OTHER,
    "数电票(增值税专用发票)": Kind.DIGITAL_SPECIAL,
    "数电票(普通发票)": Kind.DIGITAL_ORDINARY,
    "数电纸质发票(增值税专用发票)": Kind.DIGITAL_PAPER_SPECIAL,
    "数电纸质发票(普通发票)": Kind.DIGITAL_PAPER_ORDINARY,
    "电子发票(普通发票)": Kind.DIGITAL_ORDINARY,
    "电子发票(增值税专用发票)": Kind.DIGITAL_SPECIAL,
    "全电发票(普通发票)": Kind.DIGITAL_ORDINARY,
    "全电发票(增值税专用发票)": Kind.DIGITAL_SPECIAL,
    "数电发票(普通发票)": Kind.DIGITAL_ORDINARY,
    "数电发票(增值税专用发票)": Kind.DIGITAL_SPECIAL,
    "数电纸质票(普通发票)": Kind.DIGITAL_PAPER_ORDINARY,
    "数电纸质票(增值税专用发票)": Kind.DIGITAL_PAPER_SPECIAL,
    "数电票(票种待确认)": Kind.DIGITAL_UNKNOWN,
    "专票": Kind.SPECIAL,
    "普票": Kind.ORDINARY,
    "电子专票": Kind.E_SPECIAL,
    "电子普票": Kind.E_ORDINARY,
    "数电专票": Kind.DIGITAL_SPECIAL,
    "数电普票": Kind.DIGITAL_ORDINARY,
    "卷票": Kind.ROLL,
    "通行费": Kind.TOLL,
    "通行费电子普通发票": Kind.TOLL,
    "其他发票": Kind.OTHER,
}
_KIND_BY_QR_TYPE = {
    "01": Kind.SPECIAL,
    "02": Kind.OTHER,
    "03": Kind.MOTOR_VEHICLE,
    "04": Kind.ORDINARY,
    "08": Kind.E_SPECIAL,
    "10": Kind.E_ORDINARY,
    "11": Kind.ROLL,
    "14": Kind.TOLL,
    "15": Kind.USED_VEHICLE,
    "31": Kind.DIGITAL_SPECIAL,
    "32": Kind.DIGITAL_ORDINARY,
}

KIND_LABELS: dict[Kind, tuple[str, str]] = {
    Kind.SPECIAL: ("增值税专用发票", "Special VAT invoice"),
    Kind.ORDINARY: ("增值税普通发票", "Ordinary VAT invoice"),
    Kind.E_SPECIAL: ("增值税电子专用发票", "Electronic special VAT invoice"),
    Kind.E_ORDINARY: ("增值税电子普通发票", "Electronic ordinary VAT invoice"),
    Kind.DIGITAL_SPECIAL: ("数电票（增值税专用发票）", "Fully digital special VAT invoice"),
    Kind.DIGITAL_ORDINARY: ("数电票（普通发票）", "Fully digital ordinary invoice"),
    Kind.DIGITAL_PAPER_SPECIAL: ("数电纸质发票（增值税专用发票）", "Paper fully digital special VAT invoice"),
    Kind.DIGITAL_PAPER_ORDINARY: ("数电纸质发票（普通发票）", "Paper fully digital ordinary invoice"),
    Kind.DIGITAL_UNKNOWN: (
        "数电票（票种待确认）",
        "Fully digital invoice, special or ordinary not yet known",
    ),
    Kind.ROLL: ("增值税普通发票（卷式）", "Ordinary VAT invoice (roll)"),
    Kind.TOLL: ("通行费电子普通发票", "Electronic toll invoice"),
    Kind.MOTOR_VEHICLE: ("机动车销售统一发票", "Motor vehicle sales invoice"),
    Kind.USED_VEHICLE: ("二手车销售统一发票", "Used vehicle sales invoice"),
    Kind.OTHER: ("其他发票", "Other invoice"),
}


def kind_from_invoice_code(code: str) -> Kind | None:
    return _KIND_BY_CODE_TYPE.get(type_code_from_invoice_code(code))


def kind_from_verify_code(code: str) -> Kind | None:
    """The kind of a 查验 API type code ("01" … "32", "008", "010", …)."""
    return _KIND_BY_VERIFY_CODE.get(code.strip())


def kind_from_tax_account_code(code: str) -> Kind | None:
    """The kind of a 税务数字账户 票种 (fppz) code, or of the vendor codes 0910/0920."""
    return _KIND_BY_TAX_ACCOUNT_CODE.get(code.strip())


def kind_from_bureau_text(text: str) -> Kind | None:
    """The kind of a 发票票种 label as the bureau's export (or a vendor) prints it."""
    return _KIND_BY_BUREAU_TEXT.get("".join(normalize_text(text).split()))


def kind_from_qr(type_code: str, invoice_code: str) -> Kind | None:
    """The kind of a QR payload. The 发票代码 wins when present (§QR): a QR of type 10 may carry
    a 通行费 code."""
    return kind_from_invoice_code(invoice_code) or _KIND_BY_QR_TYPE.get(type_code)


# §DigitalNumbers: 数电发票号码.

# [likely] for 深圳, 青岛 and 厦门; [unsure] for 大连 and 宁波.
PLANNED_CITY_DIGITAL_REGIONS: dict[str, str] = {
    "95": "4403",
    "92": "3702",
    "94": "3502",
    "91": "2102",
    "93": "3302",
}


@dataclass(frozen=True)
class DigitalNumberParts:
    year: int
    region: str
    channel: str
    sequence: str


def parse_digital_number(number: str) -> DigitalNumberParts:
    """Split a 数电发票号码: YY, region (province or planned city), channel, 15-digit sequence."""
    if not is_digital_number(number):
        raise FapiaoParseError(f"a fully digital (数电) invoice number has 20 digits: {_shown(number)}")
    return DigitalNumberParts(2000 + int(number[:2]), number[2:4], number[4], number[5:])


def digital_region_matches_tin(number: str, seller_tin: str) -> bool | None:
    """Whether the region of a 数电 number is the seller's province or planned city;
    None when it cannot tell (a malformed number, a seller TIN that is not a USCC, an unknown region)."""
    try:
        region = parse_digital_number(number).region
    except FapiaoParseError:
        return None
    tin = check_tin(seller_tin)
    if tin.kind not in (TinKind.USCC, TinKind.USCC_BAD_CHECK) or tin.tin[2:4] not in _PROVINCES:
        return None
    if region in PLANNED_CITY_DIGITAL_REGIONS:
        return PLANNED_CITY_DIGITAL_REGIONS[region] == tin.tin[2:6]
    if region in _PROVINCES:
        return region == tin.tin[2:4]
    return None


# §QR: the payload.

CENT = Decimal("0.01")
_QR_AMOUNT_RE = re.compile(r"-?[0-9]{1,16}(?:\.[0-9]{1,2})?")
_QR_RANDOM_RE = re.compile(r"[0-9A-Fa-f]{0,8}")
_HEX_RE = re.compile(r"[0-9A-Fa-f]{0,128}")
_FEN_RE = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class QrData:
    """What a fapiao QR code says. `issue_date` is None only for links that carry no date
    (Shenzhen's blockchain invoices)."""

    type_code: str
    code: str
    number: str
    amount: Decimal
    amount_is_tax_inclusive: bool
    issue_date: date | None
    check_code: str
    random: str


def parse_qr(payload: str) -> QrData:
    """Read a fapiao QR payload: the comma-separated form, or a link with a query string."""
    text = payload.strip()
    if "?" in text:
        return _parse_qr_link(text.split("?", 1)[1])
    return _parse_qr_fields(text.split(","))


def _parse_qr_fields(fields: list[str]) -> QrData:
    if len(fields) == 9 and not fields[8]:
        fields = fields[:8]
    if len(fields) not in (7, 8):
        raise FapiaoParseError(f"a fapiao QR payload has 7 or 8 comma-separated fields, not {len(fields)}")
    version, type_code, code, number, amount, issued, *tail = fields
    if version != "01":
        raise FapiaoParseError(f"unknown QR payload version {_shown(version)}")
    if not _is_digits(type_code, 2):
        raise FapiaoParseError(f"the QR type code is not 2 digits: {_shown(type_code)}")
    _check_code_and_number(code, number)
    check_code, random = _qr_check_code_and_random(tail)
    return QrData(
        type_code=type_code,
        code=code,
        number=number,
        amount=_qr_amount(amount),
        amount_is_tax_inclusive=is_digital_number(number),
        issue_date=_qr_date(issued),
        check_code=check_code,
        random=random,
    )


def _check_code_and_number(code: str, number: str) -> None:
    if code and not is_legacy_code(code):
        raise FapiaoParseError(f"the QR invoice code is not 10 or 12 digits: {_shown(code)}")
    if not (is_legacy_number(number) or is_digital_number(number)):
        raise FapiaoParseError(f"the QR invoice number is not 8 or 20 digits: {_shown(number)}")


def _qr_check_code_and_random(tail: list[str]) -> tuple[str, str]:
    check_code, random = (*tail, "")[:2]
    if check_code and not is_check_code(check_code):
        if random:
            raise FapiaoParseError(f"the QR check code is not 20 digits: {_shown(check_code)}")
        # A 专票 has no 校验码, so its random value sits one field early.
        check_code, random = "", check_code
    if not _QR_RANDOM_RE.fullmatch(random):
        raise FapiaoParseError(f"the QR random value is not up to 8 hex digits: {_shown(random)}")
    return check_code, random


def _qr_amount(text: str) -> Decimal:
    if not _QR_AMOUNT_RE.fullmatch(text):
        raise FapiaoParseError(f"the QR amount is not an amount: {_shown(text)}")
    return Decimal(text).quantize(CENT)


def _qr_date(text: str) -> date:
    if not _is_digits(text, 8) or text[:2] not in ("19", "20"):
        raise FapiaoParseError(f"the QR issue date is not YYYYMMDD: {_shown(text)}")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise FapiaoParseError(f"the QR issue date is not a date: {_shown(text)}") from None


def _parse_qr_link(query: str) -> QrData:
    """A QR that is a link. Keys seen in public sources: Shenzhen's blockchain invoices carry
    hash, bill_num and total_amount (in fen, 价税合计); the bureau's own 查验 links name the
    fields fpdm, fphm, kprq (YYYYMMDD), fpje (合计金额), jym (校验码) and fplx (type code)."""
    params = _query_params(query)
    number = params.get("fphm") or params.get("bill_num", "")
    code = params.get("fpdm", "")
    _check_code_and_number(code, number)
    type_code = params.get("fplx", "")
    if type_code and not _is_digits(type_code, 2):
        raise FapiaoParseError(f"the QR type code is not 2 digits: {_shown(type_code)}")
    check_code = params.get("jym", "")
    if check_code and not _is_digits(check_code, 6, 20):
        raise FapiaoParseError(f"the QR check code is not 6 or 20 digits: {_shown(check_code)}")
    random = params.get("hash", "")
    if not _HEX_RE.fullmatch(random):
        raise FapiaoParseError(f"the QR hash is not hexadecimal: {_shown(random)}")
    amount, tax_inclusive = _link_amount(params, number)
    issued = params.get("kprq")
    return QrData(
        type_code=type_code,
        code=code,
        number=number,
        amount=amount,
        amount_is_tax_inclusive=tax_inclusive,
        issue_date=None if issued is None else _qr_date(issued),
        check_code=check_code,
        random=random,
    )


def _query_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(query.split("#", 1)[0], keep_blank_values=True):
        # The bureau's links spell keys in either case (fphm, Fphm).
        name = key.strip().lower()
        if name in params:
            raise FapiaoParseError(f"the QR link repeats {_shown(name)}")
        params[name] = value.strip()
    return params


def _link_amount(params: dict[str, str], number: str) -> tuple[Decimal, bool]:
    if "total_amount" in params:
        fen = params["total_amount"]
        if not _FEN_RE.fullmatch(fen):
            raise FapiaoParseError(f"the QR total_amount is not a whole number of fen: {_shown(fen)}")
        return (Decimal(fen) / 100).quantize(CENT), True
    if "fpje" in params:
        return _qr_amount(params["fpje"]), is_digital_number(number)
    raise FapiaoParseError("the QR link carries no amount (total_amount or fpje)")


# §Amounts, 大写: Chinese capital numerals <-> Decimal.

_DIGIT_WORDS = "零壹贰叁肆伍陆柒捌玖"
_NONZERO_DIGITS = {word: value for value, word in enumerate(_DIGIT_WORDS) if value}
_PLACE_WORDS = ("", "拾", "佰", "仟")
_PLACES = {word: place for place, word in enumerate(_PLACE_WORDS) if place}
_NEGATIVE_PREFIXES = ("(负数)", "负")
# The zeros before 分 belong to the leading 零* unless a 角 stands between: two adjacent 零* would
# backtrack quadratically on a long run of 零.
_FRACTION_RE = re.compile(
    r"零*(?:(?P<jiao>[零壹贰叁肆伍陆柒捌玖])角零*)?(?:(?P<fen>[零壹贰叁肆伍陆柒捌玖])分)?[整正]?"
)
_WORDS_LIMIT = 10**16


def words_to_decimal(text: str) -> Decimal:
    """The value of a 大写 amount: "人民币壹仟贰佰柒拾贰圆整", "（负数）伍角整", "拾元正", …"""
    words = "".join(normalize_text(text).split()).replace("元", "圆")
    negative, words = _strip_word_prefixes(words)
    if not words:
        raise FapiaoParseError(f"no amount in words: {_shown(text)}")
    if words.count("圆") > 1:
        raise FapiaoParseError(f"圆 appears twice: {_shown(text)}")
    yuan_words, yuan_mark, fraction_words = words.partition("圆")
    if not yuan_mark:
        yuan_words, fraction_words = "", words
        if "角" not in words and "分" not in words:
            raise FapiaoParseError(f"an amount in words needs 圆, 角 or 分: {_shown(text)}")
    elif not yuan_words:
        raise FapiaoParseError(f"nothing before 圆: {_shown(text)}")
    value = (_integer_from_words(yuan_words) + _fraction_from_words(fraction_words)).quantize(CENT)
    return -value if negative and value else value


def _strip_word_prefixes(words: str) -> tuple[bool, str]:
    """Remove 人民币 and the red-invoice sign, which come in either order."""
    currency = words.startswith("人民币")
    words = words.removeprefix("人民币")
    sign = next((prefix for prefix in _NEGATIVE_PREFIXES if words.startswith(prefix)), "")
    words = words.removeprefix(sign)
    if sign and not currency:
        words = words.removeprefix("人民币")
    return bool(sign), words


def _fraction_from_words(words: str) -> Decimal:
    match = _FRACTION_RE.fullmatch(words)
    if not match:
        raise FapiaoParseError(f"cannot read the 角/分 part: {_shown(words)}")
    jiao, fen = (_DIGIT_WORDS.index(match[part]) if match[part] else 0 for part in ("jiao", "fen"))
    return Decimal(jiao) / 10 + Decimal(fen) / 100


def _integer_from_words(words: str) -> Decimal:
    if words.startswith("拾"):
        # "拾元整" is the short way of writing 壹拾圆整.
        words = "壹" + words
    return Decimal(_sectioned(words, "亿", 10**8, _below_hundred_million)) if words else Decimal(0)


def _below_hundred_million(words: str) -> int:
    return _sectioned(words, "万", 10**4, _below_ten_thousand)


def _sectioned(words: str, unit: str, scale: int, below: Callable[[str], int]) -> int:
    """A number split by its section word (万 or 亿): high section × scale + the rest."""
    high, separator, low = words.partition(unit)
    if not separator:
        return below(words)
    if unit in low:
        raise FapiaoParseError(f"{unit} appears twice in {_shown(words)}")
    high_value = below(high)
    if not high_value:
        raise FapiaoParseError(f"nothing before {unit} in {_shown(words)}")
    return high_value * scale + below(low)


def _below_ten_thousand(words: str) -> int:
    value, digit, last_place = 0, None, len(_PLACE_WORDS)
    for char in words:
        if char == "零":
            if digit is not None:
                raise FapiaoParseError(f"a digit without its place in {_shown(words)}")
        elif char in _NONZERO_DIGITS:
            if digit is not None:
                raise FapiaoParseError(f"two digits in a row in {_shown(words)}")
            digit = _NONZERO_DIGITS[char]
        elif char in _PLACES:
            place = _PLACES[char]
            if digit is None or place >= last_place:
                raise FapiaoParseError(f"{char} out of place in {_shown(words)}")
            value, digit, last_place = value + digit * 10**place, None, place
        else:
            raise FapiaoParseError(f"unknown character {char!r} in an amount in words")
    return value + (digit or 0)


def decimal_to_words(value: Decimal) -> str:
    """The 大写 of an amount as fapiao print it: 圆 and 角分, 整 after 圆 or 角 (never after 分),
    one 零 for a run of zeros, and the prefix （负数） for a red (negative) amount."""
    cents = _whole_cents(value)
    if not cents:
        return "零圆整"
    yuan, fraction = divmod(abs(cents), 100)
    jiao, fen = divmod(fraction, 10)
    words = _integer_words(yuan) + "圆" if yuan else ""
    if jiao:
        words += _DIGIT_WORDS[jiao] + "角"
    elif yuan and fen:
        words += "零"
    words += _DIGIT_WORDS[fen] + "分" if fen else "整"
    return ("（负数）" if cents < 0 else "") + words


def _whole_cents(value: Decimal) -> int:
    if not value.is_finite() or abs(value) >= _WORDS_LIMIT:
        raise FapiaoParseError(f"no amount in words for {value}: it must be finite and below 10**16")
    cents = value.quantize(CENT)
    if cents != value:
        raise FapiaoParseError(f"no amount in words for {value}: more than 2 decimal places")
    return int(cents * 100)


def _integer_words(number: int) -> str:
    for scale, unit in ((10**8, "亿"), (10**4, "万")):
        if number >= scale:
            high, low = divmod(number, scale)
            words = _integer_words(high) + unit
            if not low:
                return words
            # One 零 stands for the zeros between the parts: 107000 is 壹拾万零柒仟, 10500 壹万零伍佰.
            gap = "零" if high % 10 == 0 or low < scale // 10 else ""
            return words + gap + _integer_words(low)
    return _group_words(number)


def _group_words(number: int) -> str:
    """Below 10000: a zero between two digits is written once, trailing zeros not at all."""
    words, zero = "", False
    for place in reversed(range(len(_PLACE_WORDS))):
        digit = number // 10**place % 10
        if not digit:
            zero = bool(words)
            continue
        words += ("零" if zero else "") + _DIGIT_WORDS[digit] + _PLACE_WORDS[place]
        zero = False
    return words


# Amounts as spreadsheets and PDFs print them.

_AMOUNT_RE = re.compile(r"(?P<integer>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]{1,2}))?")
_AMOUNT_DIGITS = 16


def parse_amount(text: str) -> Decimal:
    """An amount like "¥1,234.50", "１２３４.５", "-12.00" or "(12.00)" (negative), to 2 places.
    More than 2 decimal places is an error, not rounded."""
    amount = "".join(normalize_text(text).split()).replace("\u2212", "-")
    negative = amount.startswith("-") or (amount.startswith("(") and amount.endswith(")"))
    if negative:
        amount = amount[1:-1] if amount.startswith("(") else amount[1:]
    match = _AMOUNT_RE.fullmatch(amount)
    if not match or len(match["integer"].replace(",", "")) > _AMOUNT_DIGITS:
        raise FapiaoParseError(f"not an amount: {_shown(text)}")
    value = Decimal(f"{match['integer'].replace(',', '')}.{match['fraction'] or '0'}").quantize(CENT)
    return -value if negative and value else value


def one_edit_apart(a: str, b: str) -> bool:
    """Whether two ids differ by one substitution, insertion, deletion or adjacent transposition:
    the usual typing and OCR slips (§Matching)."""
    return OSA.distance(a, b) == 1
