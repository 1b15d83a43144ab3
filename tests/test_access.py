"""Every URL of the project, requested by nobody, alice (admin of A), bob (clerk of A) and
charlie (admin of B): the status each gets, and charlie never sees anything of company A.

Every request that writes names the rows of company A it must leave alone (`guards`): they are read
before and after each refused request (all of nobody's and charlie's, and any 4xx) and must be the
same; alice's own request shows that they are the rows it would change (`alice_changes`). Where
charlie is sent on (302), he lands on a page of his own (`lands`), not on A's.

A new URL pattern fails `test_every_url_is_in_the_table` until it is added here."""

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Company, Invitation, Membership, User
from accounts.services import token_create
from ingest.models import IngestBatch, IngestJob, StoredFile
from ingest.pipeline import process_job
from ingest.services import Upload, receive_files
from invoices.importing import import_ledger
from invoices.models import Invoice, InvoiceEvent
from monitor import anomalies
from monitor.anomalies import Observation
from monitor.models import Anomaly, AnomalyEvent, NotificationSettings
from reconcile.models import BureauImport, DecisionEvent, Discrepancy, ReconRun
from tests.conftest import TIN_A, TIN_B
from tests.fixtures.clerk_ledger import clerk_ledger
from tests.fixtures.einvoices import DIGITAL_SPEC, digital_invoice_xml
from tests.fixtures.invoices import SUPPLIER_NAME, make_invoice
from tests.pages import visible_text


def readable(content: bytes) -> str:
    """The text of a page (without its CSRF token values), or of every part of a workbook."""
    if not content.startswith(b"PK"):
        return visible_text(content.decode())
    with zipfile.ZipFile(io.BytesIO(content)) as workbook:
        return "".join(workbook.read(name).decode() for name in workbook.namelist())


PUBLIC = {"login", "logout", "set_language", "api_schema", "api_docs", "healthz", "favicon"}
PUBLIC |= {"password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete"}


def rows(queryset) -> list[dict]:
    return list(queryset.order_by("pk").values())


def of_a(*models) -> Callable[[dict], dict]:
    """A guard: every row of company A in these tables, every field."""

    def snapshot(world: dict) -> dict:
        return {model.__name__: rows(model.objects.filter(company=world["company_a"])) for model in models}

    return snapshot


def company_a_row(world: dict) -> list[dict]:
    return rows(Company.objects.filter(pk=world["company_a"].pk))


def alice_tokens(world: dict) -> list[dict]:
    return rows(world["people"]["alice"].auth_token_set.all())


def people_of_a(world: dict) -> list[dict]:
    """alice's and bob's accounts: their passwords, names and addresses."""
    return rows(User.objects.filter(pk__in=[world["people"]["alice"].pk, world["people"]["bob"].pk]))


def settings_of_a(world: dict) -> list[dict]:
    people = [world["people"]["alice"], world["people"]["bob"]]
    return rows(NotificationSettings.objects.filter(user__in=people))


def sessions_on_a(world: dict) -> list[str]:
    """The sessions working on company A: a switch that is refused adds none."""
    return sorted(
        session.session_key
        for session in Session.objects.all()
        if session.get_decoded().get("company_id") == world["company_a"].pk
    )


INVOICES = of_a(Invoice, InvoiceEvent)
MEMBERS = of_a(Membership)
CAPTURE = of_a(StoredFile, IngestBatch, IngestJob, Invoice)
RECONCILIATION = of_a(BureauImport, ReconRun, Discrepancy, DecisionEvent)
ALERTS = of_a(Anomaly, AnomalyEvent)
INVITATIONS = of_a(Membership, Invitation)


@dataclass
class Case:
    name: str
    method: str
    path: str
    statuses: tuple[int, int, int, int]  # nobody, alice, bob, charlie
    data: dict | None = None
    company_header: bool = False
    guards: Callable[[dict], object] | None = None  # A's rows a refused request leaves as they were
    alice_changes: bool = False  # alice's own request changes what `guards` reads
    lands: str | None = None  # where a 302 sends charlie


CASES = [
    Case("home", "get", "/", (302, 200, 200, 200)),
    Case("password_change", "get", "/accounts/password/", (302, 200, 200, 200)),
    Case("password_change_done", "get", "/accounts/password/done/", (302, 200, 200, 200)),
    Case("tokens", "get", "/accounts/tokens/", (302, 200, 200, 200)),
    Case(
        "token_revoke",
        "post",
        "/accounts/tokens/{alice_token}/revoke/",
        (302, 302, 404, 404),
        guards=alice_tokens,
        alice_changes=True,
    ),
    Case(
        "company_switch",
        "post",
        "/company/switch/",
        (302, 302, 302, 404),
        {"company": "{company_a}"},
        guards=sessions_on_a,
        alice_changes=True,
    ),
    Case("company_settings", "get", "/company/settings/", (302, 200, 403, 200)),
    Case("members", "get", "/company/members/", (302, 200, 403, 200)),
    Case(
        "member_role",
        "post",
        "/company/members/{bob_membership}/role/",
        (302, 302, 403, 404),
        {"role": "accountant"},
        guards=MEMBERS,
        alice_changes=True,
    ),
    Case("member_remove", "get", "/company/members/{bob_membership}/remove/", (302, 200, 403, 404)),
    Case(
        "member_remove",
        "post",
        "/company/members/{bob_membership}/remove/",
        (302, 302, 403, 404),
        {"confirm": "on"},
        guards=MEMBERS,
        alice_changes=True,
    ),
    Case("member_password", "get", "/company/members/{bob_membership}/password/", (302, 200, 403, 404)),
    Case(
        "member_password",
        "post",
        "/company/members/{bob_membership}/password/",
        (302, 200, 403, 404),
        {"password": "a-temporary-passphrase-77"},
        guards=people_of_a,
        alice_changes=True,
    ),
    Case("profile", "get", "/accounts/profile/", (302, 200, 200, 200)),
    Case(
        "profile",
        "post",
        "/accounts/profile/",
        (302, 302, 400, 400),  # a new address needs the current password: only alice's is unchanged
        {"name": "王小明", "email": "alice@example.com"},
        guards=people_of_a,
        alice_changes=True,
        lands="/accounts/profile/",
    ),
    Case("invoice_list", "get", "/invoices/?q=26352000000012345678", (302, 200, 200, 200)),
    Case("invoice_create", "get", "/invoices/new/", (302, 200, 200, 200)),
    Case(
        "invoice_check",
        "post",
        "/invoices/check/",
        (302, 200, 200, 200),
        {"number": "26352000000012345678"},
        guards=INVOICES,
    ),
    Case("invoice_export", "get", "/invoices/export.csv", (302, 200, 200, 200)),
    Case(
        "invoice_export",
        "post",
        "/invoices/export.csv",
        (302, 200, 200, 200),
        {"ids": "{invoice}"},
        guards=INVOICES,
    ),
    Case("invoice_import", "get", "/invoices/import/", (302, 200, 200, 200)),
    Case(
        "invoice_import_refused", "get", "/invoices/import/{ledger_import}/refused.xlsx", (302, 200, 200, 404)
    ),
    Case(
        "invoice_bulk_deduction",
        "post",
        "/invoices/bulk/deduction/",
        (302, 302, 302, 302),
        {"ids": "{invoice}", "deduction": "deducted", "period": "2026-05"},
        guards=INVOICES,
        alice_changes=True,
        lands="/invoices/?",
    ),
    Case("invoice_detail", "get", "/invoices/{invoice}/", (302, 200, 200, 404)),
    Case("invoice_edit", "get", "/invoices/{invoice}/edit/", (302, 200, 200, 404)),
    Case(
        "invoice_status",
        "post",
        "/invoices/{invoice}/status/",
        (302, 302, 302, 404),
        {"status": "voided", "reason": "test"},
        guards=INVOICES,
        alice_changes=True,
    ),
    Case("api_invoices", "get", "/api/invoices/", (401, 200, 200, 404), company_header=True),
    Case("api_invoices", "get", "/api/invoices/", (401, 200, 200, 200)),
    Case("api_invoice", "get", "/api/invoices/{invoice}/", (401, 200, 200, 404), company_header=True),
    Case("api_invoice", "get", "/api/invoices/{invoice}/", (401, 200, 200, 404)),
    Case(
        "api_invoice_void",
        "post",
        "/api/invoices/{invoice}/void/",
        (401, 200, 200, 404),
        {"reason": "test"},
        guards=INVOICES,
        alice_changes=True,
    ),
    Case("monitor_jobs", "get", "/monitor/jobs/", (302, 200, 403, 200)),
    Case("dashboard", "get", "/dashboard/", (302, 200, 403, 200)),
    Case("dashboard_firm", "get", "/dashboard/firm/", (302, 200, 200, 200)),
    Case("dashboard_report", "get", "/dashboard/report/", (302, 200, 403, 200)),
    Case("dashboard_report_xlsx", "get", "/dashboard/report.xlsx", (302, 200, 403, 200)),
    Case("worklist", "get", "/dashboard/worklist/", (302, 200, 403, 200)),
    Case("worklist_item", "get", "/dashboard/worklist/{alert}/", (302, 200, 403, 404)),
    Case(
        "worklist_action",
        "post",
        "/dashboard/worklist/{alert}/comment/",
        (302, 302, 403, 404),
        {"text": "seen"},
        guards=ALERTS,
        alice_changes=True,
    ),
    Case("monitor_alerts", "get", "/monitor/alerts/", (302, 200, 403, 200)),
    Case(
        "monitor_alert_acknowledge",
        "post",
        "/monitor/alerts/{alert}/acknowledge/",
        (302, 302, 403, 404),
        guards=ALERTS,
        alice_changes=True,
    ),
    Case(
        "monitor_notification_settings",
        "post",
        "/monitor/notifications/",
        (302, 302, 302, 302),
        {"digest": "off", "min_severity": "error"},
        guards=settings_of_a,
        alice_changes=True,
        lands="/monitor/alerts/",
    ),
    Case("capture", "get", "/capture/", (302, 200, 403, 200)),
    Case("capture_batch", "get", "/capture/batches/{batch}/", (302, 200, 403, 404)),
    Case("capture_batch_progress", "get", "/capture/batches/{batch}/progress/", (302, 200, 403, 404)),
    Case("capture_review", "get", "/capture/review/", (302, 200, 403, 200)),
    Case(
        "capture_review_confirm",
        "post",
        "/capture/review/confirm/",
        (302, 302, 403, 302),
        {"job": "{job}"},  # the world's card is another buyer's: alice's bulk confirm leaves it waiting
        guards=CAPTURE,
        lands="/capture/review/",
    ),
    Case("capture_failed", "get", "/capture/failed/", (302, 200, 403, 200)),
    Case("capture_jobs", "get", "/capture/jobs/", (302, 200, 403, 200)),
    Case("capture_job", "get", "/capture/jobs/{job}/", (302, 200, 403, 404)),
    Case(
        "capture_job_reject",
        "post",
        "/capture/jobs/{job}/reject/",
        (302, 302, 403, 404),
        {"reason": "x"},
        guards=CAPTURE,
        alice_changes=True,
    ),
    Case("capture_job_retry", "post", "/capture/jobs/{job}/retry/", (302, 302, 403, 404), guards=CAPTURE),
    Case(
        "capture_job_move",
        "post",
        "/capture/jobs/{job}/move/",
        (302, 302, 403, 404),
        {"company": TIN_B},  # charlie's own company: alice is not in it
        guards=CAPTURE,
    ),
    Case("stored_file", "get", "/capture/files/{file}/", (302, 200, 200, 404)),
    Case("stored_file_page", "get", "/capture/files/{file}/page/0.png", (302, 200, 200, 404)),
    Case(
        "api_capture_upload",
        "post",
        "/api/capture/uploads/",
        (401, 400, 403, 404),
        company_header=True,
        guards=CAPTURE,
    ),
    Case(
        "api_capture_batch", "get", "/api/capture/batches/{batch}/", (401, 200, 403, 404), company_header=True
    ),
    Case("api_capture_job", "get", "/api/capture/jobs/{job}/", (401, 200, 403, 404), company_header=True),
    Case("api_capture_job", "get", "/api/capture/jobs/{job}/", (401, 200, 403, 404)),
    Case(
        "api_capture_job_retry",
        "post",
        "/api/capture/jobs/{job}/retry/",
        (401, 400, 403, 404),
        guards=CAPTURE,
    ),
    Case(
        "api_capture_job_confirm",
        "post",
        "/api/capture/jobs/{job}/confirm/",
        (401, 400, 403, 404),
        guards=CAPTURE,
    ),
    Case(
        "api_capture_job_move", "post", "/api/capture/jobs/{job}/move/", (401, 400, 403, 404), guards=CAPTURE
    ),
    Case("reconcile", "get", "/reconcile/", (302, 200, 403, 200)),
    Case("reconcile_import", "get", "/reconcile/imports/{import}/", (302, 200, 403, 404)),
    Case(
        "reconcile_start",
        "post",
        "/reconcile/imports/{import}/run/",
        (302, 302, 403, 404),
        guards=RECONCILIATION,
        alice_changes=True,
    ),
    Case("reconcile_run", "get", "/reconcile/runs/{run}/", (302, 200, 403, 404)),
    Case("reconcile_discrepancies", "get", "/reconcile/runs/{run}/discrepancies/", (302, 200, 403, 404)),
    Case("reconcile_export", "get", "/reconcile/runs/{run}/export.xlsx", (302, 200, 403, 404)),
    Case("reconcile_discrepancy", "get", "/reconcile/discrepancies/{discrepancy}/", (302, 200, 403, 404)),
    Case(
        "reconcile_decide",
        "post",
        "/reconcile/decide/",
        (302, 302, 403, 302),
        {"ids": "{discrepancy}", "action": "ignore", "reason": "x"},
        guards=RECONCILIATION,
        alice_changes=True,
        lands="/reconcile/",
    ),
    Case(
        "api_reconcile_imports", "get", "/api/reconcile/imports/", (401, 200, 403, 404), company_header=True
    ),
    Case("api_reconcile_import", "get", "/api/reconcile/imports/{import}/", (401, 200, 403, 404)),
    Case("api_reconcile_runs", "get", "/api/reconcile/runs/", (401, 200, 403, 404), company_header=True),
    Case(
        "api_reconcile_runs",
        "post",
        "/api/reconcile/runs/",
        (401, 202, 403, 404),
        {"bureau_import": "{import}"},
        guards=RECONCILIATION,
        alice_changes=True,
    ),
    Case("api_reconcile_run", "get", "/api/reconcile/runs/{run}/", (401, 200, 403, 404)),
    Case(
        "api_reconcile_discrepancies", "get", "/api/reconcile/runs/{run}/discrepancies/", (401, 200, 403, 404)
    ),
    Case(
        "api_reconcile_decide",
        "post",
        "/api/reconcile/decisions/",
        (401, 200, 403, 200),
        {"ids": "{discrepancy}", "action": "ignore", "reason": "x"},
        guards=RECONCILIATION,
        alice_changes=True,
    ),
    Case("api_me", "get", "/api/me/", (401, 200, 200, 200)),
    Case("api_companies", "get", "/api/companies/", (401, 200, 200, 200)),
    Case("api_company", "get", "/api/company/", (401, 200, 200, 404), company_header=True),
    Case("api_members", "get", "/api/members/", (401, 200, 403, 404), company_header=True),
    Case("api_member", "get", "/api/members/{bob_membership}/", (401, 200, 403, 404), company_header=True),
    Case("api_member", "get", "/api/members/{bob_membership}/", (401, 200, 403, 404)),
    Case("invitations", "get", "/accounts/invitations/", (302, 200, 200, 200)),
    Case(
        "invitation_accept",
        "post",
        "/accounts/invitations/0/accept/",
        (302, 404, 404, 404),
        guards=INVITATIONS,
    ),
    Case(
        "invitation_decline",
        "post",
        "/accounts/invitations/0/decline/",
        (302, 404, 404, 404),
        guards=INVITATIONS,
    ),
]
CASES += [  # writes through the API's other methods, and a page form, naming A's rows
    Case(
        "api_company",
        "patch",
        "/api/company/",
        (401, 200, 403, 404),
        {"sync_lag_days": "5"},
        company_header=True,
        guards=company_a_row,
        alice_changes=True,
    ),
    Case(
        "api_members",
        "post",
        "/api/members/",
        (401, 202, 403, 404),
        {"username": "charlie", "role": "admin", "password": "a-new-members-own-passphrase-42"},
        company_header=True,
        guards=INVITATIONS,
        alice_changes=True,
    ),
    Case(
        "api_member",
        "patch",
        "/api/members/{bob_membership}/",
        (401, 200, 403, 404),
        {"role": "accountant"},
        guards=MEMBERS,
        alice_changes=True,
    ),
    Case(
        "api_member",
        "patch",
        "/api/members/{bob_membership}/",
        (401, 200, 403, 404),
        {"role": "accountant"},
        company_header=True,
        guards=MEMBERS,
        alice_changes=True,
    ),
    Case(
        "api_member",
        "delete",
        "/api/members/{bob_membership}/",
        (401, 204, 403, 404),
        guards=MEMBERS,
        alice_changes=True,
    ),
    Case(
        "api_invoice",
        "patch",
        "/api/invoices/{invoice}/",
        (401, 200, 200, 404),
        {"remarks": "changed", "reason": "test"},
        guards=INVOICES,
        alice_changes=True,
    ),
    Case("api_invoice", "put", "/api/invoices/{invoice}/", (401, 400, 400, 404), {}, guards=INVOICES),
    Case(
        "invoice_edit",
        "post",
        "/invoices/{invoice}/edit/",
        (302, 200, 200, 404),
        {"remarks": "changed"},
        guards=INVOICES,
    ),
]
PEOPLE = ["nobody", "alice", "bob", "charlie"]
CAPTURED = replace(DIGITAL_SPEC, number="26352000000012340001")  # not the ledger's invoice


def url_names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from url_names(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name


def reconciled(company):
    """A finished reconciliation of an export that the company's ledger lacks entirely."""
    from reconcile import running, services
    from tests.fixtures.spreadsheets import bureau_xlsx

    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name="export.xlsx", data=bureau_xlsx(3, seed=1)
    )
    services.read_import(bureau_import.pk)
    run = bureau_import.runs.get()
    running.execute_run(run.pk)
    run.refresh_from_db()
    return run


def test_every_url_is_in_the_table():
    assert set(url_names()) - PUBLIC == {case.name for case in CASES}


def test_every_write_names_the_rows_of_company_a_it_must_leave_alone():
    assert [case.name for case in CASES if case.method != "get" and case.guards is None] == []


@pytest.fixture
def world(alice, bob, charlie, company_a):
    company_a.auto_confirm_capture = False
    company_a.save(update_fields=["auto_confirm_capture"])
    token, _key = token_create(user=alice, name="ledger sync")
    invoice = make_invoice(company_a, bob)
    batch = receive_files(
        company=company_a,
        by=alice,
        channel="browser",
        uploads=[Upload("a.xml", digital_invoice_xml(CAPTURED))],
    )
    job = batch.jobs.get()
    process_job(job.pk)  # auto-confirm is off: the card waits for review
    run = reconciled(company_a)
    ledger_import = import_ledger(company=company_a, by=bob, data=clerk_ledger(2, broken=1).data).import_id
    anomalies.report("sync_delay", [Observation("seller:X", "warning", company_a, details={"count": 1})])
    alert = Anomaly.objects.get(company=company_a, kind="sync_delay", key="seller:X")
    return {
        "people": {"nobody": None, "alice": alice, "bob": bob, "charlie": charlie},
        "values": {
            "alice_token": token.token_key,
            "company_a": company_a.pk,
            "bob_membership": Membership.objects.get(user=bob, company=company_a).pk,
            "invoice": invoice.pk,
            "batch": batch.pk,
            "job": job.pk,
            "file": job.stored_file.pk,
            "import": run.bureau_import.pk,
            "run": run.pk,
            "discrepancy": run.discrepancies.first().pk,
            "alert": alert.pk,
            "ledger_import": ledger_import,
        },
        "company_a": company_a,
    }


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.name}-{case.method}")
def test_each_person_gets_what_their_role_allows_and_no_more(case, who, world):
    client = Client()
    user = world["people"][who]
    if user is not None:
        client.force_login(user)
    values = world["values"]
    data = {key: value.format(**values) for key, value in (case.data or {}).items()}
    headers = {"HTTP_X_COMPANY": TIN_A} if case.company_header else {}
    status = case.statuses[PEOPLE.index(who)]
    if case.method in ("put", "patch", "delete"):
        headers["content_type"] = "application/json"
    before = case.guards(world) if case.guards else None
    response = getattr(client, case.method)(case.path.format(**values), data, **headers)
    assert response.status_code == status
    if case.guards and (who in ("nobody", "charlie") or status >= 400):
        assert case.guards(world) == before, f"{who}'s refused request changed company A's rows"
    if case.guards and who == "alice" and case.alice_changes:
        assert case.guards(world) != before, "the guard does not read the rows alice's request changes"
    if status == 302 and who == "nobody":
        assert response["Location"].startswith(("/accounts/login/?next=", "/admin/login/?next="))
    if status == 302 and who == "charlie":
        assert case.lands is not None, "say where charlie lands"
        assert response["Location"] == case.lands.format(**values)
    if who == "charlie":
        body = readable(response.content)
        assert world["company_a"].name not in body
        assert SUPPLIER_NAME not in body
        assert "bob" not in body
        if not case.company_header:  # an error may repeat the TIN charlie sent, nothing more
            assert TIN_A not in body
