"""extract_ofd: the public OFD samples against truth.json (whole, and with their sources taken away
one by one), generated packages in the three styles of docs/fapiao-rules.md §OFD read back exactly, and
hostile packages refused with the right code."""

import contextlib
import io
import re
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.extract.base import ExtractError, Extraction
from ingest.extract.ofd import extract_ofd
from ingest.extract.page_fields import PATTERN_ONLY
from tests.fixtures import einvoices
from tests.fixtures.samples import over_samples, read_sample, sample_names
from tests.ingest.test_samples import KEY_FIELDS, consistent_samples
from tests.ingest.test_xml_einvoice import truth_of, values

# Files whose page text fills fields the structured sources lack, at the lower confidence: a value
# read beside its label at PAGE_TEXT, one known by its shape alone (the kind, from the title) lower.
PAGE_TEXT = 0.9
READ_FROM_THE_PAGE = {PAGE_TEXT, PATTERN_ONLY}


def without_members(package: bytes, *prefixes: str) -> bytes:
    """A copy of a package without the members under the given folders, built in memory."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        kept = {name: archive.read(name) for name in archive.namelist() if not name.startswith(prefixes)}
    return einvoices.zip_bytes(kept)


def assert_truth(extraction: Extraction, truth: dict[str, str | None]) -> None:
    for field, expected in truth.items():
        if expected is None:
            assert field not in extraction.fields, field
        else:
            assert extraction.fields[field].value == expected, field


@over_samples("name", lambda: sample_names("ofd"))
def test_it_reads_every_sample_as_truth_json_says(name):
    """The MOCK and SAMPLE files disagree with themselves on purpose; truth.json notes the value the
    file's own structured data holds first (cooker_lexin: the XML's code, not the QR's; the official
    sample: its placeholder code and 14-digit check code), and that is what must come back."""
    extraction = extract_ofd(read_sample(f"ofd/{name}"))
    assert_truth(extraction, truth_of(f"ofd/{name}"))


@over_samples("name", lambda: sample_names("ofd"))
def test_it_marks_every_field_as_read_from_the_ofd(name):
    extraction = extract_ofd(read_sample(f"ofd/{name}"))
    assert extraction.source == "ofd"
    assert {found.source for found in extraction.fields.values()} == {"ofd"}
    assert {found.confidence for found in extraction.fields.values()} <= {1.0, *READ_FROM_THE_PAGE}


@pytest.mark.parametrize(
    "name",
    [
        "easyofd_dzzp_guizhou_052002100113_00008006.ofd",
        "ofdrw_zhejiang_033002000211_1.ofd",
        "ofdsharp_jiangsu_032001900311.ofd",
        "ofdrw_chongqing_demo_050001700111_12235358.ofd",
    ],
)
def test_it_reads_the_same_from_the_custom_tags_when_the_attachment_is_gone(name):
    """These tag files are malformed (`<:eInvoice xmlns:="">`, an undeclared ofd: prefix) and are
    read after repair."""
    package = without_members(read_sample(f"ofd/{name}"), "Doc_0/Attachs/")
    assert_truth(extract_ofd(package), truth_of(f"ofd/{name}"))


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        (
            "easyofd_sd_zhuan_guangdong_25442000000127444519_REPACKED.ofd",
            ("number", "issue_date", "buyer_tin", "seller_tin", "amount", "tax"),
        ),
        (
            "ofdrw_sd_zhuan_24112000000048542163.ofd",
            ("number", "issue_date", "buyer_tin", "seller_tin", "amount", "tax"),
        ),
        (
            "ofdrw_zhejiang_033002000211_1.ofd",
            ("code", "number", "issue_date", "check_code", "buyer_tin", "seller_tin", "amount", "tax"),
        ),
    ],
)
def test_it_reads_the_custom_datas_when_attachment_and_tags_are_gone(name, fields):
    package = without_members(read_sample(f"ofd/{name}"), "Doc_0/Attachs/", "Doc_0/Tags/")
    extraction = extract_ofd(package)
    truth = truth_of(f"ofd/{name}")
    read = {field: extraction.fields[field].value for field in fields}
    assert read == {field: truth[field] for field in fields}


def test_it_reads_a_page_that_prints_its_labels_when_nothing_else_is_left():
    """The nuonuo 电子凭证 sample prints 发票号码：, 名称:, 纳税人识别号： and （小写） on the page."""
    name = "ofdrw_goods_list_page_SignScaleError.ofd"
    extraction = extract_ofd(without_members(read_sample(f"ofd/{name}"), "Doc_0/Attachs/"))
    assert_truth(extraction, truth_of(f"ofd/{name}"))
    assert {found.confidence for found in extraction.fields.values()} == {PAGE_TEXT}


def test_it_recovers_the_total_the_mock_xml_garbles_from_the_custom_tags():
    extraction = extract_ofd(read_sample("ofd/cooker_lexin_shanghai_20116529.zip"))
    assert extraction.fields["total"].value == "109.00"
    assert extraction.fields["code"].value == "395834739773"


def test_it_reads_the_lines_of_a_several_page_goods_list():
    extraction = extract_ofd(read_sample("ofd/ofdrw_chongqing_demo_050001700111_12235358.ofd"))
    assert len(extraction.lines) == 100
    assert sum(Decimal(line["amount"]) for line in extraction.lines) == Decimal("10000.00")


def test_it_takes_the_kind_of_a_suwell_file_from_its_printed_title():
    extraction = extract_ofd(read_sample("ofd/ofdrw_sd_zhuan_24112000000048542163.ofd"))
    assert extraction.fields["kind"].value == "digital_special"
    assert extraction.fields["kind"].confidence == PATTERN_ONLY


# Every layout: the page text alone, labels paired with values by where they sit.


def consistent_ofd_samples() -> list[str]:
    consistent = set(consistent_samples())
    return [name for name in sample_names("ofd") if f"ofd/{name}" in consistent]


def page_text_only(package: bytes) -> bytes:
    """A package with nothing but its pages: no attachment, no tags, no OFD.xml CustomDatas."""
    members = einvoices.unzip(without_members(package, "Doc_0/Attachs/", "Doc_0/Tags/"))
    root = next(name for name in members if name.lower() == "ofd.xml")
    members[root] = re.sub(rb"<(\w+:)?CustomDatas>.*?</(\w+:)?CustomDatas>", b"", members[root], flags=re.S)
    return einvoices.zip_bytes(members)


@over_samples("name", consistent_ofd_samples)
def test_it_reads_every_key_field_of_a_sample_from_its_page_text_alone(name):
    """Legacy files print their labels on the template page and their values on the page; Suwell
    数电 files draw values in their own order; the railway ticket prints 金额: and 税额: inline."""
    extraction = extract_ofd(page_text_only(read_sample(f"ofd/{name}")))
    truth = truth_of(f"ofd/{name}")
    read = {field: extraction.fields[field].value for field in KEY_FIELDS if field in extraction.fields}
    assert read == {field: truth[field] for field in KEY_FIELDS if truth.get(field)}
    assert {found.confidence for found in extraction.fields.values()} <= READ_FROM_THE_PAGE


@pytest.mark.parametrize("glyph_codes", [False, True], ids=["spaced_by_delta_x", "a_text_code_a_glyph"])
@pytest.mark.parametrize(
    "spec",
    [einvoices.LOOK_ALIKE_SPEC, einvoices.RED_DIGITAL_SPEC, einvoices.LEGACY_SPEC],
    ids=["digital", "red", "legacy"],
)
def test_it_reads_every_field_of_a_page_that_prints_all_labels_before_all_values(spec, glyph_codes):
    """Another platform's file: only page text, every label first and the values after in another
    order, tax ids under their labels, and radical look-alikes (购买⽅, 开票⽇期, ⻓ in a name)."""
    extraction = extract_ofd(einvoices.ofd_labels_first(spec, glyph_codes=glyph_codes))
    assert values(extraction) == spec.fields()
    assert {found.confidence for found in extraction.fields.values()} <= READ_FROM_THE_PAGE
    read_lines = [(line["item_name"], line["amount"], line["tax"]) for line in extraction.lines]
    assert read_lines == [(line["item_name"], line["amount"], line["tax"]) for line in spec.line_fields()]


def test_it_gives_the_names_with_the_characters_they_print_as():
    package = einvoices.ofd_labels_first(einvoices.LOOK_ALIKE_SPEC)
    assert (
        "⻓沙⻘⻰⻋⻔⻜⻢⻉⻛⻝品有限公司".encode()
        in einvoices.unzip(package)["Doc_0/Pages/Page_0/Content.xml"]
    )
    extraction = extract_ofd(package)
    assert extraction.fields["seller_name"].value == "长沙青龙车门飞马贝风食品有限公司"
    assert extraction.fields["buyer_name"].value == "西宁黄母见齐龟页科技有限公司"


def test_it_reads_custom_datas_named_with_radical_look_alikes():
    package = einvoices.unzip(einvoices.ofd_with_custom_datas())
    package["OFD.xml"] = package["OFD.xml"].replace("购买方".encode(), "购买\u2f45".encode())
    package["OFD.xml"] = package["OFD.xml"].replace("开票日期".encode(), "开票\u2f47期".encode())
    extraction = extract_ofd(einvoices.zip_bytes(package))
    assert extraction.fields["buyer_tin"].confidence == 1.0
    assert extraction.fields["buyer_tin"].value == einvoices.DIGITAL_SPEC.buyer_tin
    assert extraction.fields["issue_date"].confidence == 1.0


# Generated packages: what was written comes back exactly.


def test_it_reads_back_a_package_with_an_attached_invoice():
    spec = einvoices.LEGACY_SPEC
    extraction = extract_ofd(einvoices.ofd_with_attachment(spec))
    assert values(extraction) == {**spec.fields(), "qr_payload": spec.qr_payload}
    assert extraction.fields["amount"].confidence == 1.0
    assert extraction.fields["total_in_words"].confidence == PAGE_TEXT  # printed, not in the XML
    assert extraction.lines == spec.line_fields()


@pytest.mark.parametrize(
    "spec",
    [einvoices.DIGITAL_SPEC, einvoices.RED_DIGITAL_SPEC, einvoices.InvoiceSpec(special=False)],
    ids=["blue_special", "red", "ordinary"],
)
def test_it_reads_back_a_package_indexed_by_custom_tags(spec):
    extraction = extract_ofd(einvoices.ofd_with_custom_tag(spec))
    assert values(extraction) == spec.fields()
    page_text = {name for name, found in extraction.fields.items() if found.confidence in READ_FROM_THE_PAGE}
    assert page_text == {"kind", "total_in_words"}


def test_it_reads_the_printed_tax_when_its_tag_points_at_the_yuan_glyph_alone():
    extraction = extract_ofd(einvoices.ofd_with_custom_tag(tax_glyph_only=True))
    assert values(extraction) == einvoices.DIGITAL_SPEC.fields()
    assert extraction.fields["tax"].confidence == PAGE_TEXT  # from the 合计 row, not the tag's ¥


@pytest.mark.parametrize("spec", [einvoices.DIGITAL_SPEC, einvoices.RED_DIGITAL_SPEC], ids=["blue", "red"])
def test_it_reads_back_a_suwell_style_package_from_custom_datas_and_page_text(spec):
    extraction = extract_ofd(einvoices.ofd_with_custom_datas(spec))
    assert values(extraction) == spec.fields()
    page_text = {name for name, found in extraction.fields.items() if found.confidence in READ_FROM_THE_PAGE}
    assert page_text == {"buyer_name", "seller_name", "total", "total_in_words", "kind", "drawer", "remarks"}


# Hostile and broken packages.


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (einvoices.ofd_zip_bomb, "unsafe_archive"),
        (lambda: einvoices.ofd_with_member("../evil"), "unsafe_archive"),
        (lambda: einvoices.ofd_with_member("Doc_0/../../evil"), "unsafe_archive"),
        (lambda: einvoices.ofd_with_member("..\\evil"), "unsafe_archive"),
        (lambda: einvoices.ofd_with_member("/etc/cron.d/evil"), "unsafe_archive"),
        (lambda: einvoices.ofd_with_member("C:/Windows/evil"), "unsafe_archive"),
        (einvoices.ofd_with_too_many_members, "unsafe_archive"),
        (einvoices.ofd_over_total_size, "unsafe_archive"),
        (einvoices.ofd_with_xxe_attachment, "unsafe_xml"),
        (einvoices.ofd_without_ofd_xml, "unknown_format"),
        (lambda: einvoices.zip_bytes({"readme.txt": b"a zip, not an OFD"}), "unknown_format"),
        (lambda: b"<EInvoice/>", "unknown_format"),
        (einvoices.truncated_ofd, "corrupt"),
        (lambda: einvoices.zip_bytes({"OFD.xml": b"<ofd:OFD"}), "corrupt"),
        (lambda: einvoices.zip_bytes({"OFD.xml": einvoices.billion_laughs_xml()}), "unsafe_xml"),
        (lambda: einvoices.zip_bytes({"OFD.xml": b"<OFD><DocBody/></OFD>"}), "not_invoice"),
        (lambda: b"", "empty"),
    ],
    ids=[
        "zip_bomb",
        "dot_dot",
        "dot_dot_inside",
        "backslash_dot_dot",
        "absolute",
        "drive_letter",
        "too_many_members",
        "over_50_mb",
        "xxe_attachment",
        "no_ofd_xml",
        "plain_zip",
        "not_a_zip",
        "truncated",
        "malformed_ofd_xml",
        "entities_in_ofd_xml",
        "no_invoice",
        "empty",
    ],
)
def test_it_refuses_hostile_and_broken_packages(build, code):
    with pytest.raises(ExtractError) as error:
        extract_ofd(build())
    assert error.value.code == code


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_it_raises_only_extract_errors_on_arbitrary_bytes(data):
    with contextlib.suppress(ExtractError):
        assert isinstance(extract_ofd(data), Extraction)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_it_raises_only_extract_errors_on_damaged_packages(data):
    package = bytearray(einvoices.ofd_with_attachment())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(package) - 1))
        package[position : position + 1] = data.draw(st.binary(max_size=3))
    with contextlib.suppress(ExtractError):
        assert isinstance(extract_ofd(bytes(package)), Extraction)


NUMBERS = st.lists(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["g", "1e308", "-0", "nan", "1_0", "", "x"]),
    ),
    max_size=8,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    boundary=NUMBERS,
    size=NUMBERS,
    ctm=NUMBERS,
    x=NUMBERS,
    delta_x=NUMBERS,
    delta_y=NUMBERS,
    text=st.text(max_size=30),
)
def test_it_raises_only_extract_errors_on_text_placed_anywhere(
    boundary, size, ctm, x, delta_x, delta_y, text
):
    text_object = (
        f'<ofd:TextObject ID="7" Boundary={quoteattr(boundary)} Size={quoteattr(size)} CTM={quoteattr(ctm)}>'
        f'<ofd:TextCode X={quoteattr(x)} Y="3" DeltaX={quoteattr(delta_x)} DeltaY={quoteattr(delta_y)}>'
        f"{escape(text)}</ofd:TextCode></ofd:TextObject>"
    )
    page = (
        f'<ofd:Page xmlns:ofd="{einvoices.OFD_NS}"><ofd:Content><ofd:Layer ID="1">'
        f'<ofd:TextObject ID="6" Boundary="150 10 60 5" Size="3.175"><ofd:TextCode X="0" Y="3">'
        f"发票号码：26352000000012345678</ofd:TextCode></ofd:TextObject>{text_object}</ofd:Layer></ofd:Content></ofd:Page>"
    ).encode()
    with contextlib.suppress(ExtractError):
        assert isinstance(
            extract_ofd(einvoices.ofd_package({"Doc_0/Pages/Page_0/Content.xml": page})), Extraction
        )
