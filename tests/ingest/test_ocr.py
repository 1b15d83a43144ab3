"""OCR: fields from text boxes (fast, no engine), and the engines on real and generated pages (slow)."""

import random
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.extract.amount_words import LOOKALIKES
from ingest.extract.engines import RapidOcrEngine, TesseractEngine, TextBox, get_engine
from ingest.extract.images import load_images, prepare_for_ocr, render_pdf_pages
from ingest.extract.ocr import extract_from_boxes, extract_ocr
from ingest.extract.qr import extract_qr
from ingest.extract.reading import REPAIRED, UNPROVEN
from ingest.extract.tins import SWAPPED, repair_uscc
from invoices.fapiao import Kind, decimal_to_words
from tests.fixtures.invoice_images import KINDS, generated_scan, make_uscc, no_invoice_photo
from tests.fixtures.samples import read_sample, truth

OCR_FIELDS = (
    "kind",
    "code",
    "number",
    "issue_date",
    "check_code",
    "seller_name",
    "seller_tin",
    "buyer_name",
    "buyer_tin",
    "amount",
    "tax",
    "total",
    "total_in_words",
    "drawer",
)


def box(text: str, x0: float, y0: float, x1: float, y1: float, confidence: float = 0.99) -> TextBox:
    return TextBox(text, confidence, (x0, y0, x1, y1))


def values(boxes: list[TextBox]) -> dict[str, str]:
    return {name: field.value for name, field in extract_from_boxes(boxes).fields.items()}


def total_rows(amount: str, tax: str, small: str, words: str) -> list[TextBox]:
    """The 合计 and 价税合计 rows of a page, as RapidOCR reads them."""
    return [
        box("金额", 1212, 419, 1275, 457),
        box("税额", 1669, 419, 1733, 457),
        box("合", 157, 662, 188, 695),
        box("计", 295, 659, 332, 697),
        box(amount, 1234, 662, 1346, 694),
        box(tax, 1736, 662, 1836, 694),
        box("价税合计（大写）", 137, 724, 334, 759),
        box(f"⊗{words}", 484, 724, 855, 755),
        box(f"（小写）{small}", 1274, 721, 1493, 759),
    ]


# A 数电 page as RapidOCR read a generated scan: the two blocks side by side.
DIGITAL_PAGE = [
    box("电子发票", 638, 72, 835, 124),
    box("(增值税专用发票)", 851, 69, 1219, 125),
    box("发票号码：26122417776317066907", 1321, 65, 1729, 94),
    box("开票日期：2026年05月17日", 1320, 122, 1633, 149),
    box("全国统一发票监制章", 880, 132, 1010, 152),
    box("购买方信息", 44, 243, 81, 398),
    box("销售方信息", 946, 241, 986, 398),
    box("名称：深圳星讯供应链有限公司", 100, 269, 467, 300),
    box("名称：天津嘉禾供应链有限公司", 1006, 269, 1373, 300),
    box("统一社会信用代码/纳税人识别号：91440305344978690C", 99, 345, 768, 379),
    box("统一社会信用代码/纳税人识别号：92120116MABYUJBEX9", 1004, 346, 1687, 380),
    box("项目名称", 208, 420, 319, 456),
    *total_rows("¥4740.99", "¥148.24", "¥4889.23", "肆仟捌佰捌拾玖圆贰角叁分"),
    box("开票人：刘洋", 153, 1008, 311, 1042),
]

# A legacy page as RapidOCR read a real one (samples/img/imeth_…): the blocks one above the other.
LEGACY_PAGE = [
    box("深圳增值税电子普通发票", 410, 38, 901, 98),
    box("发票代码：044031900211", 936, 71, 1144, 94),
    box("发票号码：37820761", 934, 101, 1106, 127),
    box("开票日期：2020年07月06日", 935, 134, 1143, 157),
    box("机器编号：929905282535", 70, 162, 281, 188),
    box("校验码: 05660 23597 90082 60151", 936, 163, 1239, 189),
    box("购买方", 82, 207, 114, 307),
    box("名", 128, 200, 155, 228),
    box("称：深圳市骏合商贸有限公司", 224, 203, 443, 226),
    box("纳税人识别号：914403003597744087", 131, 233, 513, 256),
    box("货物或应税劳务、服务名称", 117, 326, 349, 352),
    box("金额", 902, 325, 971, 354),
    box("税额", 1124, 323, 1196, 356),
    box("合", 172, 554, 192, 580),
    box("计", 258, 550, 288, 581),
    box("￥ 37990.57", 916, 551, 1003, 572),
    box("￥ 2279.43", 1155, 551, 1234, 572),
    box("价税合计 (大写)", 154, 589, 294, 622),
    box("⊗肆万零贰佰柒拾圆整", 383, 595, 563, 625),
    box("(小写)", 933, 588, 998, 621),
    box("￥ 40270.00", 1143, 599, 1230, 620),
    box("名", 128, 629, 154, 657),
    box("称：深圳市白云航空旅游有限公司", 221, 629, 476, 659),
    box("销售方", 84, 641, 115, 733),
    box("纳税人识别号：91440300192478382J", 129, 659, 513, 685),
    box("91440300192478382J", 990, 721, 1148, 738),
    box("开票人：李利添", 699, 755, 830, 782),
    box("销售方：(章)", 900, 755, 1030, 782),
]


def test_it_reads_a_digital_invoice_with_its_blocks_side_by_side():
    assert values(DIGITAL_PAGE) == {
        "kind": Kind.DIGITAL_SPECIAL.value,
        "number": "26122417776317066907",
        "issue_date": "2026-05-17",
        "buyer_name": "深圳星讯供应链有限公司",
        "buyer_tin": "91440305344978690C",
        "seller_name": "天津嘉禾供应链有限公司",
        "seller_tin": "92120116MABYUJBEX9",
        "amount": "4740.99",
        "tax": "148.24",
        "total": "4889.23",
        "total_in_words": "肆仟捌佰捌拾玖圆贰角叁分",
        "drawer": "刘洋",
    }


def test_it_reads_a_legacy_invoice_with_its_blocks_one_above_the_other():
    assert values(LEGACY_PAGE) == {
        "kind": Kind.E_ORDINARY.value,
        "code": "044031900211",
        "number": "37820761",
        "issue_date": "2020-07-06",
        "check_code": "05660235979008260151",
        "buyer_name": "深圳市骏合商贸有限公司",
        "buyer_tin": "914403003597744087",
        "seller_name": "深圳市白云航空旅游有限公司",
        "seller_tin": "91440300192478382J",
        "amount": "37990.57",
        "tax": "2279.43",
        "total": "40270.00",
        "total_in_words": "肆万零贰佰柒拾圆整",
        "drawer": "李利添",
    }


def test_it_gives_the_fields_the_ocr_source_and_the_boxes_scores():
    fields = extract_from_boxes(DIGITAL_PAGE).fields

    assert {field.source for field in fields.values()} == {"ocr"}
    assert fields["number"].confidence == 0.99


def test_it_reads_nothing_on_a_page_without_an_invoice():
    assert values([box("Hello", 10, 10, 100, 40), box("2024 holiday photos", 10, 60, 300, 90)]) == {}


def test_it_reads_an_amount_whose_trailing_zero_ocr_dropped():
    page = total_rows("¥1,000.0", "¥130.00", "¥1,130.0", "壹仟壹佰叁拾圆整")

    assert {name: values(page)[name] for name in ("amount", "tax", "total")} == {
        "amount": "1000.00",
        "tax": "130.00",
        "total": "1130.00",
    }


def test_it_restores_a_lost_decimal_point_that_the_sum_proves():
    fields = extract_from_boxes(total_rows("¥100000", "¥130.00", "¥1130.00", "壹仟壹佰叁拾圆整")).fields

    assert fields["amount"].value == "1000.00"
    assert fields["amount"].confidence == pytest.approx(0.99 * REPAIRED)


def test_it_prefers_the_total_the_words_and_the_sum_confirm():
    page = total_rows("¥1000.00", "¥130.00", "¥1180.00", "壹仟壹佰叁拾圆整")

    assert values(page)["total"] == "1130.00"


def test_it_lowers_the_confidence_of_amounts_nothing_confirms():
    fields = extract_from_boxes(total_rows("¥1000.00", "¥120.00", "¥1180.00", "")).fields

    assert fields["total"].value == "1180.00"
    assert fields["total"].confidence < 0.99


def test_it_derives_the_tax_printed_as_stars_on_an_exempt_invoice():
    page = total_rows("¥181.14", "***", "¥181.14", "壹佰捌拾壹圆壹角肆分")

    assert values(page)["tax"] == "0.00"


def test_it_replaces_the_one_misread_amount_that_leaves_a_legal_rate():
    page = total_rows("00965元", "¥1019.83", "¥7018.83", "柒仟零壹拾捌圆捌角叁分")  # ¥5999.00 at 17%

    assert values(page)["amount"] == "5999.00"


# 7,682.44 + 13% = 8,681.16, and the 大写 as a worn scan reads it: 圆 taken for 圖.
WORDS_8681 = "捌仟陆佰捌拾壹圆壹角陆分"
WORDS_MISREAD = WORDS_8681.replace("圆", "圖")


def doubts(fields) -> dict[str, str]:
    return {name: field.doubt.code for name, field in fields.items() if field.doubt}


def test_it_reads_a_words_total_whose_yuan_ocr_took_for_a_look_alike():
    fields = extract_from_boxes(total_rows("¥7682.44", "¥998.72", "¥8681.16", WORDS_MISREAD)).fields

    assert Decimal(fields["total"].value) == Decimal("8681.16")
    assert fields["total_in_words"].value == WORDS_8681
    assert doubts(fields) == {}


def test_it_takes_the_total_the_words_confirm_not_a_part_of_the_words():
    fields = extract_from_boxes(total_rows("¥7682.44", "¥99.72", "¥8681.16", WORDS_MISREAD)).fields

    assert (fields["total"].value, fields["total"].doubt) == ("8681.16", None)
    # The 税额 lost a digit: the confirmed total less the 金额 leaves 13%, and says it was computed.
    assert (fields["tax"].value, fields["tax"].doubt.code) == ("998.72", "derived")
    assert fields["amount"].doubt.code == "sum_unconfirmed"


def test_it_does_not_confirm_a_total_read_only_in_words():
    fields = extract_from_boxes(total_rows("", "", "", WORDS_MISREAD)).fields

    assert fields["total"].value == "8681.16"
    assert fields["total"].doubt.code == "total_unconfirmed"
    assert fields["total_in_words"].doubt.code == "words_disagree"


def test_it_confirms_a_total_read_only_in_words_by_the_sum():
    fields = extract_from_boxes(total_rows("¥7682.44", "¥998.72", "", WORDS_MISREAD)).fields

    assert (fields["total"].value, doubts(fields)) == ("8681.16", {})


@pytest.mark.parametrize(
    "words",
    ["捌仟陆佰捌拾壹口壹角陆分", "捌仟陆佰捌拾壹壹角陆分", "捌仟陆佰捌拾壹圆壹口陆分"],
    ids=["unknown unit", "unit lost", "unknown 角"],
)
def test_a_words_total_not_read_in_full_gives_no_number(words):
    fields = extract_from_boxes(total_rows("", "", "¥8681.16", words)).fields

    assert (fields["total"].value, fields["total"].doubt.code) == ("8681.16", "total_unconfirmed")
    assert (fields["total_in_words"].value, fields["total_in_words"].doubt.code) == (
        words,
        "words_unreadable",
    )
    assert {field.value for field in fields.values()} == {"8681.16", words}


def test_a_mark_ocr_misread_before_the_words_is_left_out():
    # The row of a real e-invoice (samples/pdf/kd_hubei_…) as RapidOCR reads it: ⊗ read as 魏, and
    # a strip of small print up the page's edge on the same row.
    page = [
        box("价税合计(大写)", 138, 767, 313, 806),
        box("魏贰佰贰拾捌圆整", 446, 767, 666, 806, 0.876),
        box("(小写)", 1226, 770, 1307, 807),
        box("￥228.00", 1321, 771, 1483, 808),
        box("税总函[2018]670号西安印钞有限公司", 20, 300, 60, 1200),
    ]

    fields = extract_from_boxes(page).fields

    assert (fields["total"].value, fields["total_in_words"].value) == ("228.00", "贰佰贰拾捌圆整")
    assert doubts(fields) == {}


def test_an_unknown_character_before_a_ten_is_not_taken_for_the_mark():
    # 拾捌圆整 alone is 18 (the short form of 壹拾捌); the unknown character may be the 贰 of 28.
    fields = extract_from_boxes(total_rows("", "", "¥28.00", "魏拾捌圆整")).fields

    assert fields["total_in_words"].doubt.code == "words_unreadable"
    assert fields["total"].doubt.code == "total_unconfirmed"


def test_it_picks_the_one_combination_of_readings_that_adds_up():
    # No decimal point survived in the 金额 and the 小写: 7682.44 or 768244.00, 8681.16 or 868116.00.
    fields = extract_from_boxes(total_rows("¥768244", "¥998.72", "¥868116", WORDS_MISREAD)).fields

    assert {name: fields[name].value for name in ("amount", "tax", "total", "total_in_words")} == {
        "amount": "7682.44",
        "tax": "998.72",
        "total": "8681.16",
        "total_in_words": WORDS_8681,
    }
    assert doubts(fields) == {}


def test_readings_that_add_up_two_ways_are_uncertain():
    fields = extract_from_boxes(total_rows("¥768244", "¥99872", "¥868116", "")).fields

    assert doubts(fields) == {"amount": "ambiguous", "tax": "ambiguous", "total": "ambiguous"}
    assert dict(fields["total"].doubt.params) == {"values": "8681.16 / 868116.00"}


def test_the_words_settle_readings_that_add_up_two_ways():
    fields = extract_from_boxes(total_rows("¥768244", "¥99872", "¥868116", WORDS_8681)).fields

    assert [fields[name].value for name in ("amount", "tax", "total")] == ["7682.44", "998.72", "8681.16"]
    assert doubts(fields) == {}


def test_amounts_no_combination_explains_are_all_uncertain():
    fields = extract_from_boxes(total_rows("¥7682.44", "¥99.72", "¥8881.16", WORDS_MISREAD)).fields

    assert doubts(fields) == {
        "amount": "sum_unconfirmed",
        "tax": "sum_unconfirmed",
        "total": "total_unconfirmed",
        "total_in_words": "words_disagree",
    }
    assert all(fields[name].confidence < 0.9 for name in ("amount", "tax", "total"))


def line_table(*lines: tuple[str, str, str]) -> list[TextBox]:
    """Rows of the line table between total_rows' headers and its 合计 row: (单价, 金额, 税额)."""
    rows = [
        box("数量", 900, 419, 960, 457),
        box("单价", 1040, 419, 1100, 457),
        box("税率/征收率", 1420, 419, 1560, 457),
    ]
    for index, (price, amount, tax) in enumerate(lines):
        top = 480 + 40 * index
        rows += [
            box("1", 920, top, 935, top + 30),
            box(price, 1010, top, 1120, top + 30),
            box(amount, 1234, top, 1346, top + 30),
            box("13%", 1460, top, 1510, top + 30),
            box(tax, 1736, top, 1836, top + 30),
        ]
    return rows


LINES_4740 = (("3000.00", "3000.00", "390.00"), ("1740.99", "1740.99", "226.33"))  # 4740.99 + 616.33


@pytest.mark.parametrize("misread", ["¥4140.99", "¥"], ids=["misread", "unreadable"])
def test_the_line_amounts_give_the_sum_rows_amount_the_arithmetic_confirms(misread):
    page = [*total_rows(misread, "¥616.33", "¥5357.32", ""), *line_table(*LINES_4740)]

    fields = extract_from_boxes(page).fields

    assert [fields[name].value for name in ("amount", "tax", "total")] == ["4740.99", "616.33", "5357.32"]
    assert doubts(fields) == {}


def test_line_amounts_that_add_up_to_nothing_confirm_nothing():
    page = [*total_rows("¥4140.99", "¥616.33", "¥5357.32", ""), *line_table(("3000.00", "3000.00", "390.00"))]

    assert doubts(extract_from_boxes(page).fields) == {
        "amount": "sum_unconfirmed",
        "tax": "sum_unconfirmed",
        "total": "total_unconfirmed",
    }


LOOKALIKES_OF = {}
for _seen, _meant in LOOKALIKES.items():
    for _char in _meant:
        LOOKALIKES_OF.setdefault(_char, []).append(_seen)


@settings(max_examples=150, deadline=None)
@given(cents=st.integers(1, 10**13), data=st.data())
def test_any_total_in_words_with_one_look_alike_reads_back_to_the_total(cents, data):
    total = Decimal(cents) / 100
    amount = (total / Decimal("1.13")).quantize(Decimal("0.01"))
    words = decimal_to_words(total)
    position = data.draw(st.sampled_from([i for i, char in enumerate(words) if char in LOOKALIKES_OF]))
    misread = (
        words[:position] + data.draw(st.sampled_from(LOOKALIKES_OF[words[position]])) + words[position + 1 :]
    )

    fields = extract_from_boxes(total_rows(f"¥{amount}", f"¥{total - amount}", f"¥{total}", misread)).fields

    assert (Decimal(fields["total"].value), fields["total_in_words"].value) == (total, words)
    assert doubts(fields) == {}


def test_it_joins_a_tin_split_over_two_boxes():
    page = [
        box("购买方", 82, 207, 114, 307),
        box("纳税人识别号：9144030035", 131, 233, 400, 256),
        box("97744087", 410, 233, 513, 256),
        box("开票日期：2020年07月06日", 935, 134, 1143, 157),
    ]

    assert values(page)["buyer_tin"] == "914403003597744087"


def test_it_reads_a_value_printed_below_its_label():
    page = [box("发票号码", 900, 100, 1000, 130), box("37820761", 900, 140, 1010, 170)]

    assert values(page)["number"] == "37820761"


def test_it_repairs_look_alike_letters_in_a_number():
    page = [box("发票号码：3782O76I", 900, 100, 1200, 130)]
    fields = extract_from_boxes(page).fields

    assert fields["number"].value == "37820761"
    assert fields["number"].confidence == pytest.approx(0.99 * REPAIRED)


def test_it_repairs_a_tin_only_where_the_check_character_proves_it():
    assert repair_uscc("91350200776049653A") == ("91350200776049653A", 1.0)
    assert repair_uscc("9135O2OO776049653A") == ("91350200776049653A", REPAIRED)  # O in the area code
    assert repair_uscc("91420100MA8NMPR59K") == ("91420100MABNMPR59K", SWAPPED)  # B read as 8
    assert repair_uscc("91350100M0001TGQXM") == ("91350100M0001TGQXM", UNPROVEN)  # a real pilot code
    assert repair_uscc("91A50200776049653A") is None  # a letter in the area code no repair explains


LOOKALIKE_LETTERS = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B"}


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10**6), data=st.data())
def test_it_undoes_a_look_alike_letter_in_the_area_code_of_any_valid_uscc(seed, data):
    uscc = make_uscc(random.Random(seed), "350203")  # noqa: S311 - test data, not secrets
    assert repair_uscc(uscc) == (uscc, 1.0)
    position = data.draw(
        st.sampled_from([index for index in range(2, 8) if uscc[index] in LOOKALIKE_LETTERS])
    )
    misread = uscc[:position] + LOOKALIKE_LETTERS[uscc[position]] + uscc[position + 1 :]

    assert repair_uscc(misread) == (uscc, REPAIRED)


SELLER_TIN = "91440300192478382J"  # LEGACY_PAGE's seller, printed in its block and again in its seal


def legacy_page_with_seller_tin(read: str, *, seal: bool) -> list[TextBox]:
    """LEGACY_PAGE with the seller block's TIN read as `read`, and its seal's TIN read or not."""
    page = [
        box(f"纳税人识别号：{read}", *text.box) if text.text == f"纳税人识别号：{SELLER_TIN}" else text
        for text in LEGACY_PAGE
    ]
    return page if seal else [text for text in page if text.text != SELLER_TIN]


@pytest.mark.parametrize(
    ("read", "code", "params"),
    [
        ("91440300192482J", "tin_unproven", {"length": "15"}),  # 783 under the seal, dropped
        ("9144030019247882J", "tin_unproven", {"length": "17"}),
        ("91440300092478382J", "tin_check_failed", {"expected": "7"}),  # 1 read as 0
    ],
    ids=["three lost", "one lost", "one replaced"],
)
def test_a_seller_tin_the_seal_damaged_is_not_certain(read, code, params):
    fields = extract_from_boxes(legacy_page_with_seller_tin(read, seal=False)).fields

    assert fields["seller_tin"].value == read
    assert (fields["seller_tin"].doubt.code, dict(fields["seller_tin"].doubt.params)) == (code, params)
    assert fields["seller_tin"].confidence < 0.9
    assert fields["buyer_tin"].doubt is None


def test_a_tin_read_with_a_character_too_many_is_not_certain():
    # As RapidOCR read 91420106503697026A under a seal: a 1 too many, and the first 18 then check.
    fields = extract_from_boxes(legacy_page_with_seller_tin("914210106503697026A", seal=False)).fields

    assert fields["seller_tin"].value == "914210106503697026"
    assert (fields["seller_tin"].doubt.code, dict(fields["seller_tin"].doubt.params)) == (
        "tin_extra",
        {"length": "19"},
    )


def test_a_tin_that_checks_only_after_a_swap_is_not_certain():
    fields = extract_from_boxes(legacy_page_with_seller_tin("91420100MA8NMPR59K", seal=False)).fields

    assert fields["seller_tin"].value == "91420100MABNMPR59K"
    assert (fields["seller_tin"].doubt.code, dict(fields["seller_tin"].doubt.params)) == (
        "tin_swapped",
        {"read": "91420100MA8NMPR59K"},
    )


@pytest.mark.parametrize("read", ["91440300192482J", "91440300092478382J"])
def test_a_damaged_seller_tin_is_the_one_the_seal_repeats(read):
    fields = extract_from_boxes(legacy_page_with_seller_tin(read, seal=True)).fields

    assert (fields["seller_tin"].value, fields["seller_tin"].doubt) == (SELLER_TIN, None)
    assert fields["seller_tin"].confidence == pytest.approx(0.99 * REPAIRED)


def test_a_tin_in_the_seal_that_is_not_a_copy_of_the_damaged_one_is_not_taken():
    page = [
        *legacy_page_with_seller_tin("91440300192482J", seal=False),
        box("914403003597744087", 990, 721, 1148, 738),
    ]

    assert extract_from_boxes(page).fields["seller_tin"].doubt.code == "tin_unproven"


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10**6), data=st.data())
def test_a_uscc_with_a_run_of_characters_lost_is_never_read_as_certain(seed, data):
    uscc = make_uscc(random.Random(seed), "440300")  # noqa: S311 - test data, not secrets
    lost = data.draw(st.integers(1, 3))
    start = data.draw(st.integers(0, len(uscc) - lost))
    page = [
        box("销售方", 84, 641, 115, 733),
        box(f"纳税人识别号：{uscc[:start]}{uscc[start + lost :]}", 129, 659, 513, 685),
    ]

    seller_tin = extract_from_boxes(page).fields.get("seller_tin")

    assert seller_tin is None or seller_tin.doubt is not None


# Pieces of invoice text, glued at random into boxes at random places: labels, values, OCR slips.
FRAGMENTS = [
    "发票号码：",
    "开票日期：",
    "校验码",
    "名称：",
    "纳税人识别号：",
    "购买方",
    "销售方",
    "合",
    "计",
    "合计",
    "价税合计（大写）",
    "（小写）",
    "¥",
    "壹仟",
    "圆",
    "角",
    "整",
    "(负数)",
    "2024年",
    "13月",
    "5日",
    "O",
    "B",
    "9135",
    "0200",
    "776049653A",
    "1,130.0",
    ".",
    "00",
    "***",
    "No",
    "电子发票",
    "(普通发票)",
    " ",
]
fragment_texts = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map("".join)
coordinates = st.tuples(st.floats(0, 2000), st.floats(0, 1200), st.floats(1, 600), st.floats(1, 80))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(fragment_texts, coordinates, st.floats(0, 1)), max_size=25))
def test_it_reads_any_jumble_of_boxes_without_failing_and_only_in_the_contract_formats(jumble):
    boxes = [box(text, x, y, x + width, y + height, score) for text, (x, y, width, height), score in jumble]

    fields = {name: field.value for name, field in extract_from_boxes(boxes).fields.items()}

    assert fields.get("number", "0").isdigit()
    assert date.fromisoformat(fields.get("issue_date", "2024-01-01"))
    for name in ("amount", "tax", "total"):
        assert Decimal(fields.get(name, "0")).as_tuple().exponent in (0, -2)


def test_it_creates_each_engine_once_per_process():
    assert get_engine("tesseract") is get_engine("tesseract")
    with pytest.raises(ValueError, match="unknown OCR engine"):
        get_engine("abbyy")


# With an engine: slow.


@pytest.fixture(scope="session")
def rapidocr() -> RapidOcrEngine:
    return get_engine("rapidocr")


def read_page(image, engine) -> dict[str, str]:
    return {name: field.value for name, field in extract_ocr(prepare_for_ocr(image), engine).fields.items()}


def expected(truth: dict[str, str]) -> dict[str, str]:
    return {name: truth[name] for name in OCR_FIELDS if name in truth}


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.value)
def test_rapidocr_reads_every_key_field_of_a_clean_generated_scan(rapidocr, kind):
    scan = generated_scan(21, kind)

    read = read_page(scan.image, rapidocr)

    assert {name: read.get(name) for name in expected(scan.truth)} == expected(scan.truth)


@pytest.mark.slow
def test_rapidocr_reads_number_date_and_amounts_of_a_scan_without_a_qr_code(rapidocr):
    scan = generated_scan(22, Kind.SPECIAL, "no_qr")

    read = read_page(scan.image, rapidocr)

    for name in ("code", "number", "issue_date", "amount", "tax", "total"):
        assert read.get(name) == scan.truth[name]


@pytest.mark.slow
def test_rapidocr_reads_the_key_fields_of_a_page_photographed_at_an_angle(rapidocr):
    scan = generated_scan(23, Kind.DIGITAL_ORDINARY, "perspective")

    read = read_page(scan.image, rapidocr)

    for name in ("number", "issue_date", "seller_tin", "buyer_tin", "total"):
        assert read.get(name) == scan.truth[name]


@pytest.mark.slow
def test_rapidocr_agrees_with_the_qr_code_of_a_real_screenshot(rapidocr):
    (page,) = load_images(read_sample("img/imeth_dzpu_shenzhen_044031900211_37820761.png"))

    read = read_page(page, rapidocr)
    qr = extract_qr("01,10,044031900211,37820761,37990.57,20200706,05660235979008260151,EF5B,")

    for name in ("kind", "code", "number", "issue_date", "check_code", "amount"):
        assert read[name] == qr.fields[name].value
    assert read["total"] == "40270.00"


@pytest.mark.slow
def test_rapidocr_reads_the_verified_fields_of_a_real_digital_pdf(rapidocr):
    source = "pdf/kd_sd_pu_transport_didi_shanghai_25317000002856140513.pdf"
    (page,) = render_pdf_pages(read_sample(source))

    read = read_page(page, rapidocr)

    expected = truth()[source]["fields"]
    assert {name: read.get(name) for name in expected} == expected


@pytest.mark.slow
def test_rapidocr_reads_nothing_on_a_photo_without_an_invoice(rapidocr):
    (photo,) = load_images(no_invoice_photo())

    assert read_page(photo, rapidocr) == {}


@pytest.mark.slow
def test_tesseract_reads_the_ids_date_and_amounts_of_a_clean_generated_scan():
    scan = generated_scan(0, Kind.DIGITAL_SPECIAL)

    read = read_page(scan.image, TesseractEngine())

    for name in ("number", "issue_date", "buyer_tin", "seller_tin", "amount", "tax", "total"):
        assert read.get(name) == scan.truth[name]


@pytest.mark.slow
def test_rapidocr_never_gives_a_confident_wrong_seller_tin_under_the_seal(rapidocr):
    read = {}
    for seed in (30, 31):
        scan = generated_scan(seed, Kind.E_ORDINARY, "sealed")
        read[seed] = extract_ocr(prepare_for_ocr(scan.image), rapidocr).fields.get("seller_tin")
        truth = scan.truth["seller_tin"]
        assert read[seed] is None or read[seed].value == truth or read[seed].doubt is not None

    assert read[30].doubt.code == "tin_extra"  # the seal made it read a character too many


@pytest.mark.slow
def test_rapidocr_reads_a_worn_total_in_words_and_the_arithmetic_confirms_it(rapidocr):
    scan = generated_scan(30, Kind.SPECIAL, "worn_yuan")

    fields = extract_ocr(prepare_for_ocr(scan.image), rapidocr).fields

    for name in ("amount", "tax", "total", "total_in_words"):
        assert (fields[name].value, fields[name].doubt) == (scan.truth[name], None)
