"""The PDF text-layer extractor: real e-invoices against the samples' truth.json, generated files
against their ground truth, pages that belong together, scans, and hostile files."""

import time
from dataclasses import replace

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.extract.base import KEY_FIELDS, ExtractError
from ingest.extract.pdf_text import extract_pdf_text
from invoices.fapiao import Kind
from tests.fixtures.einvoices import LOOK_ALIKE_SPEC, LOOK_ALIKES
from tests.fixtures.invoice_pdfs import (
    STANDARD,
    Page,
    digital_invoice,
    encrypted_pdf,
    invoice_pages,
    pdf_bytes,
    random_bytes,
    scan_pdf,
    standard_pdf,
    truncated_pdf,
    two_invoices,
    two_page_invoice,
)
from tests.fixtures.samples import have_samples, over_samples, read_sample, sample_names, truth

# The kinds the MANIFEST describes (truth.json does not list them).
SAMPLE_KINDS = {
    "easyofd_sd_zhuan_sichuan_23512000000005197325.pdf": Kind.DIGITAL_SPECIAL,
    "i2e_didi_tianjin_012001800211_23326471.pdf": Kind.E_ORDINARY,
    "i2e_tianjin_jd_012001900111_51142414.pdf": Kind.E_ORDINARY,
    "i2e_toll_guangdong_044001700112_36151707.pdf": Kind.TOLL,
    "i2e_toll_hunan_043001800112_07011955.pdf": Kind.TOLL,
    "kd_hubei_042002300111_17379385.pdf": Kind.E_ORDINARY,
    "kd_oil_discount_hubei_042002200411_50440169.pdf": Kind.E_ORDINARY,
    "kd_sd_pu_transport_didi_shanghai_25317000002856140513.pdf": Kind.DIGITAL_ORDINARY,
}


def sample_pdfs() -> list[str]:
    return sample_names("pdf", "*.pdf")


def sample(name: str) -> bytes:
    return read_sample(f"pdf/{name}")


def sample_truth(name: str) -> dict[str, str | None]:
    return truth()[f"pdf/{name}"]["fields"]


def only_invoice(data: bytes):
    invoices = extract_pdf_text(data)
    assert len(invoices) == 1
    return invoices[0]


def values(extraction) -> dict[str, str]:
    return {name: field.value for name, field in extraction.fields.items()}


# Real files.


@over_samples("name", sample_pdfs)
def test_it_reads_every_key_field_of_a_real_invoice_as_truth_json_has_it(name):
    invoice = only_invoice(sample(name))
    read = values(invoice)
    for field, expected in sample_truth(name).items():
        if field in KEY_FIELDS:
            assert read.get(field) == expected, field
    assert read["kind"] == SAMPLE_KINDS[name]
    assert invoice.source == "pdf_text"
    assert invoice.pages == (0,)


@over_samples("name", sample_pdfs)
def test_it_gives_full_confidence_to_what_it_read_beside_a_label(name):
    invoice = only_invoice(sample(name))
    labelled = ("number", "issue_date", "amount", "tax", "total", "seller_name", "seller_tin")
    assert {invoice.fields[field].confidence for field in labelled} == {1.0}


def test_it_reads_a_discount_line_with_its_negative_amounts():
    lines = only_invoice(sample("i2e_tianjin_jd_012001900111_51142414.pdf")).lines
    assert [(line["amount"], line["rate"], line["tax"]) for line in lines] == [
        ("50.18", "13%", "6.52"),
        ("-2.92", "13%", "-0.38"),
    ]
    assert lines[0]["quantity"] == "3"
    assert lines[0]["item_name"].startswith("*其他食品*良品铺子")


def test_it_reads_the_lines_of_an_oil_invoice_under_their_headings():
    first, discount = only_invoice(sample("kd_oil_discount_hubei_042002200411_50440169.pdf")).lines
    assert first == {
        "item_name": "*乙醇汽油*优驰E92#汽油(国VIB)",
        "tax_classification_code": "",
        "spec": "E92#",
        "unit": "升",
        "quantity": "42.62",
        "unit_price": "6.990984",
        "amount": "297.96",
        "rate": "13%",
        "tax": "38.73",
    }
    assert (discount["amount"], discount["tax"], discount["quantity"]) == ("-25.71", "-3.34", "")


def test_it_reads_a_letter_spaced_invoice_the_same_as_any_other():
    invoice = only_invoice(sample("easyofd_sd_zhuan_sichuan_23512000000005197325.pdf"))
    assert values(invoice)["total_in_words"] == "贰仟壹佰伍拾圆陆角叁分"
    assert values(invoice)["drawer"] == "石富阳"
    (line,) = invoice.lines
    assert (line["amount"], line["rate"], line["tax"]) == ("2129.34", "1%", "21.29")


def test_it_leaves_out_the_tax_id_of_a_private_buyer():
    read = values(only_invoice(sample("i2e_tianjin_jd_012001900111_51142414.pdf")))
    assert read["buyer_name"] == "个人"
    assert "buyer_tin" not in read
    assert read["remarks"] == "订单号:100068586537"


# Generated files.


@pytest.mark.parametrize("name", list(STANDARD))
def test_it_reads_a_generated_invoice_as_it_was_drawn(name):
    generated = standard_pdf(name)
    (drawn,) = generated.invoices
    invoice = only_invoice(generated.data)
    assert values(invoice) == drawn.truth()
    assert invoice.lines == [line.truth() for line in drawn.lines]


def test_it_takes_the_kind_of_a_digital_invoice_from_its_title_with_less_confidence():
    kind = only_invoice(standard_pdf("digital_special").data).fields["kind"]
    assert (kind.value, kind.confidence) == (Kind.DIGITAL_SPECIAL, 0.8)


def test_it_takes_the_kind_of_a_legacy_invoice_from_its_code():
    kind = only_invoice(standard_pdf("legacy_toll_split_tin").data).fields["kind"]
    assert (kind.value, kind.confidence) == (Kind.TOLL, 1.0)


def test_it_reads_an_exempt_line_printed_with_stars_as_no_tax():
    lines = only_invoice(standard_pdf("legacy_exempt_letter_spaced").data).lines
    assert (lines[-1]["rate"], lines[-1]["tax"]) == ("免税", "0.00")


def test_it_reads_a_page_printed_with_radical_look_alikes_as_the_characters_they_show():
    """A font mapping its glyphs to radical code points: 购买⽅ (a Kangxi radical, which NFKC folds)
    in the labels, ⻓ and ⻔ (CJK Radicals Supplement, which NFKC leaves) in the names."""
    invoice = replace(
        digital_invoice(31), seller_name=LOOK_ALIKE_SPEC.seller_name, buyer_name=LOOK_ALIKE_SPEC.buyer_name
    )
    pages = invoice_pages(invoice)
    for page in pages:
        page.texts = [
            replace(text, text=text.text.translate(LOOK_ALIKES), after=text.after.translate(LOOK_ALIKES))
            for text in page.texts
        ]
    assert any("⻓沙" in text.text for text in pages[0].texts)
    assert values(only_invoice(pdf_bytes(pages))) == invoice.truth()


def test_it_reads_a_value_printed_under_its_label():
    page = Page()
    page.label(40, 300, "发票号码：")
    page.value(40, 288, "25317000002856140513")
    number = only_invoice(pdf_bytes([page])).fields["number"]
    assert (number.value, number.confidence) == ("25317000002856140513", 1.0)


def test_it_recognises_an_unlabelled_number_and_date_with_less_confidence():
    page = Page()
    page.value(40, 300, "25317000002856140513")
    page.value(40, 280, "2025年11月08日")
    invoice = only_invoice(pdf_bytes([page]))
    assert {name: (field.value, field.confidence) for name, field in invoice.fields.items()} == {
        "number": ("25317000002856140513", 0.8),
        "issue_date": ("2025-11-08", 0.8),
    }


# Pages that belong together.


def test_it_appends_a_continuation_page_to_the_invoice_before_it():
    generated = two_page_invoice(seed=21)
    (drawn,) = generated.invoices
    invoice = only_invoice(generated.data)
    assert invoice.pages == (0, 1)
    assert values(invoice) == drawn.truth()
    assert invoice.lines == [line.truth() for line in drawn.lines]


def test_it_reads_two_invoices_on_two_pages_as_two():
    generated = two_invoices(seed=22)
    invoices = extract_pdf_text(generated.data)
    assert [invoice.pages for invoice in invoices] == [(0,), (1,)]
    assert [values(invoice) for invoice in invoices] == [drawn.truth() for drawn in generated.invoices]


def test_it_counts_a_page_repeating_the_number_as_the_same_invoice():
    page = invoice_pages(digital_invoice(23))[0]
    invoices = extract_pdf_text(pdf_bytes([page, page]))
    assert [invoice.pages for invoice in invoices] == [(0, 1)]


def test_it_attaches_a_page_without_text_to_the_invoice_before_it():
    invoices = extract_pdf_text(pdf_bytes([*invoice_pages(digital_invoice(24)), Page()]))
    assert [invoice.pages for invoice in invoices] == [(0, 1)]


# Files without a text layer, and hostile files.


def test_it_returns_nothing_for_a_scan():
    assert extract_pdf_text(scan_pdf(seed=25)) == []


def test_it_returns_nothing_for_text_that_is_no_invoice():
    page = Page()
    page.value(40, 300, "会议纪要：下周一讨论预算。")
    assert extract_pdf_text(pdf_bytes([page])) == []


def test_the_encrypted_fixture_opens_with_its_password():
    document = pdfium.PdfDocument(encrypted_pdf(seed=26).data, password="secret")
    try:
        assert "发票号码" in document[0].get_textpage().get_text_range()
    finally:
        document.close()


def error_code(data: bytes, **options) -> str:
    with pytest.raises(ExtractError) as raised:
        extract_pdf_text(data, **options)
    return raised.value.code


def test_it_refuses_a_password_protected_pdf():
    assert error_code(encrypted_pdf(seed=26).data) == "encrypted"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(truncated_pdf(seed=27), id="truncated"),
        pytest.param(random_bytes(seed=28), id="random"),
        pytest.param(b"%PDF-1.7\n" + random_bytes(seed=29) + b"\n%%EOF\n", id="damaged"),
        pytest.param("发票号码：25317000002856140513".encode(), id="text"),
        pytest.param(b"PK\x03\x04" + random_bytes(seed=30, size=200), id="zip"),
    ],
)
def test_it_calls_a_file_that_is_not_a_whole_pdf_corrupt(data):
    assert error_code(data) == "corrupt"


def test_it_calls_no_bytes_empty():
    assert error_code(b"") == "empty"


def test_it_refuses_more_pages_than_allowed():
    data = pdf_bytes(invoice_pages(digital_invoice(31)) * 3)
    assert error_code(data, max_pages=2) == "too_large"
    assert len(extract_pdf_text(data, max_pages=3)) == 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=64)),
    )
)
def test_arbitrary_bytes_give_invoices_nothing_or_an_extract_error(case):
    if isinstance(case, tuple):
        # Damage a real file somewhere: pdfium then parses its way into the broken part.
        whole = standard_pdf("legacy").data
        position, patch = case[0] % len(whole), case[1]
        data = whole[:position] + patch + whole[position + len(patch) :]
    else:
        data = case
    try:
        invoices = extract_pdf_text(data)
    except ExtractError as error:
        assert error.code in ("empty", "corrupt", "encrypted", "too_large")
    else:
        assert isinstance(invoices, list)


# Speed: reported, not asserted (wall-clock time depends on the machine).


def best_milliseconds(work, data: bytes) -> float:
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        work(data)
        runs.append(time.perf_counter() - start)
    return min(runs) * 1000


def pdfium_text_layer(data: bytes) -> None:
    """What pdfium alone spends: opening the file, loading each page (its fonts) and its text."""
    document = pdfium.PdfDocument(data)
    try:
        for page in document:
            page.get_textpage().close()
            page.close()
    finally:
        document.close()


def test_it_reports_the_time_per_page(request, capsys):
    files = {name: sample(name) for name in sample_pdfs()} if have_samples() else {}
    files |= {name: standard_pdf(name).data for name in STANDARD}
    lines = []
    for name, data in files.items():
        pages = sum(len(invoice.pages) for invoice in extract_pdf_text(data))
        total = best_milliseconds(extract_pdf_text, data) / pages
        pdfium_part = best_milliseconds(pdfium_text_layer, data) / pages
        lines.append(f"  {total:6.1f} {pdfium_part:6.1f} {total - pdfium_part:6.1f}  {name}")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    with capsys.disabled():
        reporter.write_line("\nPDF text layer, ms per page, best of 5: total, pdfium's part, the extractor's")
        for line in lines:
            reporter.write_line(line)
    assert len(lines) == len(files)
