"""Fapiao identifier rules, pure Python (no Django).

Implements RULES.md §1 (normalisation of identifiers and the loose legacy taxpayer-ID formats)
and §2 (统一社会信用代码, GB 32100-2015: alphabet, layout and check character).

A checksum failure is a warning, not a rejection: some early pilot codes fail it and are real.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(3**i % 31 for i in range(17))
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
LEGACY_TIN_RE = re.compile(r"^(?:[0-9A-Z]{15}|[0-9A-Z]{17}|[0-9A-Z]{20})$")
LEGACY_TIN_LENGTHS = (15, 17, 20)

_CURRENCY_MARKS = str.maketrans("", "", "¥￥\x00")


def normalize_text(value: str) -> str:
    """Half-width form (NFKC turns full-width digits, letters and punctuation into ASCII),
    without currency marks or NUL bytes, trimmed."""
    return unicodedata.normalize("NFKC", value).translate(_CURRENCY_MARKS).strip()


def normalize_id(value: str) -> str:
    """An identifier as the rules compare it: half-width, no whitespace anywhere, upper case.
    Composed again at the end, as removing a space can leave a combining mark beside a letter."""
    return unicodedata.normalize("NFKC", re.sub(r"\s+", "", normalize_text(value)).upper())


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
