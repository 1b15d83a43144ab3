from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.fapiao import (
    KIND_LABELS,
    PLANNED_CITY_DIGITAL_REGIONS,
    REGION_NAMES,
    USCC_CHARS,
    DigitalNumberParts,
    FapiaoParseError,
    Kind,
    QrData,
    TinKind,
    TinProblem,
    check_tin,
    decimal_to_words,
    digital_region_matches_tin,
    invoice_identity,
    is_check_code,
    is_digital_number,
    is_legacy_code,
    is_legacy_number,
    is_tax_classification_code,
    kind_from_bureau_text,
    kind_from_invoice_code,
    kind_from_qr,
    kind_from_tax_account_code,
    kind_from_verify_code,
    normalize_id,
    one_edit_apart,
    parse_amount,
    parse_digital_number,
    parse_qr,
    region_from_invoice_code,
    type_code_from_invoice_code,
    uscc_check_char,
    words_to_decimal,
)

VALID_USCC = [
    "91110000600037341L",
    "91350200776049653A",
    "91330106MACKX4QG41",
    "12100000707137123P",
    "914400007556190127",
]
PILOT_CODES = {"91350100M0001TGQXM": "1", "91350211M0000XUF46": "R"}


def test_it_computes_the_worked_example_check_character():
    assert uscc_check_char("91110000600037341") == "L"


@pytest.mark.parametrize("tin", VALID_USCC)
def test_it_accepts_the_valid_samples(tin):
    check = check_tin(tin)
    assert (check.kind, check.problem, check.tin) == (TinKind.USCC, None, tin)


@pytest.mark.parametrize(("tin", "expected"), PILOT_CODES.items())
def test_it_warns_on_the_pilot_codes_that_fail_the_checksum(tin, expected):
    check = check_tin(tin)
    assert check.kind is TinKind.USCC_BAD_CHECK
    assert check.accepted and check.needs_confirmation
    assert check.expected_check == expected


@pytest.mark.parametrize(
    "raw",
    [
        "91110000600037341l",
        " 9111 0000 6000 3734 1L ",
        "９１１１００００６０００３７３４１Ｌ",
        "91110000600037341L\x00",
    ],
)
def test_it_normalises_case_spaces_and_full_width(raw):
    check = check_tin(raw)
    assert check.tin == "91110000600037341L"
    assert check.kind is TinKind.USCC


@pytest.mark.parametrize("raw", ["9", "9111000060003734", "9111000060003734119", "911100006000373411L22"])
def test_it_rejects_wrong_lengths(raw):
    check = check_tin(raw)
    assert (check.kind, check.problem) == (TinKind.INVALID, TinProblem.LENGTH)
    assert not check.accepted


def test_it_rejects_an_empty_tin():
    assert check_tin("  ").problem is TinProblem.EMPTY


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "-", "*"])
def test_it_rejects_characters_outside_the_uscc_alphabet(bad):
    check = check_tin("9111000060003734" + bad + "L")
    assert (check.kind, check.problem) == (TinKind.INVALID, TinProblem.ALPHABET)


def test_it_requires_digits_for_the_area_code():
    check = check_tin("91A10000600037341L")
    assert (check.kind, check.problem) == (TinKind.INVALID, TinProblem.LAYOUT)


@pytest.mark.parametrize("tin", ["110108700000123", "11010870000012345", "11010819800101123X01"])
def test_it_accepts_legacy_lengths_with_a_warning(tin):
    check = check_tin(tin)
    assert (check.kind, check.problem) == (TinKind.LEGACY, TinProblem.LEGACY_FORMAT)
    assert check.accepted and not check.needs_confirmation


def test_it_rejects_punctuation_in_a_legacy_length():
    check = check_tin("110108-00000123")
    assert (check.kind, check.problem) == (TinKind.INVALID, TinProblem.ALPHABET)


USCC_CHAR = st.sampled_from(USCC_CHARS)
DIGIT = st.sampled_from("0123456789")
FIRST_17 = st.tuples(
    st.lists(USCC_CHAR, min_size=2, max_size=2),
    st.lists(DIGIT, min_size=6, max_size=6),
    st.lists(USCC_CHAR, min_size=9, max_size=9),
).map(lambda parts: "".join(c for part in parts for c in part))


@given(FIRST_17)
def test_a_generated_uscc_validates(first17):
    assert check_tin(first17 + uscc_check_char(first17)).kind is TinKind.USCC


@given(FIRST_17, st.integers(min_value=0, max_value=17), USCC_CHAR)
def test_any_single_substitution_is_caught(first17, position, replacement):
    tin = first17 + uscc_check_char(first17)
    changed = tin[:position] + replacement + tin[position + 1 :]
    if changed != tin:
        assert check_tin(changed).kind is not TinKind.USCC


@given(st.text(max_size=30))
def test_normalising_twice_changes_nothing(raw):
    once = normalize_id(raw)
    assert normalize_id(once) == once


# §Identifiers: identifier formats


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (is_legacy_code, ["4300171130", "044001500111"], ["430017113", "04400150011", "430017113O"]),
        (is_legacy_number, ["02550485", "00000001"], ["00000000", "2550485", "025504850", "0255048A"]),
        (is_digital_number, ["24312000000136634917"], ["2431200000013663491", "24312000000136634917 "]),
        (is_check_code, ["17884534745749991611"], ["178845347457499916", "1788453474574999161X"]),
        (is_tax_classification_code, ["3040201990000000000"], ["304020199000000000", "30402019900000000001"]),
    ],
)
def test_it_recognises_identifier_formats(check, good, bad):
    assert all(check(value) for value in good)
    assert not any(check(value) for value in bad)


def test_it_takes_only_ascii_digits_in_identifiers():
    assert not is_legacy_number("０２５５０４８５")
    assert not is_legacy_number("٠٢٥٥٠٤٨٥")


@pytest.mark.parametrize(
    ("code", "number", "digital_number", "identity"),
    [
        ("4300171130", "02550485", "", "4300171130:02550485"),
        ("", "24312000000136634917", "", "24312000000136634917"),
        ("", "", "24312000000136634917", "24312000000136634917"),
        ("050002400111", "12345678", "24502000000012345678", "24502000000012345678"),
        ("", "02550485", "", ":02550485"),
    ],
)
def test_it_builds_the_reconciliation_identity(code, number, digital_number, identity):
    assert invoice_identity(code, number, digital_number) == identity


# §InvoiceCodes: 发票代码 -> type and region


@pytest.mark.parametrize(
    ("code", "type_code"),
    [
        ("4300171130", "01"),
        ("3502181530", "01"),
        ("1200153320", "04"),
        ("1100173620", "04"),
        ("1100172230", "02"),
        ("1100172730", "02"),
        ("1100172930", "99"),
        ("044001500111", "10"),
        ("011001800104", "04"),
        ("011001800105", "04"),
        ("044031700106", "11"),
        ("044031700107", "11"),
        ("011001900112", "14"),
        ("011001900113", "08"),
        ("031001900117", "15"),
        ("144001723010", "03"),
        ("144031539110", "10"),
        ("111001571071", "10"),
        ("044001500199", "99"),
        ("144001713010", "99"),
        ("12345", "99"),
        ("43001711３0", "99"),
    ],
)
def test_it_ports_the_official_type_code_logic(code, type_code):
    assert type_code_from_invoice_code(code) == type_code


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("4300171130", "4300"),
        ("4403174320", "4403"),
        ("4401174320", "4400"),
        ("3502191130", "3502"),
        ("044001500111", "4400"),
        ("144031539110", "4403"),
        ("033021900111", "3302"),
        ("not a code", ""),
    ],
)
def test_it_reads_the_region_of_a_code(code, region):
    assert region_from_invoice_code(code) == region


def test_the_region_table_names_every_province_and_planned_city():
    assert len(REGION_NAMES) == 36
    assert (REGION_NAMES["3502"], REGION_NAMES["6500"]) == ("厦门", "新疆")
    assert set(PLANNED_CITY_DIGITAL_REGIONS.values()) < set(REGION_NAMES)


# §Kinds: one table per source


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("4300171130", Kind.SPECIAL),
        ("1200153320", Kind.ORDINARY),
        ("1100172230", Kind.OTHER),
        ("011001900113", Kind.E_SPECIAL),
        ("044001500111", Kind.E_ORDINARY),
        ("044031700106", Kind.ROLL),
        ("011001900112", Kind.TOLL),
        ("144001723010", Kind.MOTOR_VEHICLE),
        ("031001900117", Kind.USED_VEHICLE),
        ("044001500199", None),
        ("", None),
    ],
)
def test_it_takes_the_kind_from_the_invoice_code(code, kind):
    assert kind_from_invoice_code(code) == kind


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("01", Kind.SPECIAL),
        ("04", Kind.ORDINARY),
        ("08", Kind.E_SPECIAL),
        ("10", Kind.E_ORDINARY),
        ("14", Kind.TOLL),
        ("31", Kind.DIGITAL_SPECIAL),
        ("32", Kind.DIGITAL_ORDINARY),
        ("008", Kind.DIGITAL_PAPER_SPECIAL),
        ("010", Kind.DIGITAL_PAPER_ORDINARY),
        ("51", Kind.OTHER),
        ("61", Kind.OTHER),
        ("83", Kind.OTHER),
        ("84", Kind.OTHER),
        ("85", Kind.OTHER),
        ("100", Kind.OTHER),
        ("102", Kind.OTHER),
        ("81", None),
        ("8", None),
    ],
)
def test_it_maps_verification_type_codes(code, kind):
    assert kind_from_verify_code(code) == kind


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("01", Kind.SPECIAL),
        ("11", Kind.ROLL),
        ("81", Kind.DIGITAL_SPECIAL),
        ("82", Kind.DIGITAL_ORDINARY),
        ("85", Kind.DIGITAL_PAPER_SPECIAL),
        ("86", Kind.DIGITAL_PAPER_ORDINARY),
        ("51", Kind.OTHER),
        ("0910", Kind.DIGITAL_ORDINARY),
        ("0920", Kind.DIGITAL_SPECIAL),
        ("31", None),
        ("09", None),
    ],
)
def test_it_maps_tax_account_codes_apart_from_verification_codes(code, kind):
    assert kind_from_tax_account_code(code) == kind


def test_the_same_code_means_different_kinds_in_different_sources():
    assert kind_from_verify_code("85") is Kind.OTHER
    assert kind_from_tax_account_code("85") is Kind.DIGITAL_PAPER_SPECIAL


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("数电票(增值税专用发票)", Kind.DIGITAL_SPECIAL),
        ("数电票（普通发票）", Kind.DIGITAL_ORDINARY),
        (" 数电纸质发票（增值税专用发票） ", Kind.DIGITAL_PAPER_SPECIAL),
        ("数电纸质发票(普通发票)", Kind.DIGITAL_PAPER_ORDINARY),
        ("增值税普通发票(卷式)", Kind.ROLL),
        ("增值税普通发票 （卷式）", Kind.ROLL),
        ("道路通行费电子普通发票", Kind.TOLL),
        ("增值税专用发票", Kind.SPECIAL),
        ("增值税电子专用发票", Kind.E_SPECIAL),
        ("增值税电子普通发票", Kind.E_ORDINARY),
        ("机动车销售统一发票", Kind.MOTOR_VEHICLE),
        ("二手车销售统一发票", Kind.USED_VEHICLE),
        ("数电票(铁路电子客票)", Kind.OTHER),
        ("数电票(航空运输电子客票行程单)", Kind.OTHER),
        ("电子发票(普通发票)", Kind.DIGITAL_ORDINARY),
        ("电子发票（增值税专用发票）", Kind.DIGITAL_SPECIAL),
        ("全电发票(普通发票)", Kind.DIGITAL_ORDINARY),
        ("全电发票(增值税专用发票)", Kind.DIGITAL_SPECIAL),
        ("定额发票", None),
        ("", None),
    ],
)
def test_it_maps_the_bureau_labels(text, kind):
    assert kind_from_bureau_text(text) == kind


@pytest.mark.parametrize(
    ("type_code", "code", "kind"),
    [
        ("10", "011001900112", Kind.TOLL),
        ("10", "044001500111", Kind.E_ORDINARY),
        ("01", "4300171130", Kind.SPECIAL),
        ("04", "", Kind.ORDINARY),
        ("31", "", Kind.DIGITAL_SPECIAL),
        ("32", "", Kind.DIGITAL_ORDINARY),
        ("10", "044001500199", Kind.E_ORDINARY),
        ("99", "", None),
    ],
)
def test_it_prefers_the_invoice_code_to_the_qr_type(type_code, code, kind):
    assert kind_from_qr(type_code, code) == kind


def test_every_kind_has_a_chinese_and_an_english_label():
    assert set(KIND_LABELS) == set(Kind)
    assert all(chinese and english.isascii() for chinese, english in KIND_LABELS.values())


# §DigitalNumbers: 数电发票号码


def test_it_splits_a_digital_number():
    parts = parse_digital_number("24312000000136634917")
    assert parts == DigitalNumberParts(2024, "31", "2", "000000136634917")


BAD_DIGITAL_NUMBERS = ["", "2431200000013663491", "243120000001366349170", "24312000000136634X17"]


@pytest.mark.parametrize("number", BAD_DIGITAL_NUMBERS)
def test_it_rejects_a_digital_number_not_of_20_digits(number):
    with pytest.raises(FapiaoParseError, match="20 digits"):
        parse_digital_number(number)


@pytest.mark.parametrize(
    ("number", "seller_tin", "matches"),
    [
        ("24352000000012345678", "91350200776049653A", True),
        ("24942000000012345678", "91350200776049653A", True),
        ("24442000000012345678", "91350200776049653A", False),
        ("24952000000012345678", "91350200776049653A", False),
        ("23332000000012345678", "91330106MACKX4QG41", True),
        ("23932000000012345678", "91330106MACKX4QG41", False),
        ("24352000000012345678", "91350100M0001TGQXM", True),
        ("24352000000012345678", "12100000707137123P", None),
        ("24352000000012345678", "110108700000123", None),
        ("24992000000012345678", "91350200776049653A", None),
        ("2435200000001234567", "91350200776049653A", None),
    ],
)
def test_it_checks_the_digital_region_against_the_seller(number, seller_tin, matches):
    assert digital_region_matches_tin(number, seller_tin) is matches


# §QR: the payload


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            "01,10,044001500111,81966722,173.79,20170524,17884534745749991611,BE2D",
            QrData("10", "044001500111", "81966722", Decimal("173.79"), False, date(2017, 5, 24),
                   "17884534745749991611", "BE2D"),
        ),
        (
            "01,01,4300171130,02550485,10545.43,20180115,6579,",
            QrData("01", "4300171130", "02550485", Decimal("10545.43"), False, date(2018, 1, 15), "", "6579"),
        ),
        (
            "01,32,,24312000000136634917,0.01,20240514,,1DD6",
            QrData("32", "", "24312000000136634917", Decimal("0.01"), True, date(2024, 5, 14), "", "1DD6"),
        ),
        (
            "01,31,,26442000005310626521,31605.00,20260514,,",
            QrData("31", "", "26442000005310626521", Decimal("31605.00"), True, date(2026, 5, 14), "", ""),
        ),
        (
            "01,04,1200153320,07041662,183.49,20151221,83623873463907646339,5080,\n",
            QrData("04", "1200153320", "07041662", Decimal("183.49"), False, date(2015, 12, 21),
                   "83623873463907646339", "5080"),
        ),
        (
            "01,01,4300171130,02550485,400,20180115,6579",
            QrData("01", "4300171130", "02550485", Decimal("400.00"), False, date(2018, 1, 15), "", "6579"),
        ),
    ],
)  # fmt: skip
def test_it_reads_the_comma_separated_qr(payload, expected):
    assert parse_qr(payload) == expected


SHENZHEN = "https://bcfp.shenzhen.chinatax.gov.cn/verify/scan"


def test_it_reads_a_shenzhen_blockchain_link_with_its_amount_in_fen():
    qr = parse_qr(
        SHENZHEN + "?hash=007e07634a22c81eba4c66b5338819870eda751a830a2b12e66cad5296e923b205"
        "&bill_num=11427293&total_amount=7990"
    )
    assert (qr.number, qr.amount, qr.amount_is_tax_inclusive) == ("11427293", Decimal("79.90"), True)
    assert (qr.code, qr.issue_date, qr.check_code) == ("", None, "")
    assert qr.random.startswith("007e0763")


def test_it_reads_a_link_with_the_bureaus_field_names():
    qr = parse_qr(
        "https://inv-veri.chinatax.gov.cn/?fpdm=3502191130&Fphm=02670770&kprq=20190531"
        "&fpje=1000.00&jym=690593&fplx=01"
    )
    assert (qr.code, qr.number, qr.issue_date) == ("3502191130", "02670770", date(2019, 5, 31))
    assert (qr.amount, qr.amount_is_tax_inclusive) == (Decimal("1000.00"), False)
    assert (qr.check_code, qr.type_code, qr.random) == ("690593", "01", "")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("", "7 or 8"),
        ("01,10,044001500111,81966722,173.79,20170524", "7 or 8"),
        ("01,10,044001500111,81966722,173.79,20170524,17884534745749991611,BE2D,X", "7 or 8"),
        ("02,10,044001500111,81966722,173.79,20170524,17884534745749991611,BE2D", "version"),
        ("01,1,044001500111,81966722,173.79,20170524,,", "type code"),
        ("01,10,04400150011,81966722,173.79,20170524,,", "code"),
        ("01,10,044001500111,00000000,173.79,20170524,,", "number"),
        ("01,10,044001500111,81966722,1e5,20170524,,", "amount"),
        ("01,10,044001500111,81966722,173.795,20170524,,", "amount"),
        ("01,10,044001500111,81966722,NaN,20170524,,", "amount"),
        ("01,32,,24312000000136634917,0.01,20241345,,1DD6", "not a date"),
        ("01,32,,24312000000136634917,0.01,20240230,,1DD6", "not a date"),
        ("01,32,,24312000000136634917,0.01,18240514,,1DD6", "YYYYMMDD"),
        ("01,10,044001500111,81966722,173.79,20170524,1788453474574999161,BE2D", "check code"),
        ("01,01,4300171130,02550485,10545.43,20180115,XYZ,", "random"),
        (SHENZHEN + "?hash=00aa&bill_num=11427293", "no amount"),
        (SHENZHEN + "?hash=00aa&bill_num=11427293&total_amount=79.90", "fen"),
        (SHENZHEN + "?hash=**&bill_num=000000&total_amount=0", "number"),
        ("https://example.com/?fphm=11427293&fphm=11427294&fpje=1.00", "repeats"),
        ("https://example.com/?fphm=11427293&fpje=1.00&kprq=20241345", "not a date"),
        ("https://example.com/?fphm=11427293&fpje=1.00&hash=zz", "hash"),
        ("https://example.com/?fphm=11427293&fpje=1.00&jym=12345", "check code"),
        ("https://example.com/?fphm=11427293&fpje=1.00&fplx=1", "type code"),
        ("https://example.com/?", "number"),
    ],
)
def test_it_rejects_an_unreadable_qr_with_a_reason(payload, reason):
    with pytest.raises(FapiaoParseError, match=reason):
        parse_qr(payload)


# §Amounts: 大写


RULES_WORD_EXAMPLES = [
    ("壹仟贰佰柒拾贰圆整", "1272.00"),
    ("伍元陆角壹分", "5.61"),
    ("（负数）壹万肆仟圆整", "-14000.00"),
    ("壹拾圆零柒角整", "10.70"),
    ("壹拾万零柒仟圆伍角叁分", "107000.53"),
    ("叁佰贰拾伍圆零肆分", "325.04"),
    ("拾元整", "10.00"),
    ("壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零壹分", "123456789.01"),
]


@pytest.mark.parametrize(("words", "value"), RULES_WORD_EXAMPLES)
def test_it_reads_the_rules_examples(words, value):
    assert words_to_decimal(words) == Decimal(value)


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("人民币壹仟贰佰柒拾贰元正", "1272.00"),
        ("(负数)伍角整", "-0.50"),
        ("负伍分", "-0.05"),
        ("人民币（负数）壹圆整", "-1.00"),
        ("（负数）人民币壹圆整", "-1.00"),
        ("壹仟零零伍圆", "1005.00"),
        ("壹万亿圆整", "1000000000000.00"),
        ("壹 仟 圆 整", "1000.00"),
        ("零圆整", "0.00"),
        ("伍角", "0.50"),
    ],
)
def test_it_reads_the_variants_seen_in_the_wild(words, value):
    assert words_to_decimal(words) == Decimal(value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1272.00", "壹仟贰佰柒拾贰圆整"),
        ("5.61", "伍圆陆角壹分"),
        ("-14000.00", "（负数）壹万肆仟圆整"),
        ("10.70", "壹拾圆柒角整"),
        ("107000.53", "壹拾万零柒仟圆伍角叁分"),
        ("325.04", "叁佰贰拾伍圆零肆分"),
        ("10", "壹拾圆整"),
        ("123456789.01", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖圆零壹分"),
        ("0", "零圆整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("10.07", "壹拾圆零柒分"),
        ("100000.00", "壹拾万圆整"),
        ("1000000001.00", "壹拾亿零壹圆整"),
        ("10500", "壹万零伍佰圆整"),
        ("1.230", "壹圆贰角叁分"),
        ("9999999999999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖圆玖角玖分"),
    ],
)
def test_it_writes_amounts_in_words(value, words):
    assert decimal_to_words(Decimal(value)) == words


@pytest.mark.parametrize(
    "words",
    [
        "",
        "人民币",
        "整",
        "圆整",
        "壹佰",
        "壹佰圆贰圆",
        "伍分陆角",
        "壹佰美元",
        "壹万万圆",
        "万圆",
        "壹伍圆",
        "伍零圆",
        "壹拾佰圆",
    ],
)
def test_it_rejects_what_is_not_an_amount_in_words(words):
    with pytest.raises(FapiaoParseError):
        words_to_decimal(words)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1.234", "decimal places"),
        ("10000000000000000", "10\\*\\*16"),
        ("-10000000000000000", "10\\*\\*16"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
    ],
)
def test_it_refuses_to_write_what_fapiao_cannot_print(value, reason):
    with pytest.raises(FapiaoParseError, match=reason):
        decimal_to_words(Decimal(value))


AMOUNTS = st.decimals(
    min_value=Decimal("-999999999999.99"),
    max_value=Decimal("999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@given(AMOUNTS)
def test_words_round_trip_to_the_same_amount(value):
    assert words_to_decimal(decimal_to_words(value)) == value


@given(AMOUNTS)
def test_written_words_are_canonical(value):
    words = decimal_to_words(value)
    assert decimal_to_words(words_to_decimal(words)) == words


# Amounts as printed


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.50", "1234.50"),
        ("¥1,234.5", "1234.50"),
        ("￥ 1 234.50", "1234.50"),
        ("１２３４．５０", "1234.50"),
        ("-12", "-12.00"),
        ("−12.30", "-12.30"),
        ("(1,130.00)", "-1130.00"),
        ("（１１３０）", "-1130.00"),
        ("¥-0.01", "-0.01"),
        ("-0", "0.00"),
        ("1234567890123456", "1234567890123456.00"),
    ],
)
def test_it_reads_amounts_as_printed(text, value):
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "NaN",
        "Infinity",
        "1e5",
        "12.345",
        "1,23.00",
        "1,2345",
        "(-12)",
        "--12",
        "(12",
        "+12",
        ".5",
        "12.",
        "12345678901234567",
    ],
)
def test_it_rejects_what_is_not_an_amount(text):
    with pytest.raises(FapiaoParseError, match="not an amount"):
        parse_amount(text)


# §Matching: one edit apart


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        ("91350200776049653A", "91350200776049653B", True),
        ("91350200776049653A", "91350200776094653A", True),
        ("91350200776049653A", "9135020077604965A", True),
        ("02550485", "025504851", True),
        ("91350200776049653A", "91350200776049653A", False),
        ("91350200776049653A", "91350200776094653B", False),
        ("", "", False),
    ],
)
def test_it_tells_ids_one_edit_apart(a, b, apart):
    assert one_edit_apart(a, b) is apart


# Parsers raise only FapiaoParseError, whatever the input


QR_ALPHABET = st.text(alphabet="0123456789,.-?=&ABCDEFabcdef_fphmjykrqtoalunbs#%", max_size=120)
WORDS_ALPHABET = st.text(alphabet="零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正人民币负数()（） ", max_size=40)
PARSERS = [parse_qr, words_to_decimal, parse_amount, parse_digital_number]


@pytest.mark.parametrize("parser", PARSERS)
@given(text=st.one_of(st.text(), QR_ALPHABET, WORDS_ALPHABET))
def test_parsers_raise_only_their_own_error(parser, text):
    try:
        parser(text)
    except FapiaoParseError as error:
        assert str(error)


@given(st.integers(min_value=-(10**16) + 1, max_value=10**16 - 1), st.integers(min_value=0, max_value=3))
def test_writing_words_raises_only_its_own_error(units, exponent):
    try:
        decimal_to_words(Decimal(units).scaleb(-exponent))
    except FapiaoParseError as error:
        assert str(error)
