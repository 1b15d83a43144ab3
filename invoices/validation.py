"""The fapiao rules as findings a clerk can act on, pure Python (no Django).

Implements docs/fapiao-rules.md §Amounts (header identity, header = Σ lines, line tax, cumulative line-tax
error, quantity × price, the rate whitelist by 开票日期, 免税/不征税 lines, 大写 vs 小写, decimal-shift
plausibility, QR vs text), the identifier rules of §Identifiers to §DigitalNumbers (formats per kind, the kind
a 发票代码 implies, the year and region of a 数电 number, taxpayer IDs) and the sign rule of §Amounts/§Status
(是否正数发票: a red invoice is all ≤ 0). It also names the first reason of §Matching why an invoice is
missing from the bureau's data: the buyer's TIN on a purchase invoice is not the company's.

validate() reports bad data as findings and never raises for it; a kind or direction outside the
contract is the caller's bug and raises ValueError.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from invoices.fapiao import (
    CENT,
    KIND_LABELS,
    PLANNED_CITY_DIGITAL_REGIONS,
    REGION_NAMES,
    FapiaoParseError,
    Kind,
    TinKind,
    check_tin,
    digital_region_matches_tin,
    invoice_identity,
    is_check_code,
    is_digital_number,
    is_legacy_code,
    is_legacy_number,
    kind_from_invoice_code,
    normalize_id,
    normalize_text,
    one_edit_apart,
    parse_digital_number,
    parse_qr,
    words_to_decimal,
)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITIES: dict[str, Severity] = {
    "total_mismatch": Severity.ERROR,
    "mixed_signs": Severity.ERROR,
    "red_invoice_positive": Severity.ERROR,
    "blue_invoice_negative": Severity.ERROR,
    "lines_amount_mismatch": Severity.ERROR,
    "lines_tax_mismatch": Severity.ERROR,
    "unknown_rate": Severity.ERROR,
    "exempt_line_has_tax": Severity.ERROR,
    "line_tax_mismatch": Severity.ERROR,
    "quantity_price_mismatch": Severity.WARNING,
    "historic_rate": Severity.INFO,
    "rate_outside_period": Severity.WARNING,
    "unusual_rate": Severity.WARNING,
    "line_decimal_shift": Severity.WARNING,
    "cumulative_tax_difference": Severity.WARNING,
    "words_unreadable": Severity.ERROR,
    "words_mismatch": Severity.ERROR,
    "decimal_shift": Severity.WARNING,
    "code_not_allowed": Severity.ERROR,
    "invoice_code_invalid": Severity.ERROR,
    "invoice_number_invalid": Severity.ERROR,
    "digital_number_invalid": Severity.ERROR,
    "kind_differs_from_code": Severity.WARNING,
    "kind_unconfirmed": Severity.WARNING,
    "check_code_invalid": Severity.WARNING,
    "digital_number_year_mismatch": Severity.WARNING,
    "digital_number_region_mismatch": Severity.WARNING,
    "qr_unreadable": Severity.WARNING,
    "qr_number_mismatch": Severity.ERROR,
    "qr_date_mismatch": Severity.ERROR,
    "qr_total_mismatch": Severity.ERROR,
    "qr_amount_mismatch": Severity.ERROR,
    "seller_tin_invalid": Severity.ERROR,
    "seller_tin_check_failed": Severity.WARNING,
    "seller_tin_legacy": Severity.INFO,
    "buyer_tin_invalid": Severity.ERROR,
    "buyer_tin_check_failed": Severity.WARNING,
    "buyer_tin_legacy": Severity.INFO,
    "buyer_not_company": Severity.ERROR,
    "seller_not_company": Severity.ERROR,
    "issue_date_in_future": Severity.ERROR,
    "issue_date_too_old": Severity.ERROR,
    "red_without_blue": Severity.WARNING,
    "near_duplicate": Severity.WARNING,
}

MESSAGES: dict[str, tuple[str, str]] = {
    "total_mismatch": (
        "价税合计 {total} 不等于 金额 {amount} + 税额 {tax}（应为 {expected}）。",
        "Total {total} is not amount {amount} + tax {tax} (that would be {expected}).",
    ),
    "mixed_signs": (
        "金额 {amount}、税额 {tax}、价税合计 {total} 的正负号不一致："
        "蓝字发票应全为正数，红字发票应全为负数。",
        "Amount {amount}, tax {tax} and total {total} do not share one sign: "
        "a blue invoice is all positive, a red invoice all negative.",
    ),
    "red_invoice_positive": (
        "这是红字发票，金额 {amount}、税额 {tax}、价税合计 {total} 却不是负数。",
        "This is a red invoice, yet amount {amount}, tax {tax} and total {total} are not negative.",
    ),
    "blue_invoice_negative": (
        "这是蓝字发票，金额 {amount}、税额 {tax}、价税合计 {total} 却是负数；负数只出现在红字发票上。",
        "This is a blue invoice, yet amount {amount}, tax {tax} and total {total} are negative; "
        "only a red invoice is negative.",
    ),
    "lines_amount_mismatch": (
        "各行金额合计 {lines_total} 不等于发票金额 {amount}。",
        "The lines' amounts add up to {lines_total}, not the invoice amount {amount}.",
    ),
    "lines_tax_mismatch": (
        "各行税额合计 {lines_total} 不等于发票税额 {tax}。",
        "The lines' tax adds up to {lines_total}, not the invoice tax {tax}.",
    ),
    "unknown_rate": (
        "第 {line} 行的税率“{rate}”无法识别。",
        'Line {line}: the tax rate "{rate}" is not a rate.',
    ),
    "exempt_line_has_tax": (
        "第 {line} 行为{rate}，税额应为 0，却是 {tax}。",
        "Line {line} is {rate} (exempt or not taxable), so its tax must be 0, not {tax}.",
    ),
    "line_tax_mismatch": (
        "第 {line} 行税额 {tax} 与 金额 {amount} × 税率 {rate} = {expected} 相差超过 0.06。",
        "Line {line}: tax {tax} differs by more than 0.06 from amount {amount} × rate {rate} = {expected}.",
    ),
    "quantity_price_mismatch": (
        "第 {line} 行 数量 {quantity} × 单价 {unit_price} = {product}，与金额 {amount} 不符。",
        "Line {line}: quantity {quantity} × unit price {unit_price} = {product}, not the amount {amount}.",
    ),
    "historic_rate": (
        "第 {line} 行税率 {rate} 是旧税率，只在 {period} 期间适用；开票日期 {issue_date} 在此期间内。",
        "Line {line}: rate {rate} is a former rate, valid {period}; "
        "the issue date {issue_date} is within it.",
    ),
    "rate_outside_period": (
        "第 {line} 行税率 {rate} 只在 {period} 期间适用，开票日期 {issue_date} 不在此期间内。",
        "Line {line}: rate {rate} applied only {period}; the issue date {issue_date} is outside it.",
    ),
    "unusual_rate": (
        "第 {line} 行税率 {rate} 不是增值税的常用税率。",
        "Line {line}: rate {rate} is not a usual VAT rate.",
    ),
    "line_decimal_shift": (
        "第 {line} 行税额 {tax} 是金额 {amount} 的 {ratio}，约为 {rate} 税率的 {factor} 倍，可能小数点错位。",
        "Line {line}: tax {tax} is {ratio} of amount {amount}, about {factor} × the {rate} rate: "
        "a decimal point may be misplaced.",
    ),
    "cumulative_tax_difference": (
        "各行 金额 × 税率 之和 {computed} 与税额合计 {tax} 相差 {difference}，超过允许的 1.27。",
        "The lines' amount × rate add up to {computed} and their tax to {tax}: "
        "the difference {difference} is more than the 1.27 allowed.",
    ),
    "words_unreadable": (
        "价税合计（大写）“{words}”无法识别。",
        'The total in words "{words}" cannot be read.',
    ),
    "words_mismatch": (
        "价税合计（大写）“{words}”即 {words_value}，与小写 {total} 不符，可能是小数点或识别错误。",
        'The total in words "{words}" means {words_value}, not the total {total}: '
        "a decimal point may be misread.",
    ),
    "decimal_shift": (
        "税额 {tax} 是金额 {amount} 的 {ratio}，约为 {rate} 税率的 {factor} 倍，可能小数点错位。",
        "Tax {tax} is {ratio} of amount {amount}, about {factor} × the {rate} rate: "
        "a decimal point may be misplaced.",
    ),
    "code_not_allowed": (
        "数电发票没有发票代码，这里却填了“{code}”。",
        'A fully digital (数电) invoice has no invoice code, yet "{code}" is given.',
    ),
    "invoice_code_invalid": (
        "发票代码“{code}”应为 {digits} 位数字。",
        'Invoice code "{code}" should be {digits} digits.',
    ),
    "invoice_number_invalid": (
        "发票号码“{number}”应为 8 位数字（不能全为 0）。",
        'Invoice number "{number}" should be 8 digits (not all zeros).',
    ),
    "digital_number_invalid": (
        "数电发票号码“{number}”应为 20 位数字。",
        'The fully digital (数电) invoice number "{number}" should be 20 digits.',
    ),
    "kind_differs_from_code": (
        "发票代码 {code} 对应“{code_kind_zh}”，但票种登记为“{kind_zh}”。",
        'Invoice code {code} belongs to a "{code_kind_en}", but the invoice is recorded as "{kind_en}".',
    ),
    "kind_unconfirmed": (
        "数电发票 {number} 的票种（专票还是普票）尚未确认："
        "与税局数据对账或上传发票原件时会自动补上，也可在编辑页选择。",
        "Whether 数电 invoice {number} is a special or an ordinary invoice is not known yet: reconciling "
        "with the bureau's export or capturing the original fills it in, or choose it on the edit page.",
    ),
    "check_code_invalid": (
        "校验码“{check_code}”应为 20 位数字。",
        'Check code "{check_code}" should be 20 digits.',
    ),
    "digital_number_year_mismatch": (
        "数电发票号码 {number} 的年份是 {number_year} 年，开票日期却是 {issue_date}。",
        "数电 invoice number {number} carries the year {number_year}, but the issue date is {issue_date}.",
    ),
    "digital_number_region_mismatch": (
        "数电发票号码 {number} 的地区代码是 {number_region}，"
        "与销售方税号 {seller_tin} 的所在地 {seller_region} 不符。",
        "数电 invoice number {number} carries region {number_region}, "
        "but the seller's TIN {seller_tin} is registered in {seller_region}.",
    ),
    "qr_unreadable": (
        "发票二维码的内容无法识别：{payload}",
        "The invoice's QR code content cannot be read: {payload}",
    ),
    "qr_number_mismatch": (
        "二维码中的发票号码 {qr_number} 与发票上的 {number} 不一致。",
        "The QR code carries invoice number {qr_number}, the invoice says {number}.",
    ),
    "qr_date_mismatch": (
        "二维码中的开票日期 {qr_date} 与发票上的 {issue_date} 不一致。",
        "The QR code carries issue date {qr_date}, the invoice says {issue_date}.",
    ),
    "qr_total_mismatch": (
        "二维码中的价税合计 {qr_amount} 与发票上的价税合计 {total} 不一致。",
        "The QR code carries total {qr_amount}, the invoice says {total}.",
    ),
    "qr_amount_mismatch": (
        "二维码中的金额 {qr_amount} 与发票上的金额（不含税）{amount} 不一致。",
        "The QR code carries amount {qr_amount}, the invoice's amount before tax is {amount}.",
    ),
    "seller_tin_invalid": (
        "销售方纳税人识别号“{tin}”无效：应为 18 位统一社会信用代码，或 15、17、20 位的旧税号。",
        'Seller TIN "{tin}" is not a taxpayer ID: it should be an 18-character unified social credit '
        "code or a legacy 15, 17 or 20-character ID.",
    ),
    "seller_tin_check_failed": (
        "销售方税号 {tin} 的校验位不符（应为 {expected}），请核对；少数早期试点代码确实如此。",
        "Seller TIN {tin} fails its check character ({expected} expected); please check it, "
        "though a few early pilot codes are like this.",
    ),
    "seller_tin_legacy": (
        "销售方税号 {tin} 是旧式纳税人识别号，不是统一社会信用代码。",
        "Seller TIN {tin} is a legacy taxpayer ID, not a unified social credit code.",
    ),
    "buyer_tin_invalid": (
        "购买方纳税人识别号“{tin}”无效：应为 18 位统一社会信用代码，或 15、17、20 位的旧税号。",
        'Buyer TIN "{tin}" is not a taxpayer ID: it should be an 18-character unified social credit '
        "code or a legacy 15, 17 or 20-character ID.",
    ),
    "buyer_tin_check_failed": (
        "购买方税号 {tin} 的校验位不符（应为 {expected}），请核对；少数早期试点代码确实如此。",
        "Buyer TIN {tin} fails its check character ({expected} expected); please check it, "
        "though a few early pilot codes are like this.",
    ),
    "buyer_tin_legacy": (
        "购买方税号 {tin} 是旧式纳税人识别号，不是统一社会信用代码。",
        "Buyer TIN {tin} is a legacy taxpayer ID, not a unified social credit code.",
    ),
    "buyer_not_company": (
        "这张进项发票的购买方税号“{tin}”不是本公司税号 {company_tin}：税务局把它记在该税号名下，"
        "本公司的数据里查不到它。",
        'The buyer TIN "{tin}" on this purchase invoice is not the company\'s TIN {company_tin}: '
        "the tax bureau files the invoice under that taxpayer, so it is missing from the company's data.",
    ),
    "seller_not_company": (
        "这张销项发票的销售方税号“{tin}”不是本公司税号 {company_tin}。",
        'The seller TIN "{tin}" on this sales invoice is not the company\'s TIN {company_tin}.',
    ),
    "issue_date_in_future": (
        "开票日期 {issue_date} 晚于今天（{today}）。",
        "Issue date {issue_date} is after today ({today}).",
    ),
    "issue_date_too_old": (
        "开票日期 {issue_date} 早于 2000-01-01。",
        "Issue date {issue_date} is before 2000-01-01.",
    ),
    "red_without_blue": (
        "红字发票 {identity} 还没有关联对应的蓝字发票。",
        "Red invoice {identity} is not linked to its blue original.",
    ),
    "near_duplicate": (
        "可能与已有发票 {other} 重复：销售方、开票日期和价税合计都相同，号码只差一个字符。",
        "This may duplicate invoice {other}: same seller, issue date and total, "
        "and the number differs by one character.",
    ),
}

# Sentences appended to a message when its finding carries the named parameter.
HINTS: dict[str, tuple[str, str]] = {
    "suggestion": ("很可能是笔误，应为 {suggestion}。", "Probably a typo: {suggestion}."),
}


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "—"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    field: str
    params: dict[str, str]

    def message(self, language: str) -> str:
        """The message in "en" (or "en-…"); Chinese for "zh-hans" and anything else."""
        english = language.lower().split("-")[0] == "en"
        index = 1 if english else 0
        # A finding stored before its message changed still reads: unknown codes and placeholders
        # fall back to the code and a dash instead of failing.
        sentences = [MESSAGES.get(self.code, (self.code, self.code))[index]]
        sentences += [hint[index] for name, hint in HINTS.items() if name in self.params]
        return (" " if english else "").join(sentences).format_map(_Params(self.params))


@dataclass(frozen=True)
class LineData:
    item_name: str
    tax_classification_code: str
    spec: str
    unit: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    rate: str
    tax: Decimal


@dataclass(frozen=True)
class InvoiceData:
    direction: str
    kind: str
    code: str
    number: str
    digital_number: str
    issue_date: date
    seller_name: str
    seller_tin: str
    buyer_name: str
    buyer_tin: str
    amount: Decimal
    tax: Decimal
    total: Decimal
    total_in_words: str
    check_code: str
    is_red: bool
    has_blue_original: bool
    qr_payload: str
    lines: tuple[LineData, ...]


@dataclass(frozen=True)
class Context:
    company_tin: str
    company_name: str
    today: date
    near_duplicates: tuple[str, ...] = ()


LINE_TAX_TOLERANCE = Decimal("0.06")
CUMULATIVE_TAX_TOLERANCE = Decimal("1.27")
QUANTITY_PRICE_TOLERANCE = Decimal("0.01")
# A tax within 1% of amount × rate (or within 0.06) is "near" that rate: the legal rates and their
# tenfold shifts lie at least 6% apart (1.5% × 10 against 16%), while rounding moves a tax by cents.
SHIFT_TOLERANCE = Decimal("0.01")
EXEMPT_RATES = frozenset({"免税", "不征税"})
CURRENT_RATES = frozenset(
    Decimal(rate) for rate in ("0.13", "0.09", "0.06", "0.05", "0.03", "0.02", "0.015", "0.01", "0")
)
HISTORIC_RATES: dict[Decimal, tuple[date | None, date | None]] = {
    Decimal("0.17"): (None, date(2018, 4, 30)),
    Decimal("0.11"): (None, date(2018, 4, 30)),
    Decimal("0.16"): (date(2018, 5, 1), date(2019, 3, 31)),
    Decimal("0.10"): (date(2018, 5, 1), date(2019, 3, 31)),
    Decimal("0.04"): (None, date(2014, 6, 30)),
    Decimal("0.005"): (date(2020, 5, 1), None),  # used-car dealers
}
LEGAL_RATES = sorted((CURRENT_RATES | HISTORIC_RATES.keys()) - {Decimal(0)}, reverse=True)
SHIFT_FACTORS = (
    ("10", Decimal(10)),
    ("100", Decimal(100)),
    ("1/10", Decimal("0.1")),
    ("1/100", Decimal("0.01")),
)
EARLIEST_ISSUE_DATE = date(2000, 1, 1)
DIRECTIONS = ("purchase", "sales")
DIGITAL_KINDS = frozenset({Kind.DIGITAL_SPECIAL, Kind.DIGITAL_ORDINARY, Kind.DIGITAL_UNKNOWN})
DIGITAL_PAPER_KINDS = frozenset({Kind.DIGITAL_PAPER_SPECIAL, Kind.DIGITAL_PAPER_ORDINARY})
QR_PAYLOAD_SHOWN = 80


def validate(invoice: InvoiceData, context: Context) -> list[Finding]:
    """Every finding about one invoice, in the order of the checks below."""
    kind = Kind(invoice.kind)
    if invoice.direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {invoice.direction!r}")
    checks = (
        _sign_checks(invoice),
        _line_sum_checks(invoice),
        _line_checks(invoice),
        _cumulative_tax_check(invoice),
        _words_check(invoice),
        _header_shift_check(invoice),
        _identifier_checks(invoice, kind),
        _digital_number_checks(invoice),
        _qr_checks(invoice),
        _tin_checks(invoice),
        _direction_check(invoice, context),
        _date_checks(invoice, context),
        _red_check(invoice),
        _duplicate_checks(invoice, context),
    )
    return [finding for check in checks for finding in check]


def _finding(code: str, field: str, /, **params: str) -> Finding:
    return Finding(code, SEVERITIES[code], field, params)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _plain(value: Decimal) -> str:
    """A quantity or price as written, without trailing zeros or an exponent."""
    return format(value.normalize(), "f")


def _percent(value: Decimal) -> str:
    return _plain((value * 100).quantize(CENT)) + "%"


def _amounts(invoice: InvoiceData) -> dict[str, str]:
    return {"amount": _money(invoice.amount), "tax": _money(invoice.tax), "total": _money(invoice.total)}


# §Amounts: header identity and the sign rule


def _sign_checks(invoice: InvoiceData) -> Iterator[Finding]:
    if invoice.amount + invoice.tax != invoice.total:
        yield _finding(
            "total_mismatch", "total", expected=_money(invoice.amount + invoice.tax), **_amounts(invoice)
        )
    values = (invoice.amount, invoice.tax, invoice.total)
    positive, negative = any(value > 0 for value in values), any(value < 0 for value in values)
    if positive and negative:
        yield _finding("mixed_signs", "", **_amounts(invoice))
    elif invoice.is_red and positive:
        yield _finding("red_invoice_positive", "total", **_amounts(invoice))
    elif not invoice.is_red and negative:
        yield _finding("blue_invoice_negative", "total", **_amounts(invoice))


# §Amounts: lines. Discount lines are negative lines of a blue invoice: they are summed like any other.


def _line_sum_checks(invoice: InvoiceData) -> Iterator[Finding]:
    if not invoice.lines:
        return
    lines_amount = sum((line.amount for line in invoice.lines), Decimal(0))
    lines_tax = sum((line.tax for line in invoice.lines), Decimal(0))
    if lines_amount != invoice.amount:
        yield _finding(
            "lines_amount_mismatch", "amount", lines_total=_money(lines_amount), amount=_money(invoice.amount)
        )
    if lines_tax != invoice.tax:
        yield _finding("lines_tax_mismatch", "tax", lines_total=_money(lines_tax), tax=_money(invoice.tax))


def _rate(text: str) -> Decimal | None:
    """The rate a line's text names ("0.13" or "13%"); None for 免税/不征税 or no rate at all."""
    cleaned = normalize_text(text)
    try:
        rate = Decimal(cleaned.removesuffix("%"))
    except InvalidOperation:
        return None
    if cleaned.endswith("%"):
        rate /= 100
    return rate if rate.is_finite() and 0 <= rate < 1 else None


def _line_checks(invoice: InvoiceData) -> Iterator[Finding]:
    rates_seen: set[Decimal] = set()
    for index, line in enumerate(invoice.lines):
        number, field = str(index + 1), f"lines[{index}]"
        rate = _rate(line.rate)
        yield from _line_rate_checks(line, rate, number, field)
        yield from _quantity_price_check(line, number, field)
        if rate is None:
            continue
        if rate not in rates_seen:
            # Once per rate: a hundred lines at 17% need one note, not a hundred.
            rates_seen.add(rate)
            yield from _rate_period_check(rate, invoice.issue_date, number, field)
        yield from _shift_check("line_decimal_shift", line.amount, line.tax, f"{field}.tax", line=number)


def _line_rate_checks(line: LineData, rate: Decimal | None, number: str, field: str) -> Iterator[Finding]:
    if normalize_text(line.rate) in EXEMPT_RATES:
        if line.tax:
            yield _finding(
                "exempt_line_has_tax", f"{field}.tax", line=number, rate=line.rate, tax=_money(line.tax)
            )
    elif rate is None:
        yield _finding("unknown_rate", f"{field}.rate", line=number, rate=line.rate)
    else:
        yield from _line_tax_check(line, rate, number, field)


def _line_tax_check(line: LineData, rate: Decimal, number: str, field: str) -> Iterator[Finding]:
    expected = (line.amount * rate).quantize(CENT, ROUND_HALF_UP)
    if abs(expected - line.tax) > LINE_TAX_TOLERANCE:
        yield _finding(
            "line_tax_mismatch",
            f"{field}.tax",
            line=number,
            amount=_money(line.amount),
            rate=_percent(rate),
            tax=_money(line.tax),
            expected=_money(expected),
        )


def _quantity_price_check(line: LineData, number: str, field: str) -> Iterator[Finding]:
    if line.quantity is None or line.unit_price is None:
        return
    product = line.quantity * line.unit_price
    if abs(product - line.amount) > QUANTITY_PRICE_TOLERANCE:
        yield _finding(
            "quantity_price_mismatch",
            f"{field}.amount",
            line=number,
            quantity=_plain(line.quantity),
            unit_price=_plain(line.unit_price),
            product=_money(product),
            amount=_money(line.amount),
        )


def _rate_period_check(rate: Decimal, issue_date: date, number: str, field: str) -> Iterator[Finding]:
    if rate in CURRENT_RATES:
        return
    params = {"line": number, "rate": _percent(rate), "issue_date": issue_date.isoformat()}
    if rate not in HISTORIC_RATES:
        yield _finding("unusual_rate", f"{field}.rate", **params)
        return
    start, end = HISTORIC_RATES[rate]
    period = f"{start or '…'} – {end or '…'}"
    within = (start is None or start <= issue_date) and (end is None or issue_date <= end)
    yield _finding(
        "historic_rate" if within else "rate_outside_period", f"{field}.rate", period=period, **params
    )


def _cumulative_tax_check(invoice: InvoiceData) -> Iterator[Finding]:
    taxed = [(line, rate) for line in invoice.lines if (rate := _rate(line.rate)) is not None]
    computed = sum((line.amount * rate for line, rate in taxed), Decimal(0))
    tax = sum((line.tax for line, _ in taxed), Decimal(0))
    if abs(computed - tax) > CUMULATIVE_TAX_TOLERANCE:
        yield _finding(
            "cumulative_tax_difference",
            "tax",
            computed=_money(computed),
            tax=_money(tax),
            difference=_money(abs(computed - tax)),
        )


# §Amounts: 大写 vs 小写


def _words_check(invoice: InvoiceData) -> Iterator[Finding]:
    if not invoice.total_in_words:
        return
    try:
        value = words_to_decimal(invoice.total_in_words)
    except FapiaoParseError:
        yield _finding("words_unreadable", "total_in_words", words=invoice.total_in_words)
        return
    if value != invoice.total:
        yield _finding(
            "words_mismatch",
            "total_in_words",
            words=invoice.total_in_words,
            words_value=_money(value),
            total=_money(invoice.total),
        )


# §Amounts: decimal-shift plausibility


def _near(amount: Decimal, tax: Decimal, rate: Decimal) -> bool:
    expected = amount * rate
    return abs(expected - tax) <= max(LINE_TAX_TOLERANCE, abs(expected) * SHIFT_TOLERANCE)


def _decimal_shift(amount: Decimal, tax: Decimal) -> tuple[str, Decimal] | None:
    """(factor, rate) when tax/amount is near no legal rate but near factor × one of them."""
    if not amount or _near(amount, tax, Decimal(0)) or any(_near(amount, tax, rate) for rate in LEGAL_RATES):
        return None
    for label, factor in SHIFT_FACTORS:
        for rate in LEGAL_RATES:
            if _near(amount, tax, rate * factor):
                return label, rate
    return None


def _shift_check(code: str, amount: Decimal, tax: Decimal, field: str, **params: str) -> Iterator[Finding]:
    shift = _decimal_shift(amount, tax)
    if shift:
        factor, rate = shift
        yield _finding(
            code,
            field,
            tax=_money(tax),
            amount=_money(amount),
            ratio=_percent(tax / amount),
            factor=factor,
            rate=_percent(rate),
            **params,
        )


def _header_shift_check(invoice: InvoiceData) -> Iterator[Finding]:
    # With lines, each line is checked on its own: a header over lines at mixed rates blends them and
    # may sit near no rate at all.
    if not invoice.lines:
        yield from _shift_check("decimal_shift", invoice.amount, invoice.tax, "tax")


# §Identifiers to §DigitalNumbers: identifiers per kind


def _identifier_checks(invoice: InvoiceData, kind: Kind) -> Iterator[Finding]:
    if kind in DIGITAL_KINDS or (kind in DIGITAL_PAPER_KINDS and not invoice.code):
        yield from _digital_identifier_checks(invoice)
    elif kind in DIGITAL_PAPER_KINDS:
        yield from _paper_digital_identifier_checks(invoice)
    elif kind is not Kind.OTHER:
        yield from _legacy_identifier_checks(invoice, kind)
    if invoice.check_code and not is_check_code(invoice.check_code):
        yield _finding("check_code_invalid", "check_code", check_code=invoice.check_code)
    if kind is Kind.DIGITAL_UNKNOWN:
        yield _finding("kind_unconfirmed", "kind", number=invoice.digital_number or invoice.number)


def _digital_identifier_checks(invoice: InvoiceData) -> Iterator[Finding]:
    if invoice.code:
        yield _finding("code_not_allowed", "code", code=invoice.code)
    field = "digital_number" if invoice.digital_number else "number"
    number = invoice.digital_number or invoice.number
    if not is_digital_number(number):
        yield _finding("digital_number_invalid", field, number=number)


def _paper_digital_identifier_checks(invoice: InvoiceData) -> Iterator[Finding]:
    if not (is_legacy_code(invoice.code) and len(invoice.code) == 12):
        yield _finding("invoice_code_invalid", "code", code=invoice.code, digits="12")
    if not is_legacy_number(invoice.number):
        yield _finding("invoice_number_invalid", "number", number=invoice.number)
    if not is_digital_number(invoice.digital_number):
        yield _finding("digital_number_invalid", "digital_number", number=invoice.digital_number)


def _legacy_identifier_checks(invoice: InvoiceData, kind: Kind) -> Iterator[Finding]:
    if not is_legacy_code(invoice.code):
        yield _finding("invoice_code_invalid", "code", code=invoice.code, digits="10/12")
    if not is_legacy_number(invoice.number):
        yield _finding("invoice_number_invalid", "number", number=invoice.number)
    code_kind = kind_from_invoice_code(invoice.code)
    if code_kind and code_kind != kind:
        yield _finding(
            "kind_differs_from_code",
            "kind",
            code=invoice.code,
            code_kind_zh=KIND_LABELS[code_kind][0],
            code_kind_en=KIND_LABELS[code_kind][1],
            kind_zh=KIND_LABELS[kind][0],
            kind_en=KIND_LABELS[kind][1],
        )


# §DigitalNumbers: the year and region inside a 数电 number


def _digital_number(invoice: InvoiceData) -> str:
    return next((n for n in (invoice.digital_number, invoice.number) if is_digital_number(n)), "")


def _digital_number_checks(invoice: InvoiceData) -> Iterator[Finding]:
    number = _digital_number(invoice)
    if not number:
        return
    parts = parse_digital_number(number)
    if parts.year != invoice.issue_date.year:
        yield _finding(
            "digital_number_year_mismatch",
            "digital_number" if number == invoice.digital_number else "number",
            number=number,
            number_year=str(parts.year),
            issue_date=invoice.issue_date.isoformat(),
        )
    if digital_region_matches_tin(number, invoice.seller_tin) is False:
        seller_tin = normalize_id(invoice.seller_tin)
        yield _finding(
            "digital_number_region_mismatch",
            "seller_tin",
            number=number,
            number_region=_digital_region_label(parts.region),
            seller_tin=seller_tin,
            seller_region=_tin_region_label(seller_tin),
        )


def _digital_region_label(region: str) -> str:
    city = PLANNED_CITY_DIGITAL_REGIONS.get(region, f"{region}00")
    return f"{region} {REGION_NAMES.get(city, '')}".strip()


def _tin_region_label(tin: str) -> str:
    city = tin[2:6]
    region = city if city in PLANNED_CITY_DIGITAL_REGIONS.values() else tin[2:4] + "00"
    return f"{region} {REGION_NAMES[region]}"


# §QR, §Amounts: QR vs text


def _qr_checks(invoice: InvoiceData) -> Iterator[Finding]:
    if not invoice.qr_payload:
        return
    try:
        qr = parse_qr(invoice.qr_payload)
    except FapiaoParseError:
        yield _finding("qr_unreadable", "qr_payload", payload=invoice.qr_payload[:QR_PAYLOAD_SHOWN])
        return
    if qr.number not in (invoice.number, invoice.digital_number) or qr.code not in ("", invoice.code):
        yield _finding(
            "qr_number_mismatch",
            "qr_payload",
            qr_number=invoice_identity(qr.code, qr.number),
            number=invoice_identity(invoice.code, invoice.number, invoice.digital_number),
        )
    if qr.issue_date is not None and qr.issue_date != invoice.issue_date:
        yield _finding(
            "qr_date_mismatch",
            "qr_payload",
            qr_date=qr.issue_date.isoformat(),
            issue_date=invoice.issue_date.isoformat(),
        )
    # A 数电 QR (and Shenzhen's total_amount) carries 价税合计; a legacy QR carries 合计金额.
    if qr.amount_is_tax_inclusive and qr.amount != invoice.total:
        yield _finding(
            "qr_total_mismatch", "qr_payload", qr_amount=_money(qr.amount), total=_money(invoice.total)
        )
    elif not qr.amount_is_tax_inclusive and qr.amount != invoice.amount:
        yield _finding(
            "qr_amount_mismatch", "qr_payload", qr_amount=_money(qr.amount), amount=_money(invoice.amount)
        )


# §TaxpayerIDs: taxpayer IDs and the direction of the invoice (§Matching)


def _tin_checks(invoice: InvoiceData) -> Iterator[Finding]:
    yield from _party_tin_checks("seller", invoice.seller_tin)
    # A 普票 issued to a person carries no buyer TIN; the direction check covers purchases.
    if normalize_id(invoice.buyer_tin):
        yield from _party_tin_checks("buyer", invoice.buyer_tin)


def _party_tin_checks(party: str, raw_tin: str) -> Iterator[Finding]:
    check = check_tin(raw_tin)
    field = f"{party}_tin"
    if check.kind is TinKind.INVALID:
        yield _finding(f"{party}_tin_invalid", field, tin=check.tin)
    elif check.kind is TinKind.USCC_BAD_CHECK:
        yield _finding(f"{party}_tin_check_failed", field, tin=check.tin, expected=check.expected_check or "")
    elif check.kind is TinKind.LEGACY:
        yield _finding(f"{party}_tin_legacy", field, tin=check.tin)


def _same_name(a: str, b: str) -> bool:
    def comparable(name: str) -> str:
        return "".join(normalize_text(name).split())

    return bool(comparable(a)) and comparable(a) == comparable(b)


def _direction_check(invoice: InvoiceData, context: Context) -> Iterator[Finding]:
    if invoice.direction == "purchase":
        code, party, raw_tin, name = "buyer_not_company", "buyer", invoice.buyer_tin, invoice.buyer_name
    else:
        code, party, raw_tin, name = "seller_not_company", "seller", invoice.seller_tin, invoice.seller_name
    tin, company_tin = normalize_id(raw_tin), normalize_id(context.company_tin)
    if tin == company_tin:
        return
    params = {"tin": tin, "company_tin": company_tin}
    if one_edit_apart(tin, company_tin) or _same_name(name, context.company_name):
        params["suggestion"] = company_tin
    yield _finding(code, f"{party}_tin", **params)


# Dates, red invoices, duplicates


def _date_checks(invoice: InvoiceData, context: Context) -> Iterator[Finding]:
    issued = invoice.issue_date.isoformat()
    if invoice.issue_date > context.today:
        yield _finding(
            "issue_date_in_future", "issue_date", issue_date=issued, today=context.today.isoformat()
        )
    if invoice.issue_date < EARLIEST_ISSUE_DATE:
        yield _finding("issue_date_too_old", "issue_date", issue_date=issued)


def _identity(invoice: InvoiceData) -> str:
    return invoice_identity(invoice.code, invoice.number, invoice.digital_number)


def _red_check(invoice: InvoiceData) -> Iterator[Finding]:
    if invoice.is_red and not invoice.has_blue_original:
        yield _finding("red_without_blue", "", identity=_identity(invoice))


def _duplicate_checks(invoice: InvoiceData, context: Context) -> Iterator[Finding]:
    for other in context.near_duplicates:
        yield _finding("near_duplicate", "", other=other, identity=_identity(invoice))
