"""Each difference explained as a case: the sentence names what differs and by how much, in Chinese
and in English, and the flags name only what differs."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from invoices.fapiao import invoice_identity
from reconcile.explaining import as_text, explain
from reconcile.matching import reconcile
from reconcile.records import InvoiceRecord

BUYER = "91440300MA5F0E1D2M"
SELLER = "91310115MA1K4D8X0B"
NUMBER = "26312000000012345678"
BUREAU = InvoiceRecord(
    key="B1", code="", number=NUMBER, digital_number="", identity=NUMBER, kind="digital_special",
    issue_date=date(2026, 11, 4), seller_tin=SELLER, seller_name="上海示例商贸有限公司", buyer_tin=BUYER,
    buyer_name="深圳示例科技有限公司", amount=Decimal("51857.95"), tax=Decimal("6741.53"),
    total=Decimal("58599.48"),
)  # fmt: skip


def ledger(**changes) -> InvoiceRecord:
    if "number" in changes:
        changes["identity"] = invoice_identity("", changes["number"])
    return replace(BUREAU, key="L1", **changes)


def concluded(ours: InvoiceRecord | None, theirs: InvoiceRecord | None, as_of=date(2026, 11, 30)):
    (result,) = reconcile(
        [ours] if ours else [], [theirs] if theirs else [], direction="purchase", company_tin=BUYER,
        as_of=as_of, period=(date(2026, 10, 1), as_of),
    )  # fmt: skip
    return result


def sentence(result, ours, theirs, language: str) -> str:
    with translation.override(language):
        return as_text(
            explain(
                result.category, result.flags, ours, theirs, result.suggestion,
                days_missing=result.days_missing, candidates=len(result.candidates),
            )
        )  # fmt: skip


AMOUNT_SHIFTED = ledger(amount=Decimal("518579.50"), total=Decimal("525321.03"))
CASES = {
    "amount ten times": (
        AMOUNT_SHIFTED,
        BUREAU,
        "mismatch",
        ("amount", "decimal_shift", "total"),
        "台账金额是税局的 10 倍，建议改为 51,857.95；"
        "价税合计相差 466,721.55：台账 525,321.03，税局 58,599.48",
        "The ledger's amount is 10 times the bureau's; correct it to 51,857.95. The total differs by "
        "466,721.55: ledger 525,321.03, bureau 58,599.48",
    ),
    "tax a tenth": (
        ledger(tax=Decimal("674.15"), total=Decimal("52532.10")),
        BUREAU,
        "mismatch",
        ("tax", "decimal_shift", "total"),
        "台账税额是税局的 1/10，建议改为 6,741.53；价税合计相差 6,067.38：台账 52,532.10，税局 58,599.48",
        "The ledger's tax is 1/10 of the bureau's; correct it to 6,741.53. The total differs by 6,067.38: "
        "ledger 52,532.10, bureau 58,599.48",
    ),
    "one day": (
        ledger(issue_date=date(2026, 11, 3)),
        BUREAU,
        "mismatch",
        ("date",),
        "开票日期相差 1 天：台账 2026-11-03，税局 2026-11-04",
        "The issue dates are 1 day apart: ledger 2026-11-03, bureau 2026-11-04",
    ),
    "other period": (
        ledger(issue_date=date(2026, 10, 28)),
        BUREAU,
        "mismatch",
        ("date", "cross_period"),
        "开票日期相差 7 天，不在同一所属期：台账 2026-10-28，税局 2026-11-04",
        "The issue dates are 7 days apart, in different tax periods: ledger 2026-10-28, bureau 2026-11-04",
    ),
    "rounding": (
        ledger(tax=Decimal("6741.55"), total=Decimal("58599.50")),
        BUREAU,
        "mismatch",
        ("tax", "rounding", "total"),
        "税额相差 0.02（尾差）；价税合计相差 0.02（尾差）",
        "The tax differs by 0.02 (rounding). The total differs by 0.02 (rounding)",
    ),
    "rate": (
        ledger(tax=Decimal("4667.22"), total=Decimal("56525.17")),
        BUREAU,
        "mismatch",
        ("tax", "total", "rate"),
        "税额相差 2,074.31：台账 4,667.22，税局 6,741.53；"
        "价税合计相差 2,074.31：台账 56,525.17，税局 58,599.48；"
        "税率不同：台账约 9%，税局 13%",
        "The tax differs by 2,074.31: ledger 4,667.22, bureau 6,741.53. The total differs by 2,074.31: "
        "ledger 56,525.17, bureau 58,599.48. The tax rate differs: about 9% in the ledger, 13% at the bureau",
    ),
    "number digit": (
        ledger(number="26312000000012345679"),
        BUREAU,
        "number_typo",
        ("number",),
        f"发票号码差一位：台账 26312000000012345679，税局 {NUMBER}，建议改为 {NUMBER}",
        f"The invoice number is one digit off: ledger 26312000000012345679, bureau {NUMBER}; correct it to "
        f"{NUMBER}",
    ),
    "number swapped": (
        ledger(number="26312000000012345687"),
        BUREAU,
        "number_typo",
        ("number",),
        f"发票号码有相邻两位颠倒：台账 26312000000012345687，税局 {NUMBER}，建议改为 {NUMBER}",
        f"Two adjacent characters of the invoice number are swapped: ledger 26312000000012345687, bureau "
        f"{NUMBER}; correct it to {NUMBER}",
    ),
    "seller TIN character": (
        ledger(seller_tin="91310115MA1K4D8X1B"),
        BUREAU,
        "tin_error",
        ("seller_tin",),
        f"销方识别号有一位不同：台账 91310115MA1K4D8X1B，税局 {SELLER}，建议改为 {SELLER}",
        f"The seller's taxpayer ID has one character different: ledger 91310115MA1K4D8X1B, bureau {SELLER}; "
        f"correct it to {SELLER}",
    ),
    "seller TIN cut": (
        ledger(seller_tin="91310115MA1K4D8X"),
        BUREAU,
        "tin_error",
        ("seller_tin",),
        f"台账销方识别号末尾少了 2 位：台账 91310115MA1K4D8X，税局 {SELLER}，建议改为 {SELLER}",
        f"The seller's taxpayer ID in the ledger lacks 2 characters at the end: ledger 91310115MA1K4D8X, "
        f"bureau {SELLER}; correct it to {SELLER}",
    ),
    "voided": (
        ledger(),
        replace(BUREAU, status="voided"),
        "status_changed",
        ("voided",),
        "税局的发票状态为已作废，台账为正常",
        "The bureau has the invoice as Voided (作废), the ledger as Normal",
    ),
    "missing": (
        ledger(issue_date=date(2026, 11, 20)),
        None,
        "missing_in_bureau",
        (),
        "开票 10 天后税局数据中仍没有这张发票",
        "Still not in the bureau's data 10 days after issue",
    ),
    "not ours": (
        ledger(issue_date=date(2026, 11, 29), buyer_tin="91110108MA01A2B3CF"),
        None,
        "pending_sync",
        ("not_issued_to_company",),
        "税局数据导出时才开票 1 天，可能尚未同步；不是开给本公司的发票：购方识别号为 91110108MA01A2B3CF",
        "Issued 1 day before the bureau's data was taken: it may not have arrived yet. Not issued to this "
        "company: the buyer's taxpayer ID on it is 91110108MA01A2B3CF",
    ),
    "missing in ledger": (
        None,
        BUREAU,
        "missing_in_ledger",
        (),
        "税局数据中有这张发票，台账中没有",
        "The bureau has this invoice and the ledger does not",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_case_is_one_exact_sentence_in_chinese_and_in_english(case):
    ours, theirs, category, flags, chinese, english = CASES[case]
    result = concluded(ours, theirs)
    assert (result.category, result.flags) == (category, tuple(dict.fromkeys(flags)))
    assert sentence(result, ours, theirs, "zh-hans") == chinese
    assert sentence(result, ours, theirs, "en") == english


def test_a_shifted_decimal_point_alone_is_not_also_a_tax_rate():
    for shifted in (AMOUNT_SHIFTED, ledger(tax=Decimal("67415.30"), total=Decimal("119273.25"))):
        assert "rate" not in concluded(shifted, BUREAU).flags
    at_six = replace(BUREAU, tax=Decimal("3111.48"), total=Decimal("54969.43"))
    ten_times_the_tax = replace(at_six, key="L1", tax=Decimal("31114.80"), total=Decimal("82972.75"))
    assert concluded(ten_times_the_tax, at_six).flags == ("tax", "decimal_shift", "total")
    # A shift that also hides another rate still says so.
    both = ledger(amount=Decimal("518579.50"), tax=Decimal("4667.22"), total=Decimal("523246.72"))
    assert "rate" in concluded(both, BUREAU).flags


def test_a_one_day_difference_names_the_dates_not_decimal_points():
    ours = ledger(issue_date=date(2026, 11, 3))
    for language in ("zh-hans", "en"):
        text = sentence(concluded(ours, BUREAU), ours, BUREAU, language)
        assert "2026-11-03" in text and "2026-11-04" in text
        assert "小数点" not in text and "decimal" not in text


def test_an_ambiguous_record_counts_its_candidates():
    first = replace(BUREAU, number="26312000000012345670", identity="26312000000012345670")
    second = replace(BUREAU, key="B2", number="26312000000012345679", identity="26312000000012345679")
    results = reconcile(
        [ledger()], [first, second], direction="purchase", company_tin=BUYER, as_of=date(2026, 11, 30)
    )
    (ambiguous,) = [result for result in results if result.category == "ambiguous"]
    with translation.override("zh-hans"):
        text = explain("ambiguous", ambiguous.flags, ledger(), None, candidates=len(ambiguous.candidates))
    assert text == ["有 2 张税局发票都可能是这张，不会自动关联"]
    with translation.override("en"):
        text = explain("ambiguous", (), ledger(), None, candidates=1)
    assert text == ["1 bureau invoice could be this one: it is not linked by itself"]
