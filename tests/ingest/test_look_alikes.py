"""Radical look-alikes (⽅ for 方, ⻓ for 长) from every text source come back as the characters they
print as. The OFD page text and the PDF text layer have their own tests (test_ofd.py, test_pdf_text.py)."""

from dataclasses import replace

from ingest.extract.engines import TextBox
from ingest.extract.ocr import extract_from_boxes
from ingest.extract.ofd import extract_ofd
from ingest.extract.xml_einvoice import extract_xml
from tests.fixtures import einvoices
from tests.ingest.test_ocr import DIGITAL_PAGE

SELLER, BUYER = einvoices.LOOK_ALIKE_SPEC.seller_name, einvoices.LOOK_ALIKE_SPEC.buyer_name


def printed(text: str) -> str:
    return text.translate(einvoices.LOOK_ALIKES)


def test_it_reads_the_names_of_an_einvoice_xml_written_with_look_alikes():
    xml = einvoices.digital_invoice_xml(einvoices.LOOK_ALIKE_SPEC)
    written = xml.replace(SELLER.encode(), printed(SELLER).encode()).replace(
        BUYER.encode(), printed(BUYER).encode()
    )
    assert printed(SELLER).encode() in written
    extraction = extract_xml(written)
    assert (extraction.fields["seller_name"].value, extraction.fields["buyer_name"].value) == (SELLER, BUYER)


def test_it_reads_an_ocr_page_whose_text_came_back_as_look_alikes():
    """An engine trained on such fonts, or a PDF rendered from one, gives 购买⽅ and ⻓ for 长."""
    page = [
        TextBox(printed(box.text.replace("天津嘉禾供应链有限公司", SELLER)), box.confidence, box.box)
        for box in DIGITAL_PAGE
    ]
    assert any("购买\u2f45" in box.text for box in page)
    fields = extract_from_boxes(page).fields
    assert fields["seller_name"].value == SELLER
    assert fields["buyer_name"].value == "深圳星讯供应链有限公司"
    assert fields["seller_tin"].value == "92120116MABYUJBEX9"


def test_it_reads_the_names_an_ofd_custom_tag_points_at_as_the_characters_they_show():
    extraction = extract_ofd(einvoices.ofd_with_custom_tag(einvoices.LOOK_ALIKE_SPEC, look_alikes=True))
    assert (extraction.fields["seller_name"].value, extraction.fields["buyer_name"].value) == (SELLER, BUYER)
    assert extraction.fields["seller_name"].confidence == 1.0  # from the tag, not the page text


def test_it_leaves_a_look_alike_in_no_field_of_a_labels_first_ofd():
    extraction = extract_ofd(einvoices.ofd_labels_first(replace(einvoices.LOOK_ALIKE_SPEC, drawer="马长青")))
    texts = "".join(found.value for found in extraction.fields.values())
    assert not any(0x2E80 <= ord(char) <= 0x2FDF for char in texts)
    assert extraction.fields["drawer"].value == "马长青"
