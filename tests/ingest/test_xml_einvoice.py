"""extract_xml: the public sample XML against truth.json, generated 数电 and legacy XML read back
exactly, and hostile XML refused with the right code."""

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.extract.base import ExtractError, Extraction
from ingest.extract.xml_einvoice import MAX_XML_BYTES, extract_xml
from tests.fixtures import einvoices
from tests.fixtures.samples import over_samples, read_sample, sample_names, truth


def xml_samples() -> list[str]:
    return sample_names("xml", "*.xml")


# Fields a sample's XML does not carry readably, though truth.json (taken from the whole OFD) has them.
# cooker_lexin is a MOCK whose TaxInclusiveTotalAmount holds a Java toString dump, not an amount.
UNREADABLE_IN_XML = {"cooker_lexin_shanghai_20116529__original_invoice.xml": {"total"}}


def truth_of(relative: str) -> dict[str, str | None]:
    """The truth.json fields of a sample. Some values carry a note in parentheses, e.g.
    "00000002 (placeholder)" or "395834739773 (XML) / 022002000113 (QR)": the value is what comes first."""
    return {
        name: None if value is None else value.split(" (")[0]
        for name, value in truth()[relative]["fields"].items()
    }


def xml_truth(name: str) -> dict[str, str | None]:
    """An attached XML sample is the Doc_0/Attachs member of an OFD sample; its truth is that OFD's."""
    package = name.split("__")[0]
    (relative,) = [key for key in truth() if key.startswith(f"ofd/{package}.")]
    return truth_of(relative)


def values(extraction: Extraction) -> dict[str, str]:
    return {name: found.value for name, found in extraction.fields.items()}


@over_samples("name", xml_samples)
def test_it_reads_every_sample_as_truth_json_says(name):
    extraction = extract_xml(read_sample(f"xml/{name}"))
    unreadable = UNREADABLE_IN_XML.get(name, set())
    for field, expected in xml_truth(name).items():
        if expected is None or field in unreadable:
            assert field not in extraction.fields, field
        else:
            assert extraction.fields[field].value == expected, field


@over_samples("name", xml_samples)
def test_it_marks_every_field_as_structured_xml(name):
    extraction = extract_xml(read_sample(f"xml/{name}"))
    assert extraction.source == "xml"
    assert {(found.source, found.confidence) for found in extraction.fields.values()} == {("xml", 1.0)}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("easyofd_dzzp_guizhou_052002100113_00008006__original_invoice.xml", "e_special"),
        ("ofdrw_zhejiang_033002000211_1__original_invoice.xml", "e_ordinary"),
        (
            "ofdrw_goods_list_page_SignScaleError__inv_ord_issuer_20220901_03300220021199934328.xml",
            "e_ordinary",
        ),
        ("ofdgo_rail_huankai_22119130671000000049__rai_issuer_20220317_22119130671000000049.xml", "other"),
    ],
)
def test_it_takes_the_kind_from_the_code_or_the_printed_type(name, kind):
    assert extract_xml(read_sample(f"xml/{name}")).fields["kind"].value == kind


@over_samples("name", lambda: [name for name in xml_samples() if "rai_issuer" not in name])
def test_it_reads_lines_that_add_up_to_the_header(name):
    extraction = extract_xml(read_sample(f"xml/{name}"))
    assert extraction.lines
    for field in ("amount", "tax"):
        total = sum(Decimal(line[field]) for line in extraction.lines)
        assert total == Decimal(extraction.fields[field].value), field


def test_it_reads_a_tax_exempt_line_as_免税_with_zero_tax():
    extraction = extract_xml(read_sample("xml/ofdsharp_jiangsu_032001900311__original_invoice.xml"))
    assert extraction.lines[0]["rate"] == "免税"
    assert extraction.lines[0]["tax"] == "0.00"
    assert extraction.fields["tax"].value == "0.00"


def test_it_keeps_the_qr_payload_the_xml_records():
    extraction = extract_xml(read_sample("xml/ofdrw_zhejiang_033002000211_1__original_invoice.xml"))
    assert extraction.fields["qr_payload"].value == (
        "01,10,033002000211,83089647,510.68,20200723,16197833567414507415,0941,"
    )


# Generated files: what was written comes back exactly.


@pytest.mark.parametrize(
    "spec",
    [
        einvoices.DIGITAL_SPEC,
        einvoices.RED_DIGITAL_SPEC,
        einvoices.InvoiceSpec(special=False, buyer_name="个人", buyer_tin="", remark=""),
    ],
    ids=["blue_special", "red", "ordinary_to_a_person"],
)
def test_it_reads_back_a_generated_digital_invoice(spec):
    extraction = extract_xml(einvoices.digital_invoice_xml(spec))
    assert values(extraction) == spec.fields()
    assert extraction.lines == spec.line_fields()


def test_it_reads_back_a_generated_legacy_invoice():
    spec = einvoices.LEGACY_SPEC
    extraction = extract_xml(einvoices.legacy_invoice_xml(spec))
    expected = {**spec.fields(), "qr_payload": spec.qr_payload}
    del expected["total_in_words"]  # the legacy XML has no amount in words
    assert values(extraction) == expected
    assert extraction.lines == spec.line_fields()


def test_it_never_takes_the_passenger_block_for_the_invoice():
    xml = einvoices.digital_invoice_xml()
    assert b"99999999999999999999" in xml
    extraction = extract_xml(xml)
    assert extraction.fields["number"].value == einvoices.DIGITAL_SPEC.number
    assert extraction.fields["total"].value == str(einvoices.DIGITAL_SPEC.total)


def test_it_refuses_a_file_whose_only_number_is_in_the_passenger_block():
    number = einvoices.DIGITAL_SPEC.number.encode()
    xml = einvoices.digital_invoice_xml().replace(f"<EIid>{number.decode()}</EIid>".encode(), b"")
    xml = xml.replace(b"<InvoiceNumber>" + number + b"</InvoiceNumber>", b"")
    with pytest.raises(ExtractError) as error:
        extract_xml(xml)
    assert error.value.code == "not_invoice"


def test_it_reads_gbk_xml():
    xml = einvoices.digital_invoice_xml().decode().replace('encoding="UTF-8"', 'encoding="GBK"')
    extraction = extract_xml(xml.encode("gbk"))
    assert extraction.fields["seller_name"].value == einvoices.DIGITAL_SPEC.seller_name


# Hostile and broken files.


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (einvoices.xxe_xml(), "unsafe_xml"),
        (einvoices.billion_laughs_xml(), "unsafe_xml"),
        (einvoices.external_dtd_xml(), "unsafe_xml"),
        (b"<EInvoice>" + b" " * MAX_XML_BYTES + b"</EInvoice>", "too_large"),
        (b"", "empty"),
        (einvoices.digital_invoice_xml()[:700], "corrupt"),
        (b"%PDF-1.7 not xml at all", "corrupt"),
        (b'<?xml version="1.0" encoding="no-such-codec"?><EInvoice/>', "corrupt"),
        (b"<html><body>invoice</body></html>", "not_invoice"),
        (b'<xbrl xmlns="http://www.xbrl.org/2003/instance"><context id="c1"/></xbrl>', "not_invoice"),
    ],
    ids=[
        "xxe",
        "billion_laughs",
        "external_dtd",
        "over_2_mb",
        "empty",
        "truncated",
        "not_xml",
        "unknown_encoding",
        "other_xml",
        "xbrl_without_invoice",
    ],
)
def test_it_refuses_hostile_and_broken_xml(data, code):
    with pytest.raises(ExtractError) as error:
        extract_xml(data)
    assert error.value.code == code


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.binary(max_size=4000), st.text(max_size=2000).map(lambda text: f"<EInvoice>{text}".encode()))
)
def test_it_raises_only_extract_errors_on_arbitrary_bytes(data):
    with contextlib.suppress(ExtractError):
        assert isinstance(extract_xml(data), Extraction)
