import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from invoices.fapiao import Kind
from invoices.validation import (
    MESSAGES,
    SEVERITIES,
    Context,
    Finding,
    InvoiceData,
    LineData,
    Severity,
    validate,
)

COMPANY_TIN = "91350200776049653A"  # 厦门
COMPANY_NAME = "厦门海沧贸易有限公司"
SUPPLIER_TIN = "91330106MACKX4QG41"  # 杭州
SUPPLIER_NAME = "杭州云栖软件有限公司"
STRANGER_TIN = "914400007556190127"  # 广东, a valid USCC of somebody else
STRANGER_NAME = "广州某公司"
TODAY = date(2024, 6, 30)
CONTEXT = Context(company_tin=COMPANY_TIN, company_name=COMPANY_NAME, today=TODAY)

PRINTER = LineData(
    item_name="*计算机外部设备*激光打印机",
    tax_classification_code="1090511030000000000",
    spec="M7400",
    unit="台",
    quantity=Decimal("4"),
    unit_price=Decimal("250"),
    amount=Decimal("1000.00"),
    rate="0.13",
    tax=Decimal("130.00"),
)
SPECIAL = InvoiceData(
    direction="purchase",
    kind=Kind.SPECIAL,
    code="3300231130",
    number="02550485",
    digital_number="",
    issue_date=date(2024, 5, 14),
    seller_name=SUPPLIER_NAME,
    seller_tin=SUPPLIER_TIN,
    buyer_name=COMPANY_NAME,
    buyer_tin=COMPANY_TIN,
    amount=Decimal("1000.00"),
    tax=Decimal("130.00"),
    total=Decimal("1130.00"),
    total_in_words="壹仟壹佰叁拾圆整",
    check_code="",
    is_red=False,
    has_blue_original=False,
    qr_payload="01,01,3300231130,02550485,1000.00,20240514,6579,",
    lines=(PRINTER,),
)

MAINTENANCE = LineData(
    item_name="*信息技术服务*软件维护费",
    tax_classification_code="3040201990000000000",
    spec="",
    unit="",
    quantity=None,
    unit_price=None,
    amount=Decimal("100.00"),
    rate="0.06",
    tax=Decimal("6.00"),
)
DIGITAL = replace(
    SPECIAL,
    kind=Kind.DIGITAL_ORDINARY,
    code="",
    number="",
    digital_number="24332000000123456789",
    amount=Decimal("100.00"),
    tax=Decimal("6.00"),
    total=Decimal("106.00"),
    total_in_words="壹佰零陆圆整",
    qr_payload="01,32,,24332000000123456789,106.00,20240514,,1DD6",
    lines=(MAINTENANCE,),
)

SALES = replace(
    SPECIAL,
    direction="sales",
    seller_name=COMPANY_NAME,
    seller_tin=COMPANY_TIN,
    buyer_name=SUPPLIER_NAME,
    buyer_tin=SUPPLIER_TIN,
    code="3500231130",
    qr_payload="01,01,3500231130,02550485,1000.00,20240514,6579,",
)


def with_line(invoice: InvoiceData, **changes) -> InvoiceData:
    return replace(invoice, lines=(replace(invoice.lines[0], **changes), *invoice.lines[1:]))


def with_rate(rate: str, tax: str, issued: date) -> InvoiceData:
    """The 专票 at another rate and date, its header, words and QR kept consistent."""
    total = Decimal("1000.00") + Decimal(tax)
    return replace(
        with_line(SPECIAL, rate=rate, tax=Decimal(tax)),
        tax=Decimal(tax),
        total=total,
        total_in_words="",
        issue_date=issued,
        qr_payload="",
    )


def red(invoice: InvoiceData, **changes) -> InvoiceData:
    negative_lines = tuple(
        replace(line, quantity=-line.quantity if line.quantity else None, amount=-line.amount, tax=-line.tax)
        for line in invoice.lines
    )
    return replace(
        invoice,
        is_red=True,
        amount=-invoice.amount,
        tax=-invoice.tax,
        total=-invoice.total,
        total_in_words="（负数）" + invoice.total_in_words,
        qr_payload="",
        lines=negative_lines,
        **changes,
    )


def many_lines(count: int) -> InvoiceData:
    """Lines whose tax is each 0.05 above amount × rate: fine one by one, not in sum past 1.27."""
    line = replace(MAINTENANCE, rate="0.13", amount=Decimal("10.00"), tax=Decimal("1.35"))
    return replace(
        SPECIAL,
        amount=Decimal("10.00") * count,
        tax=Decimal("1.35") * count,
        total=Decimal("11.35") * count,
        total_in_words="",
        qr_payload="",
        lines=(line,) * count,
    )


WITH_DISCOUNT = replace(
    SPECIAL,
    amount=Decimal("900.00"),
    tax=Decimal("117.00"),
    total=Decimal("1017.00"),
    total_in_words="壹仟零壹拾柒圆整",
    qr_payload="01,01,3300231130,02550485,900.00,20240514,6579,",
    lines=(
        PRINTER,
        replace(PRINTER, item_name="*折扣*", quantity=None, unit_price=None, amount=Decimal("-100.00"),
                tax=Decimal("-13.00")),
    ),
)  # fmt: skip
EXEMPT = replace(
    with_line(SPECIAL, rate="免税", tax=Decimal("0.00")),
    kind=Kind.ORDINARY,
    code="3300231630",
    tax=Decimal("0.00"),
    total=Decimal("1000.00"),
    total_in_words="壹仟圆整",
    qr_payload="",
)
WITHOUT_LINES = replace(SPECIAL, lines=())
DIGITAL_PAPER = replace(
    DIGITAL,
    kind=Kind.DIGITAL_PAPER_ORDINARY,
    code="033002400104",
    number="12345678",
    qr_payload="",
)
DIGITAL_SALES_FROM_XIAMEN = replace(
    DIGITAL,
    direction="sales",
    seller_name=COMPANY_NAME,
    seller_tin=COMPANY_TIN,
    buyer_name=SUPPLIER_NAME,
    buyer_tin=SUPPLIER_TIN,
    digital_number="24942000000123456789",
    qr_payload="01,32,,24942000000123456789,106.00,20240514,,1DD6",
)


def case(code: str, field: str, invoice: InvoiceData, context: Context = CONTEXT):
    return pytest.param(code, field, invoice, context, id=code)


TRIGGERS = [
    case("total_mismatch", "total", replace(SPECIAL, total=Decimal("1131.00"))),
    case("mixed_signs", "", replace(SPECIAL, tax=Decimal("-130.00"), total=Decimal("870.00"))),
    case("red_invoice_positive", "total", replace(SPECIAL, is_red=True, has_blue_original=True)),
    case(
        "blue_invoice_negative",
        "total",
        replace(red(SPECIAL), is_red=False),
    ),
    case("lines_amount_mismatch", "amount", with_line(SPECIAL, amount=Decimal("999.99"))),
    case("lines_tax_mismatch", "tax", with_line(SPECIAL, tax=Decimal("130.05"))),
    case("unknown_rate", "lines[0].rate", with_line(SPECIAL, rate="十三%")),
    case("exempt_line_has_tax", "lines[0].tax", with_line(SPECIAL, rate="免税")),
    case("line_tax_mismatch", "lines[0].tax", with_line(SPECIAL, tax=Decimal("130.07"))),
    case("quantity_price_mismatch", "lines[0].amount", with_line(SPECIAL, unit_price=Decimal("250.01"))),
    case("historic_rate", "lines[0].rate", with_rate("0.17", "170.00", date(2018, 3, 1))),
    case("rate_outside_period", "lines[0].rate", with_rate("0.17", "170.00", date(2024, 5, 14))),
    case("unusual_rate", "lines[0].rate", with_rate("0.07", "70.00", date(2024, 5, 14))),
    case("line_decimal_shift", "lines[0].tax", with_line(SPECIAL, tax=Decimal("1300.00"))),
    case("cumulative_tax_difference", "tax", many_lines(30)),
    case("words_unreadable", "total_in_words", replace(SPECIAL, total_in_words="壹仟壹佰叁拾美元")),
    case("words_mismatch", "total_in_words", replace(SPECIAL, total_in_words="壹佰壹拾叁圆整")),
    case("decimal_shift", "tax", replace(WITHOUT_LINES, tax=Decimal("13.00"), total=Decimal("1013.00"))),
    case("code_not_allowed", "code", replace(DIGITAL, code="3300231130")),
    case("invoice_code_invalid", "code", replace(SPECIAL, code="330023113")),
    case("invoice_number_invalid", "number", replace(SPECIAL, number="2550485")),
    case("digital_number_invalid", "digital_number", replace(DIGITAL, digital_number="2433200000012345678")),
    case("kind_differs_from_code", "kind", replace(SPECIAL, kind=Kind.ORDINARY)),
    case("kind_unconfirmed", "kind", replace(DIGITAL, kind=Kind.DIGITAL_UNKNOWN)),
    case("check_code_invalid", "check_code", replace(DIGITAL, check_code="690593")),
    case("digital_number_year_mismatch", "digital_number", replace(DIGITAL, issue_date=date(2025, 1, 2))),
    case(
        "digital_number_region_mismatch",
        "seller_tin",
        replace(DIGITAL, digital_number="24442000000123456789"),
    ),
    case(
        "qr_unreadable",
        "qr_payload",
        replace(SPECIAL, qr_payload="01,01,3300231130,02550485,1000.00,20241345,,"),
    ),
    case(
        "qr_number_mismatch",
        "qr_payload",
        replace(SPECIAL, qr_payload="01,01,3300231130,02550486,1000.00,20240514,6579,"),
    ),
    case(
        "qr_date_mismatch",
        "qr_payload",
        replace(SPECIAL, qr_payload="01,01,3300231130,02550485,1000.00,20240515,6579,"),
    ),
    case(
        "qr_total_mismatch",
        "qr_payload",
        replace(DIGITAL, qr_payload="01,32,,24332000000123456789,100.00,20240514,,1DD6"),
    ),
    case(
        "qr_amount_mismatch",
        "qr_payload",
        replace(SPECIAL, qr_payload="01,01,3300231130,02550485,1130.00,20240514,6579,"),
    ),
    case("seller_tin_invalid", "seller_tin", replace(SPECIAL, seller_tin="91330106MACKX4QG")),
    case("seller_tin_check_failed", "seller_tin", replace(SPECIAL, seller_tin="91330106MACKX4QG42")),
    case("seller_tin_legacy", "seller_tin", replace(SPECIAL, seller_tin="330106700000123")),
    case("buyer_tin_invalid", "buyer_tin", replace(SALES, buyer_tin="91330106MACKX4QG")),
    case("buyer_tin_check_failed", "buyer_tin", replace(SALES, buyer_tin="91330106MACKX4QG42")),
    case("buyer_tin_legacy", "buyer_tin", replace(SALES, buyer_tin="330106700000123")),
    case(
        "buyer_not_company", "buyer_tin", replace(SPECIAL, buyer_tin=STRANGER_TIN, buyer_name=STRANGER_NAME)
    ),
    case(
        "seller_not_company", "seller_tin", replace(SALES, seller_tin=STRANGER_TIN, seller_name=STRANGER_NAME)
    ),
    case("issue_date_in_future", "issue_date", replace(SPECIAL, issue_date=TODAY + timedelta(days=1))),
    case("issue_date_too_old", "issue_date", replace(SPECIAL, issue_date=date(1999, 12, 31))),
    case("red_without_blue", "", red(SPECIAL)),
    case("near_duplicate", "", SPECIAL, replace(CONTEXT, near_duplicates=("3300231130:02550486",))),
]

NEAR_MISSES = [
    case("total_mismatch", "", WITH_DISCOUNT),
    case("mixed_signs", "", WITH_DISCOUNT),
    case("red_invoice_positive", "", red(SPECIAL, has_blue_original=True)),
    case("blue_invoice_negative", "", WITH_DISCOUNT),
    case("lines_amount_mismatch", "", WITH_DISCOUNT),
    case("lines_tax_mismatch", "", WITH_DISCOUNT),
    case("unknown_rate", "", with_line(SPECIAL, rate="13%")),
    case("exempt_line_has_tax", "", EXEMPT),
    case("line_tax_mismatch", "", with_line(SPECIAL, tax=Decimal("130.06"))),
    case("quantity_price_mismatch", "", with_line(SPECIAL, unit_price=Decimal("250.0025"))),
    case("historic_rate", "", with_rate("0.13", "130.00", date(2018, 3, 1))),
    case("rate_outside_period", "", with_rate("0.17", "170.00", date(2018, 4, 30))),
    case("unusual_rate", "", with_rate("0.015", "15.00", date(2024, 5, 14))),
    case("line_decimal_shift", "", with_line(SPECIAL, tax=Decimal("130.06"))),
    case("cumulative_tax_difference", "", many_lines(25)),
    case("words_unreadable", "", replace(SPECIAL, total_in_words="人民币壹仟壹佰叁拾元正")),
    case("words_mismatch", "", replace(SPECIAL, total_in_words="人民币壹仟壹佰叁拾元正")),
    case("decimal_shift", "", replace(EXEMPT, lines=())),
    case("code_not_allowed", "", DIGITAL),
    case("invoice_code_invalid", "", replace(SPECIAL, kind=Kind.E_ORDINARY, code="033002400111")),
    case("invoice_number_invalid", "", replace(SPECIAL, number="00000001")),
    case("digital_number_invalid", "", DIGITAL_PAPER),
    case("kind_differs_from_code", "", replace(SPECIAL, kind=Kind.E_ORDINARY, code="033002400111")),
    case("kind_unconfirmed", "", DIGITAL),
    case("check_code_invalid", "", replace(DIGITAL, check_code="17884534745749991611")),
    case("digital_number_year_mismatch", "", DIGITAL),
    case("digital_number_region_mismatch", "", DIGITAL_SALES_FROM_XIAMEN),
    case("qr_unreadable", "", SPECIAL),
    case("qr_number_mismatch", "", DIGITAL),
    case("qr_date_mismatch", "", DIGITAL),
    case("qr_total_mismatch", "", DIGITAL),
    case("qr_amount_mismatch", "", SPECIAL),
    case("seller_tin_invalid", "", SPECIAL),
    case("seller_tin_check_failed", "", SPECIAL),
    case("seller_tin_legacy", "", SPECIAL),
    case("buyer_tin_invalid", "", replace(SALES, buyer_tin="", buyer_name="张三")),
    case("buyer_tin_check_failed", "", SALES),
    case("buyer_tin_legacy", "", SALES),
    case("buyer_not_company", "", replace(SPECIAL, buyer_tin=" 9135 0200 7760 4965 3a ")),
    case("seller_not_company", "", SALES),
    case("issue_date_in_future", "", replace(SPECIAL, issue_date=TODAY)),
    case("issue_date_too_old", "", replace(SPECIAL, issue_date=date(2000, 1, 1))),
    case("red_without_blue", "", red(SPECIAL, has_blue_original=True)),
    case("near_duplicate", "", SPECIAL),
]


# The severity each finding must have, written out here rather than read from invoices.validation.
EXPECTED_SEVERITY = {
    "total_mismatch": "error",
    "mixed_signs": "error",
    "red_invoice_positive": "error",
    "blue_invoice_negative": "error",
    "lines_amount_mismatch": "error",
    "lines_tax_mismatch": "error",
    "unknown_rate": "error",
    "exempt_line_has_tax": "error",
    "line_tax_mismatch": "error",
    "quantity_price_mismatch": "warning",
    "historic_rate": "info",
    "rate_outside_period": "warning",
    "unusual_rate": "warning",
    "line_decimal_shift": "warning",
    "cumulative_tax_difference": "warning",
    "words_unreadable": "error",
    "words_mismatch": "error",
    "decimal_shift": "warning",
    "code_not_allowed": "error",
    "invoice_code_invalid": "error",
    "invoice_number_invalid": "error",
    "digital_number_invalid": "error",
    "kind_differs_from_code": "warning",
    "kind_unconfirmed": "warning",
    "check_code_invalid": "warning",
    "digital_number_year_mismatch": "warning",
    "digital_number_region_mismatch": "warning",
    "qr_unreadable": "warning",
    "qr_number_mismatch": "error",
    "qr_date_mismatch": "error",
    "qr_total_mismatch": "error",
    "qr_amount_mismatch": "error",
    "seller_tin_invalid": "error",
    "seller_tin_check_failed": "warning",
    "seller_tin_legacy": "info",
    "buyer_tin_invalid": "error",
    "buyer_tin_check_failed": "warning",
    "buyer_tin_legacy": "info",
    "buyer_not_company": "error",
    "seller_not_company": "error",
    "issue_date_in_future": "error",
    "issue_date_too_old": "error",
    "red_without_blue": "warning",
    "near_duplicate": "warning",
}


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


@pytest.mark.parametrize(("code", "field", "invoice", "context"), TRIGGERS)
def test_it_finds(code, field, invoice, context):
    found = [finding for finding in validate(invoice, context) if finding.code == code]
    assert found, codes(validate(invoice, context))
    assert (found[0].severity, found[0].field) == (EXPECTED_SEVERITY[code], field)


@pytest.mark.parametrize(("code", "field", "invoice", "context"), NEAR_MISSES)
def test_it_does_not_find(code, field, invoice, context):
    assert code not in codes(validate(invoice, context))


def test_every_finding_code_has_a_trigger_and_a_near_miss():
    assert {param.values[0] for param in TRIGGERS} == set(MESSAGES)
    assert {param.values[0] for param in NEAR_MISSES} == set(MESSAGES)
    assert set(SEVERITIES) == set(EXPECTED_SEVERITY) == set(MESSAGES)


@pytest.mark.parametrize(
    "invoice",
    [SPECIAL, DIGITAL, SALES, WITH_DISCOUNT, EXEMPT, DIGITAL_PAPER, DIGITAL_SALES_FROM_XIAMEN],
    ids=["special", "digital_ordinary", "sales", "discount", "exempt", "digital_paper", "digital_sales"],
)
def test_a_valid_invoice_gives_no_findings(invoice):
    assert validate(invoice, CONTEXT) == []


def test_a_red_invoice_linked_to_its_blue_original_gives_no_findings():
    assert validate(red(SPECIAL, has_blue_original=True), CONTEXT) == []


def test_a_historic_rate_in_its_period_is_only_a_note():
    findings = validate(with_rate("0.16", "160.00", date(2019, 3, 31)), CONTEXT)
    assert [(finding.code, finding.severity) for finding in findings] == [("historic_rate", Severity.INFO)]
    assert findings[0].params["period"] == "2018-05-01 – 2019-03-31"


def test_a_rate_is_reported_once_however_many_lines_carry_it():
    invoice = replace(many_lines(3), issue_date=date(2018, 3, 1))
    invoice = replace(
        invoice, lines=tuple(replace(line, rate="0.17", tax=Decimal("1.70")) for line in invoice.lines)
    )
    invoice = replace(invoice, tax=Decimal("5.10"), total=Decimal("35.10"))
    assert codes(validate(invoice, CONTEXT)) == ["historic_rate"]


@pytest.mark.parametrize(
    ("tax", "factor", "rate"),
    [("1300.00", "10", "13%"), ("13000.00", "100", "13%"), ("13.00", "1/10", "13%"), ("0.90", "1/100", "9%")],
)
def test_it_names_the_likely_decimal_shift(tax, factor, rate):
    invoice = replace(
        WITHOUT_LINES, tax=Decimal(tax), total=Decimal("1000.00") + Decimal(tax), total_in_words=""
    )
    [shift] = [finding for finding in validate(invoice, CONTEXT) if finding.code == "decimal_shift"]
    assert (shift.params["factor"], shift.params["rate"]) == (factor, rate)


def test_it_does_not_check_the_header_ratio_of_an_invoice_with_lines():
    mixed = replace(
        WITH_DISCOUNT,
        lines=(PRINTER, MAINTENANCE),
        amount=Decimal("1100.00"),
        tax=Decimal("136.00"),
        total=Decimal("1236.00"),
        total_in_words="",
        qr_payload="",
    )
    assert validate(mixed, CONTEXT) == []


def test_it_compares_a_shenzhen_blockchain_qr_with_the_total():
    shenzhen = replace(
        SPECIAL,
        kind=Kind.OTHER,
        code="144032009110",
        number="11427293",
        amount=Decimal("75.38"),
        tax=Decimal("4.52"),
        total=Decimal("79.90"),
        total_in_words="柒拾玖圆玖角整",
        lines=(),
        qr_payload="https://bcfp.shenzhen.chinatax.gov.cn/verify/scan?hash=007e0763&bill_num=11427293&total_amount=7990",
    )
    assert validate(shenzhen, CONTEXT) == []
    slipped = replace(shenzhen, qr_payload=shenzhen.qr_payload.replace("7990", "799"))
    assert codes(validate(slipped, CONTEXT)) == ["qr_total_mismatch"]


# buyer_not_company: the first reason an invoice is missing from the bureau's data


def buyer_finding(invoice: InvoiceData) -> Finding:
    [finding] = [finding for finding in validate(invoice, CONTEXT) if finding.code == "buyer_not_company"]
    return finding


def test_it_suggests_the_company_tin_when_the_buyer_tin_is_one_slip_away():
    finding = buyer_finding(replace(SPECIAL, buyer_tin="91350200776094653A", buyer_name="厦门海沧贸易公司"))
    assert finding.params == {
        "tin": "91350200776094653A",
        "company_tin": COMPANY_TIN,
        "suggestion": COMPANY_TIN,
    }
    assert finding.message("en").endswith("Probably a typo: 91350200776049653A.")
    assert finding.message("zh-hans").endswith("很可能是笔误，应为 91350200776049653A。")


def test_it_suggests_the_company_tin_when_the_buyer_name_is_the_company():
    finding = buyer_finding(replace(SPECIAL, buyer_tin=STRANGER_TIN, buyer_name=" 厦门海沧贸易有限公司 "))
    assert finding.params["suggestion"] == COMPANY_TIN


def test_it_suggests_nothing_for_another_company():
    finding = buyer_finding(replace(SPECIAL, buyer_tin=STRANGER_TIN, buyer_name=STRANGER_NAME))
    assert "suggestion" not in finding.params
    assert "typo" not in finding.message("en")


def test_it_reports_a_purchase_invoice_issued_to_a_person():
    finding = buyer_finding(replace(SPECIAL, buyer_tin="", buyer_name="张三"))
    assert finding.message("en").startswith(
        'The buyer TIN "" on this purchase invoice is not the company\'s TIN'
    )


# Messages


def test_a_message_names_the_values_in_both_languages():
    [finding] = [
        f for f in validate(replace(SPECIAL, total=Decimal("1140.00")), CONTEXT) if f.code == "total_mismatch"
    ]
    assert (
        finding.message("zh-hans")
        == "价税合计 1,140.00 不等于 金额 1,000.00 + 税额 130.00（应为 1,130.00）。"
    )
    assert (
        finding.message("en")
        == "Total 1,140.00 is not amount 1,000.00 + tax 130.00 (that would be 1,130.00)."
    )


@pytest.mark.parametrize(
    ("language", "english"), [("en", True), ("en-us", True), ("zh-hans", False), ("fr", False)]
)
def test_it_falls_back_to_chinese(language, english):
    [finding] = validate(replace(SPECIAL, issue_date=date(1999, 12, 31), qr_payload=""), CONTEXT)
    assert finding.message(language).startswith("Issue date" if english else "开票日期")


@pytest.mark.parametrize(("code", "field", "invoice", "context"), TRIGGERS)
def test_every_message_formats_with_its_own_params(code, field, invoice, context):
    for finding in validate(invoice, context):
        assert all(isinstance(value, str) for value in finding.params.values())
        json.dumps(finding.params)
        chinese, english = finding.message("zh-hans"), finding.message("en")
        assert chinese != english
        assert not any(mark in chinese + english for mark in "{}")


def test_findings_come_out_in_a_stable_order():
    invoice = replace(
        SPECIAL,
        total=Decimal("1131.00"),
        buyer_tin=STRANGER_TIN,
        issue_date=date(1999, 12, 31),
        qr_payload="",
    )
    expected = ["total_mismatch", "words_mismatch", "buyer_not_company", "issue_date_too_old"]
    assert codes(validate(invoice, CONTEXT)) == expected
    assert validate(invoice, CONTEXT) == validate(invoice, CONTEXT)


@pytest.mark.parametrize("change", [{"kind": "fapiao"}, {"direction": "both"}])
def test_a_kind_or_direction_outside_the_contract_is_a_bug(change):
    with pytest.raises(ValueError, match=r"fapiao|both"):
        validate(replace(SPECIAL, **change), CONTEXT)
