"""The review queue as a person works it: what a card shows before it is opened, confirming the
cards whose only doubt is certainty in one go, and the words a reason uses for its fields."""

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import translation

from ingest import cards
from ingest.messages import reason_text
from ingest.models import IngestJob, JobState
from invoices.models import Invoice
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC
from tests.ingest.test_pipeline import run_all
from tests.ingest.test_views import accountant, company, upload  # noqa: F401 (fixtures)


@pytest.fixture
def reviewed(company):  # noqa: F811
    """Every card waits for a person: the company confirms nothing by itself."""
    company.auto_confirm_capture = False
    company.save()
    return company


def own_invoice(company, number: str):  # noqa: F811
    return einvoices.digital_invoice_xml(
        replace(DIGITAL_SPEC, number=number, buyer_name=company.name, buyer_tin=company.tin)
    )


def read(client, *files) -> list[IngestJob]:
    upload(client, *files)
    return run_all(IngestJob.objects.order_by("-pk").first().batch)


def test_the_queue_shows_number_seller_amount_date_and_a_thumbnail(accountant, reviewed, browser_as):  # noqa: F811
    client = browser_as(accountant)
    [job] = read(client, ("三月.xml", own_invoice(reviewed, "26312000000000000101")))
    page = client.get(reverse("capture_review"))
    [card] = page.context["cards"]
    assert (card["number"], card["seller_name"], card["issue_date"]) == (
        "26312000000000000101",
        DIGITAL_SPEC.seller_name,
        DIGITAL_SPEC.issue_date.isoformat(),
    )
    assert card["bulk"] is True
    html = page.text
    assert "26312000000000000101" in html and DIGITAL_SPEC.seller_name in html
    assert f"{DIGITAL_SPEC.total:,.2f}" in html
    assert f'src="/capture/files/{job.stored_file_id}/page/0.png?size=thumb"' in html
    assert f'name="job" value="{job.pk}"' in html
    assert card["to_check"] == []  # the XML states every field: nothing read uncertainly
    assert "各字段均已确定识别：核对后可单独确认，或与选中的卡片一起确认" in html


def test_cards_whose_only_doubt_is_certainty_are_confirmed_together(accountant, reviewed, browser_as):  # noqa: F811
    client = browser_as(accountant)
    first, second = read(
        client,
        ("a.xml", own_invoice(reviewed, "26312000000000000201")),
        ("b.xml", own_invoice(reviewed, "26312000000000000202")),
    )
    response = client.post(reverse("capture_review_confirm"), {"job": [first.pk, second.pk]})
    assert (response.status_code, response["Location"]) == (302, reverse("capture_review"))
    assert sorted(Invoice.objects.filter(company=reviewed).values_list("number", flat=True)) == [
        "26312000000000000201",
        "26312000000000000202",
    ]
    for job in (first, second):
        job.refresh_from_db()
        assert (job.state, job.reviewed_by, job.invoice.original_file) == (
            JobState.DONE,
            accountant,
            job.stored_file,
        )
    assert Invoice.objects.get(number="26312000000000000201").source == "xml"


def test_a_card_of_another_buyer_is_never_confirmed_in_bulk(accountant, reviewed, browser_as):  # noqa: F811
    client = browser_as(accountant)
    other = einvoices.digital_invoice_xml(replace(DIGITAL_SPEC, number="26312000000000000301"))  # not our TIN
    [job] = read(client, ("other.xml", other))
    assert job.state == JobState.NEEDS_REVIEW
    assert cards.only_certainty_in_doubt(job) is False
    with translation.override("zh-hans"):
        response = client.post(reverse("capture_review_confirm"), {"job": [job.pk]}, follow=True)
    job.refresh_from_db()
    assert job.state == JobState.NEEDS_REVIEW
    assert Invoice.objects.count() == 0
    assert [str(message) for message in response.context["messages"]] == [
        "other.xml 仍待审核：它需要核对的不止识别把握，请打开逐项核对"
    ]


def test_a_stranger_cannot_confirm_anothers_cards(accountant, reviewed, charlie, browser_as):  # noqa: F811
    [job] = read(browser_as(accountant), ("a.xml", own_invoice(reviewed, "26312000000000000401")))
    response = browser_as(charlie).post(reverse("capture_review_confirm"), {"job": [job.pk]})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.invoice_id, job.reviewed_by_id) == (JobState.NEEDS_REVIEW, None, None)
    assert Invoice.objects.count() == 0


def test_a_malformed_card_number_is_a_400_with_a_message(accountant, reviewed, browser_as):  # noqa: F811
    response = browser_as(accountant).post(reverse("capture_review_confirm"), {"job": ["x1"]})
    assert (response.status_code, response.content.decode()) == (400, "要确认的卡片必须以编号给出。")


def test_a_reason_names_the_fields_as_the_form_does():
    with translation.override("zh-hans"):
        assert reason_text("missing_fields", {"fields": "kind、seller_name、seller_tin"}) == (
            "部分关键字段未能读取：票种、销方名称、销方识别号。"
        )
