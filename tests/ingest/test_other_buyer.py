"""An invoice bought by another taxpayer never goes into this company's ledger by a click: the
card says whose it is, confirming it needs an explicit choice and a reason (recorded in the audit
trail), and a card can be moved to the user's company that bought it — only by someone who may
capture for both."""

from dataclasses import replace

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import Role
from ingest import pipeline
from ingest.models import IngestJob, JobState
from invoices.models import Invoice
from tests.conftest import TIN_A, TIN_A2, make_member
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC
from tests.fixtures.samples import sample_path
from tests.ingest.test_pipeline import receive, run_all

# A real 湖北 e-invoice bought by 湖北十优信息科技发展有限责任公司, not by company A.
HUBEI_PDF = "pdf/kd_hubei_042002300111_17379385.pdf"
HUBEI_BUYER = ("湖北十优信息科技发展有限责任公司", "91420116MA7MHFG051")


def books(company) -> dict:
    """What a refused or foreign request must leave as it was."""
    return {
        "invoices": list(Invoice.objects.filter(company=company).values_list("identity", "status")),
        "jobs": list(IngestJob.objects.filter(company=company).order_by("pk").values_list("pk", "state")),
    }


def card_data(client, job) -> dict:
    """The card's form as the reviewer sends it without changing anything."""
    form = client.get(reverse("capture_job", args=[job.pk])).context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields if name != "other_buyer"}
    data.update({"lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0", "reason": ""})
    return data


@pytest.fixture
def hubei_card(company_a, alice):
    path = sample_path(HUBEI_PDF)
    [job] = run_all(receive(company_a, (path.name, path.read_bytes()), by=alice))
    return job


def test_a_real_pdf_bought_by_another_taxpayer_waits_for_review_saying_so(hubei_card, alice, browser_as):
    assert (hubei_card.state, hubei_card.reason_code) == (JobState.NEEDS_REVIEW, "other_buyer")
    assert hubei_card.reason_params["tin"] == HUBEI_BUYER[1]
    page = browser_as(alice).get(reverse("capture_job", args=[hubei_card.pk]))
    assert f"购买方是另一纳税人：{HUBEI_BUYER[0]}（税号 {HUBEI_BUYER[1]}），不是 甲商贸有限公司" in page.text
    assert "您有权采集发票的公司中没有这个税号" in page.text
    assert not Invoice.objects.exists()


def test_auto_confirm_never_files_an_invoice_of_another_buyer(company_a):
    assert company_a.auto_confirm_capture
    spec = replace(DIGITAL_SPEC, buyer_tin="91330106MACKX4QG41")  # all structured, read for certain
    [job] = run_all(receive(company_a, ("a.xml", einvoices.digital_invoice_xml(spec))))
    assert (job.state, job.reason_code) == (JobState.NEEDS_REVIEW, "other_buyer")
    assert not Invoice.objects.exists()


def test_an_invoice_the_company_sold_still_goes_straight_into_the_ledger(company_a):
    spec = replace(DIGITAL_SPEC, seller_name=company_a.name, seller_tin=TIN_A)
    [job] = run_all(receive(company_a, ("sale.xml", einvoices.digital_invoice_xml(spec))))
    assert (job.state, job.invoice.direction) == (JobState.DONE, "sales")


def test_confirming_it_on_the_page_needs_the_choice_and_a_reason(hubei_card, company_a, alice, browser_as):
    client = browser_as(alice)
    url = reverse("capture_job", args=[hubei_card.pk])
    data = card_data(client, hubei_card)
    before = books(company_a)
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert (
        f"这张发票的购买方是另一纳税人 {HUBEI_BUYER[0]}（税号 {HUBEI_BUYER[1]}），不是 甲商贸有限公司"
        in refused.text
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    refused = client.post(url, data)
    assert f"The buyer on this invoice is another taxpayer, {HUBEI_BUYER[0]}" in refused.text
    no_reason = client.post(url, {**data, "other_buyer": "on"})
    assert no_reason.context["form"].errors["reason"] == [
        "Say why an invoice bought by another taxpayer goes into this company's ledger."
    ]
    assert books(company_a) == before
    confirmed = client.post(url, {**data, "other_buyer": "on", "reason": "分公司代付，总部报销"})
    assert confirmed.status_code == 302
    invoice = Invoice.objects.get(company=company_a)
    assert invoice.buyer_tin == HUBEI_BUYER[1]
    assert invoice.events.get().reason == "分公司代付，总部报销"


def test_confirming_it_by_the_api_needs_the_choice_and_a_reason(hubei_card, company_a, alice, api_as):
    client = api_as(alice)
    url = f"/api/capture/jobs/{hubei_card.pk}/confirm/"
    before = books(company_a)
    refused = client.post(url, {}, format="json")
    assert refused.status_code == 400
    [finding] = refused.json()["findings"]
    assert (finding["code"], finding["field"]) == ("buyer_not_company", "other_buyer")
    assert f"购买方是另一纳税人 {HUBEI_BUYER[0]}" in finding["message"]
    english = client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()["findings"][0]
    assert english["message"].startswith("The buyer on this invoice is another taxpayer")
    no_reason = client.post(url, {"other_buyer": True}, format="json")
    assert no_reason.json()["findings"][0]["code"] == "reason_required"
    unclear = client.post(url, {"other_buyer": "perhaps", "reason": "x"}, format="json")
    assert (unclear.status_code, unclear.json()["findings"][0]["field"]) == (400, "other_buyer")
    assert books(company_a) == before
    confirmed = client.post(url, {"other_buyer": True, "reason": "代付"}, format="json")
    assert confirmed.status_code == 201
    assert confirmed.json()["buyer_tin"] == HUBEI_BUYER[1]
    assert Invoice.objects.get(company=company_a).events.get().reason == "代付"


def test_a_stranger_can_neither_confirm_nor_move_the_card(hubei_card, company_a, charlie, browser_as, api_as):
    before = books(company_a)
    page = browser_as(charlie)
    assert page.post(reverse("capture_job", args=[hubei_card.pk]), {"other_buyer": "on"}).status_code == 404
    assert page.post(reverse("capture_job_move", args=[hubei_card.pk]), {"company": TIN_A}).status_code == 404
    api = api_as(charlie)
    payload = {"other_buyer": True, "reason": "x"}
    assert api.post(f"/api/capture/jobs/{hubei_card.pk}/confirm/", payload, format="json").status_code == 404
    assert api.post(f"/api/capture/jobs/{hubei_card.pk}/move/", {"company": TIN_A}).status_code == 404
    assert books(company_a) == before


# Moving a card to the user's company that bought the invoice.


@pytest.fixture
def a2_card(company_a, company_a2, alice):
    """A card in A of an invoice bought by A2, alice's other company."""
    spec = replace(DIGITAL_SPEC, buyer_name=company_a2.name, buyer_tin=TIN_A2)
    [job] = run_all(receive(company_a, ("丙的发票.xml", einvoices.digital_invoice_xml(spec)), by=alice))
    assert job.reason_code == "other_buyer"
    return job


def signed_in_to_a(browser_as, user, company_a):
    client = browser_as(user)
    client.post(reverse("company_switch"), {"company": company_a.pk})
    return client


def run_queued():
    while queued := list(IngestJob.objects.filter(state=JobState.QUEUED).values_list("pk", flat=True)):
        for job_id in queued:
            pipeline.process_job(job_id)


def test_the_card_offers_the_users_company_and_moving_files_it_there(
    a2_card, company_a, company_a2, alice, browser_as
):
    client = signed_in_to_a(browser_as, alice, company_a)
    card = client.get(reverse("capture_job", args=[a2_card.pk]))
    assert "把这张卡片移交给 丙咨询有限公司" in card.text
    assert f'name="company" value="{TIN_A2}"' in card.text
    response = client.post(reverse("capture_job_move", args=[a2_card.pk]), {"company": TIN_A2})
    assert response.status_code == 302
    a2_card.refresh_from_db()
    assert (a2_card.state, a2_card.reason_params, a2_card.reviewed_by) == (
        JobState.MOVED,
        {"company": "丙咨询有限公司"},
        alice,
    )
    run_queued()
    moved = IngestJob.objects.get(company=company_a2)
    assert (moved.moved_from, moved.state, moved.display_name) == (a2_card, JobState.DONE, "丙的发票.xml")
    assert moved.invoice.company == company_a2
    assert list(Invoice.objects.filter(company=company_a2).values_list("identity", flat=True)) == [
        DIGITAL_SPEC.number
    ]
    assert not Invoice.objects.filter(company=company_a).exists()
    assert not IngestJob.objects.filter(company=company_a, state=JobState.NEEDS_REVIEW).exists()


def test_the_api_moves_the_card(a2_card, company_a, company_a2, alice, api_as):
    response = api_as(alice).post(
        f"/api/capture/jobs/{a2_card.pk}/move/", {"company": TIN_A2}, format="json", HTTP_X_COMPANY=TIN_A
    )
    assert response.status_code == 202
    moved = IngestJob.objects.get(company=company_a2)
    assert (response.json()["id"], moved.moved_from) == (moved.pk, a2_card)
    run_queued()
    assert Invoice.objects.filter(company=company_a2).count() == 1
    assert not Invoice.objects.filter(company=company_a).exists()


@pytest.mark.parametrize("role_in_a2", [None, Role.CLERK])
def test_someone_who_may_not_capture_for_the_buyer_cannot_move_the_card(
    a2_card, company_a, company_a2, browser_as, api_as, role_in_a2
):
    """dora captures for A; she is no member of A2, or only its clerk."""
    dora = make_member("dora", company_a, Role.ACCOUNTANT)
    if role_in_a2:
        make_member("dora", company_a2, role_in_a2)
    before_a, before_a2 = books(company_a), books(company_a2)
    client = signed_in_to_a(browser_as, dora, company_a)
    card = client.get(reverse("capture_job", args=[a2_card.pk]))
    assert "把这张卡片移交给" not in card.text and "您有权采集发票的公司中没有这个税号" in card.text
    client.post(reverse("capture_job_move", args=[a2_card.pk]), {"company": TIN_A2})
    refused = api_as(dora).post(
        f"/api/capture/jobs/{a2_card.pk}/move/", {"company": TIN_A2}, format="json", HTTP_X_COMPANY=TIN_A
    )
    assert (refused.status_code, refused.json()["findings"][0]["code"]) == (400, "not_a_target")
    assert (books(company_a), books(company_a2)) == (before_a, before_a2)


def test_a_clerk_cannot_move_the_card(a2_card, company_a, company_a2, bob, browser_as, api_as):
    make_member("bob", company_a2, Role.ADMIN)
    before_a, before_a2 = books(company_a), books(company_a2)
    client = signed_in_to_a(browser_as, bob, company_a)
    assert client.post(reverse("capture_job_move", args=[a2_card.pk]), {"company": TIN_A2}).status_code == 403
    response = api_as(bob).post(
        f"/api/capture/jobs/{a2_card.pk}/move/", {"company": TIN_A2}, format="json", HTTP_X_COMPANY=TIN_A
    )
    assert response.status_code == 403
    assert (books(company_a), books(company_a2)) == (before_a, before_a2)


def test_an_invoice_between_two_of_the_users_companies_stays_with_the_one_it_was_captured_for(
    company_a, company_a2, alice, api_as
):
    """A2 sold to A: it is A's purchase (and A2's sale); the card of A is not moved away."""
    company_a.auto_confirm_capture = False
    company_a.save()
    spec = replace(
        DIGITAL_SPEC,
        seller_name=company_a2.name,
        seller_tin=TIN_A2,
        buyer_name=company_a.name,
        buyer_tin=TIN_A,
    )
    [job] = run_all(receive(company_a, ("集团内.xml", einvoices.digital_invoice_xml(spec)), by=alice))
    assert (job.state, job.reason_code) == (JobState.NEEDS_REVIEW, "uncertain")
    before_a, before_a2 = books(company_a), books(company_a2)
    refused = api_as(alice).post(
        f"/api/capture/jobs/{job.pk}/move/", {"company": TIN_A2}, format="json", HTTP_X_COMPANY=TIN_A
    )
    assert (refused.status_code, refused.json()["findings"][0]["code"]) == (400, "not_a_target")
    assert (books(company_a), books(company_a2)) == (before_a, before_a2)
