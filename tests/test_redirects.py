"""Every page that sends the user on to a `next` it was given, and every form field those pages read:
an address off this site, or no address at all, never becomes the Location; a value no page of ours
sends is a 400 that says so, never a 500; and a stranger's POST leaves company A's rows as they were."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ingest.models import IngestJob, JobState
from ingest.services import Upload, receive_files
from reconcile.models import Discrepancy
from tests.conftest import PASSWORD
from tests.fixtures.einvoices import digital_invoice_xml
from tests.fixtures.invoices import make_invoice
from tests.test_access import reconciled

pytestmark = pytest.mark.django_db

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "foo",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
    "/ok\r\nSet-Cookie: x=1",
    "",
]

# The pages that redirect to a `next` of the request, with what else their form sends.
NEXT_TAKERS = {
    "capture_job_retry": lambda world: (reverse("capture_job_retry", args=[world["job"].pk]), {}),
    "reconcile_decide": lambda world: (
        reverse("reconcile_decide"),
        {"ids": str(world["discrepancy"].pk), "action": "ignore", "reason": "checked"},
    ),
    "company_switch": lambda world: (reverse("company_switch"), {"company": str(world["company_a"].pk)}),
    "set_language": lambda world: (reverse("set_language"), {"language": "en"}),
    "login": lambda world: (reverse("login"), {"username": "alice", "password": PASSWORD}),
}


def forms_with_next() -> set[str]:
    """The URL names of every form in the templates that carries a hidden `next`."""
    names = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for form in re.findall(r"<form\b.*?</form>", template.read_text(), flags=re.DOTALL):
            if 'name="next"' in form:
                names.update(re.findall(r"action=\"\{% url '(\w+)'", form))
    return names


@pytest.fixture
def world(alice, charlie, company_a):
    batch = receive_files(
        company=company_a, by=alice, channel="browser", uploads=[Upload("a.xml", digital_invoice_xml())]
    )
    job = batch.jobs.get()
    IngestJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, reason_code="unreadable")
    run = reconciled(company_a)
    return {
        "company_a": company_a,
        "job": job,
        "run": run,
        "discrepancy": run.discrepancies.exclude(state="ignored").first(),
        "invoice": make_invoice(company_a, alice),
    }


def as_user(user, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def assert_refused(response, message: str):
    assert response.status_code == 400
    assert message in response.text
    assert "Nothing was changed." in response.text


def discrepancies_of(run) -> list:
    rows = Discrepancy.objects.filter(run=run).order_by("pk")
    return [(row.pk, row.state, row.reason, row.events.count()) for row in rows]


def assert_local(response):
    assert response.status_code < 500
    location = response.headers.get("Location")
    if location is not None:
        assert location.startswith("/") and location[1:2] not in ("/", "\\"), location
        parts = urlsplit(location)
        assert (parts.scheme, parts.netloc) == ("", ""), location
        assert not any(char in location for char in "\r\n\\"), location


def test_every_form_with_a_next_is_walked():
    assert forms_with_next() <= set(NEXT_TAKERS)


@pytest.mark.parametrize("name", sorted(NEXT_TAKERS))
@pytest.mark.parametrize("follow", HOSTILE_NEXT)
def test_it_never_redirects_off_the_site(name, follow, world, alice):
    url, data = NEXT_TAKERS[name](world)
    response = as_user(alice).post(url, {**data, "next": follow})
    assert_local(response)


@pytest.mark.parametrize("name", sorted(NEXT_TAKERS))
def test_it_follows_a_local_next(name, world, alice):
    url, data = NEXT_TAKERS[name](world)
    response = as_user(alice).post(url, {**data, "next": "/invoices/?page=2"})
    assert (response.status_code, response.headers["Location"]) == (302, "/invoices/?page=2")


def test_a_retry_without_next_goes_to_the_failed_list(world, alice):
    response = as_user(alice).post(reverse("capture_job_retry", args=[world["job"].pk]), {"next": "foo"})
    assert response.headers["Location"] == reverse("capture_failed")
    assert IngestJob.objects.get(pk=world["job"].pk).state != JobState.FAILED


BAD_DECISIONS = [
    ({"scope": "filter", "run": "abc"}, "The reconciliation run was not given as a number."),
    ({"scope": "filter", "run": "99999999999999999999"}, "The reconciliation run was not given as a number."),
    ({"scope": "filter"}, "The reconciliation run was not given as a number."),
    (
        {"scope": "filter", "run": "{run}", "min_days": "many"},
        "The filter holds a value the list does not offer.",
    ),
    (
        {"scope": "filter", "run": "{run}", "state": "gone"},
        "The filter holds a value the list does not offer.",
    ),
    ({"ids": "abc"}, "A selected discrepancy was not given as a number."),
    ({"ids": "²"}, "A selected discrepancy was not given as a number."),
    ({"ids": "99999999999999999999"}, "A selected discrepancy was not given as a number."),
    (
        {"scope": "everything", "ids": "{discrepancy}"},
        "Choose the selected discrepancies or all matching the filter.",
    ),
]


@pytest.mark.parametrize(("fields", "message"), BAD_DECISIONS)
def test_a_malformed_decision_is_refused_with_a_message(fields, message, world, alice):
    values = {"run": world["run"].pk, "discrepancy": world["discrepancy"].pk}
    data = {key: value.format(**values) for key, value in fields.items()}
    before = discrepancies_of(world["run"])
    response = as_user(alice, "en").post(
        reverse("reconcile_decide"), {"action": "ignore", "reason": "x", **data}
    )
    assert_refused(response, message)
    assert discrepancies_of(world["run"]) == before


def test_the_message_of_a_refused_decision_is_in_chinese_first(world, alice):
    response = as_user(alice).post(
        reverse("reconcile_decide"), {"action": "ignore", "scope": "filter", "run": "abc"}
    )
    assert response.status_code == 400
    assert "对账" in response.text and "not given as a number" not in response.text


def test_a_counterpart_out_of_range_is_no_server_error(world, alice):
    response = as_user(alice).post(
        reverse("reconcile_decide"),
        {"action": "link", "ids": str(world["discrepancy"].pk), "counterpart": "99999999999999999999"},
    )
    assert_local(response)
    assert response.status_code == 302


@pytest.mark.parametrize("company", ["abc", "", "²", "99999999999999999999"])
def test_a_malformed_company_switch_is_refused_with_a_message(company, world, alice):
    response = as_user(alice, "en").post(reverse("company_switch"), {"company": company, "next": "/"})
    assert_refused(response, "Choose a company from the list.")


@pytest.mark.parametrize("query", ["page=2\r\nSet-Cookie: x=1", "//evil.example/", "#x\n"])
def test_the_bulk_deduction_returns_to_the_list_whatever_query_it_was_sent(query, world, alice):
    response = as_user(alice).post(
        reverse("invoice_bulk_deduction"), {"ids": str(world["invoice"].pk), "query": query}
    )
    assert_local(response)
    assert response.headers["Location"].startswith(reverse("invoice_list") + "?")


@pytest.mark.parametrize("ids", ["²", "99999999999999999999"])
def test_a_malformed_bulk_deduction_is_refused_with_a_message(ids, world, alice):
    response = as_user(alice, "en").post(reverse("invoice_bulk_deduction"), {"ids": ids, "deductible": "yes"})
    assert_refused(response, "A selected invoice was not given as a number.")


@pytest.mark.parametrize("ids", ["²", "99999999999999999999", "abc"])
def test_a_malformed_export_of_ticked_invoices_is_refused_with_a_message(ids, world, alice):
    url = reverse("invoice_export", kwargs={"file_format": "xlsx"})
    response = as_user(alice, "en").post(url, {"ids": ids})
    assert_refused(response, "A selected invoice was not given as a number.")


@pytest.mark.parametrize(
    "fields",
    [
        {"ids": "{discrepancy}"},
        {"scope": "filter", "run": "{run}"},
        {"scope": "filter", "run": "{run}", "next": "https://evil.example/"},
    ],
)
def test_charlie_decides_nothing_of_company_a(fields, world, charlie):
    values = {"run": world["run"].pk, "discrepancy": world["discrepancy"].pk}
    data = {key: value.format(**values) for key, value in fields.items()}
    before = discrepancies_of(world["run"])
    response = as_user(charlie).post(reverse("reconcile_decide"), {"action": "ignore", "reason": "x", **data})
    assert_local(response)
    assert response.status_code in (302, 404)
    assert discrepancies_of(world["run"]) == before


def test_charlie_retries_nothing_of_company_a(world, charlie):
    response = as_user(charlie).post(
        reverse("capture_job_retry", args=[world["job"].pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 404
    job = IngestJob.objects.get(pk=world["job"].pk)
    assert (job.state, job.reason_code) == (JobState.FAILED, "unreadable")


def test_charlie_cannot_switch_into_company_a(world, charlie):
    client = as_user(charlie)
    response = client.post(reverse("company_switch"), {"company": str(world["company_a"].pk), "next": "/"})
    assert response.status_code == 404
    home = client.get(reverse("home")).text
    assert "乙科技有限公司" in home and world["company_a"].name not in home
