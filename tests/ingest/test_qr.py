"""The fapiao QR code: decoded from real and generated pages, and its fields (docs/fapiao-rules.md §QR)."""

import time

import pytest

from ingest.extract.base import ExtractError
from ingest.extract.images import load_images, render_pdf_pages
from ingest.extract.qr import extract_qr, read_qr_payloads
from invoices.fapiao import Kind
from tests.fixtures.invoice_images import (
    KINDS,
    VARIANTS,
    generated_scan,
    invoice_values,
    no_invoice_photo,
    render_invoice,
)
from tests.fixtures.samples import over_samples, read_sample, sample_path, truth

QR_FIELDS = ("kind", "code", "number", "issue_date", "check_code", "amount", "total")


def listed_payloads() -> list[tuple[str, str]]:
    """(payload, source) for every line of qr_payloads.txt."""
    lines = sample_path("qr_payloads.txt").read_text().splitlines()
    return [tuple(line.split("\t")[:2]) for line in lines if line and not line.startswith("#")]


def sample_pages(source: str):
    data = read_sample(source)
    return render_pdf_pages(data) if source.endswith(".pdf") else load_images(data)


def decodable() -> list:
    return [
        pytest.param(payload, source, id=source)
        for payload, source in listed_payloads()
        if source.startswith(("img/", "pdf/"))
    ]


def verified() -> dict[str, dict]:
    return {
        source: entry
        for source, entry in truth().items()
        if entry["qr"] and entry["status"].startswith("verified")
    }


@over_samples(("payload", "source"), decodable)
def test_it_decodes_the_qr_code_of_every_sample_page(payload, source):
    assert read_qr_payloads(sample_pages(source)[0]) == [payload]


def test_it_finds_no_qr_code_on_a_sample_page_without_one():
    assert read_qr_payloads(sample_pages("img/gsc_zhuan_demo_1100094140_87654321.jpg")[0]) == []


def test_it_finds_no_qr_code_on_a_photo_without_an_invoice():
    assert read_qr_payloads(load_images(no_invoice_photo())[0]) == []


@over_samples("source", lambda: sorted(verified()), ids=str)
def test_its_fields_agree_with_the_verified_samples(source):
    entry = verified()[source]
    expected = entry["fields"]
    fields = {name: field.value for name, field in extract_qr(entry["qr"]).fields.items()}

    for name in ("number", "issue_date", "code", "check_code"):
        assert fields.get(name) == expected.get(name)
    # §QR: a 数电 QR carries 价税合计, a legacy one 合计金额 (tax-exclusive), never both.
    carried, other = ("total", "amount") if len(expected["number"]) == 20 else ("amount", "total")
    assert fields[carried] == expected[carried]
    assert other not in fields


def test_it_reads_a_digital_payload_with_blank_fields_written_as_spaces():
    extraction = extract_qr("01,31, ,23512000000005197325,2150.63,20230130, ,F366")

    assert {name: field.value for name, field in extraction.fields.items()} == {
        "kind": Kind.DIGITAL_SPECIAL.value,
        "number": "23512000000005197325",
        "issue_date": "2023-01-30",
        "total": "2150.63",
        "qr_payload": "01,31, ,23512000000005197325,2150.63,20230130, ,F366",
    }
    assert {field.source for field in extraction.fields.values()} == {"qr"}
    assert {field.confidence for field in extraction.fields.values()} == {1.0}


def test_it_reads_a_date_written_with_dashes():
    assert (
        extract_qr("01,32,,25317000002856140513,73.20,2025-11-08,,").fields["issue_date"].value
        == "2025-11-08"
    )


def test_it_takes_the_kind_from_the_code_when_it_names_a_toll_invoice():
    fields = extract_qr("01,10,044001700112,36151707,51.2,20180323,13610032493225906141,3612,").fields

    assert fields["kind"].value == Kind.TOLL.value
    assert fields["amount"].value == "51.20"


def test_it_reads_a_special_invoice_without_a_check_code():
    fields = extract_qr("01,01,5100191160,00472703,1456.31,20190614,,E6B0,").fields

    assert fields["kind"].value == Kind.SPECIAL.value
    assert fields["code"].value == "5100191160"
    assert fields["amount"].value == "1456.31"
    assert "check_code" not in fields


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "https://weixin.qq.com/r/abcdef",
        "hello",
        "01,10,22119130671000000049,166.05,20220317,b2b2",  # the 2022 railway pilot's 6-field form
        "01,10,012001800211,23326471,734.59,20181331,16707184549009707698,B7D0,",  # no 31st of the 13th
    ],
)
def test_it_says_not_invoice_for_a_payload_that_is_not_a_fapiao_qr(payload):
    with pytest.raises(ExtractError) as caught:
        extract_qr(payload)

    assert caught.value.code == "not_invoice"


@over_samples("payload", lambda: [payload for payload, _ in listed_payloads()])
def test_it_reads_every_listed_payload_or_says_it_is_not_an_invoice(payload):
    try:
        fields = extract_qr(payload).fields
    except ExtractError as error:
        assert error.code == "not_invoice"
    else:
        assert fields["number"].value in payload


GENERATED = [(kind, variant) for kind in KINDS for variant in VARIANTS if variant != "no_qr"]


@pytest.mark.parametrize(
    ("kind", "variant"), GENERATED, ids=[f"{kind.value}-{variant}" for kind, variant in GENERATED]
)
def test_it_reads_every_field_of_the_qr_code_on_generated_scans(kind, variant):
    scan = generated_scan(11, kind, variant)

    (payload,) = read_qr_payloads(scan.image)
    fields = extract_qr(payload).fields

    carried = "total" if kind in (Kind.DIGITAL_SPECIAL, Kind.DIGITAL_ORDINARY) else "amount"
    expected = {
        name: scan.truth[name]
        for name in ("kind", "code", "number", "issue_date", "check_code", carried)
        if name in scan.truth
    }
    assert payload == scan.truth["qr_payload"]
    assert {name: fields[name].value for name in QR_FIELDS if name in fields} == expected


def test_it_finds_no_qr_code_on_a_scan_without_one():
    assert read_qr_payloads(generated_scan(11, Kind.E_ORDINARY, "no_qr").image) == []


def test_it_decodes_a_qr_code_scanned_at_100_dpi_on_the_enlarged_pass():
    page = render_invoice(invoice_values(5, Kind.DIGITAL_ORDINARY), dpi=100)

    assert read_qr_payloads(page) == [invoice_values(5, Kind.DIGITAL_ORDINARY).qr_payload()]


def test_it_gives_up_on_a_page_without_a_qr_code_quickly():
    page = render_invoice(invoice_values(5, Kind.DIGITAL_ORDINARY), with_qr=False)
    started = time.perf_counter()

    read_qr_payloads(page)  # every pass runs: as is, enlarged, binarised

    assert time.perf_counter() - started < 1  # ~0.1 s on one core; the bound only catches a blow-up
