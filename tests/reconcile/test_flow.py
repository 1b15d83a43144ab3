"""From a bureau export to decisions: import, run, the discrepancies, and what a person decides."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from invoices.audit_trail import verify_company_trail
from invoices.importing import import_ledger
from invoices.models import Invoice
from reconcile import decisions, running, services
from reconcile.models import BureauImport, DecisionEvent, Discrepancy, ReconRun
from tests.fixtures.spreadsheets import BUYER_TIN, bureau_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db):
    from accounts.services import company_create

    return company_create(name="甲商贸有限公司", tin=BUYER_TIN)


def import_and_run(company, data: bytes, name: str = "发票基础信息.xlsx", **options) -> BureauImport:
    """What the workers do after an upload: read the export, then reconcile it."""
    bureau_import, created = services.bureau_import_create(
        company=company, by=None, name=name, data=data, **options
    )
    if created:
        services.read_import(bureau_import.pk)
        for run in ReconRun.objects.filter(bureau_import=bureau_import, state=ReconRun.State.QUEUED):
            running.execute_run(run.pk)
    bureau_import.refresh_from_db()
    return bureau_import


def latest_run(bureau_import) -> ReconRun:
    return bureau_import.runs.order_by("-created_at").first()


def categories(run) -> dict[str, int]:
    return dict(run.counts)


def test_an_empty_ledger_lacks_every_invoice_of_the_export(company):
    bureau_import = import_and_run(company, bureau_xlsx(12, seed=1))
    assert (bureau_import.state, bureau_import.direction, bureau_import.row_count) == ("done", "purchase", 12)
    run = latest_run(bureau_import)
    assert run.state == ReconRun.State.DONE
    assert categories(run).get("missing_in_ledger") == 12


def test_a_ledger_made_from_the_same_export_matches_it(company):
    data = bureau_xlsx(15, seed=2)
    import_ledger(company=company, by=None, data=data)
    run = latest_run(import_and_run(company, data))
    assert categories(run).get("matched") == 15
    assert not run.discrepancies.exclude(category="matched").exists()


def test_a_shifted_decimal_point_is_found_and_fixed_in_one_click(company):
    data = bureau_xlsx(10, seed=3)
    import_ledger(company=company, by=None, data=data)
    invoice = Invoice.objects.filter(company=company).order_by("pk").first()
    Invoice.objects.filter(pk=invoice.pk).update(
        tax=invoice.tax * 10, total=invoice.amount + invoice.tax * 10
    )
    run = latest_run(import_and_run(company, data))
    discrepancy = run.discrepancies.get(category="mismatch")
    assert "decimal_shift" in discrepancy.flags
    assert discrepancy.suggestion["tax"] == str(invoice.tax)
    outcome = decisions.decide(company=company, by=None, discrepancies=[discrepancy], action="accept_bureau")
    assert outcome.done == [discrepancy]
    invoice.refresh_from_db()
    assert invoice.total == invoice.amount + invoice.tax
    discrepancy.refresh_from_db()
    assert discrepancy.state == Discrepancy.State.CORRECTED
    assert verify_company_trail(company)[1] == []
    assert verify_company_trail(company, DecisionEvent, "discrepancy") == (1, [])
    again = services.run_start(company=company, by=None, bureau_import=run.bureau_import)
    running.execute_run(again.pk)
    again.refresh_from_db()
    assert again.counts.get("mismatch") is None and again.counts["matched"] == 10


def test_the_same_export_twice_is_one_import(company):
    data = bureau_xlsx(5, seed=4)
    first = import_and_run(company, data)
    second, created = services.bureau_import_create(company=company, by=None, name="again.xlsx", data=data)
    assert (second, created) == (first, False)


def test_another_taxpayers_export_is_refused_with_the_reason(db):
    from accounts.services import company_create

    stranger = company_create(name="乙公司", tin="91350200776049653A")
    bureau_import = import_and_run(stranger, bureau_xlsx(5, seed=5))
    assert (bureau_import.state, bureau_import.error_code) == ("failed", "other_taxpayer")
    assert BUYER_TIN in services.import_failure_message(bureau_import)


def test_a_second_run_while_one_is_under_way_is_refused(company):
    bureau_import = import_and_run(company, bureau_xlsx(5, seed=6))
    ReconRun.objects.create(company=company, bureau_import=bureau_import, state=ReconRun.State.RUNNING)
    with pytest.raises(ValidationError) as caught:
        services.run_start(company=company, by=None, bureau_import=bureau_import)
    assert caught.value.error_dict["bureau_import"][0].code == "run_in_progress"


def test_decisions_need_reasons_and_are_kept_by_the_next_run(company):
    bureau_import = import_and_run(company, bureau_xlsx(6, seed=7))
    run = latest_run(bureau_import)
    first, second = list(run.discrepancies.order_by("pk")[:2])
    with pytest.raises(ValidationError):
        decisions.decide(company=company, by=None, discrepancies=[first], action="ignore")
    decisions.decide(
        company=company, by=None, discrepancies=[first], action="ignore", reason="个人报销，不入账"
    )
    again = services.run_start(company=company, by=None, bureau_import=bureau_import)
    running.execute_run(again.pk)
    kept = again.discrepancies.get(identity=first.identity)
    assert (kept.state, kept.reason, kept.change) == ("ignored", "个人报销，不入账", "still")
    assert again.discrepancies.get(identity=second.identity).state == "open"


def test_an_invoice_the_ledger_lacks_is_added_from_the_bureau(company):
    run = latest_run(import_and_run(company, bureau_xlsx(3, seed=8)))
    discrepancy = run.discrepancies.filter(category="missing_in_ledger").first()
    decisions.decide(company=company, by=None, discrepancies=[discrepancy], action="add_to_ledger")
    discrepancy.refresh_from_db()
    assert discrepancy.state == "corrected"
    assert discrepancy.invoice.identity == discrepancy.identity
    assert discrepancy.invoice.source == "import"


def test_two_lone_records_can_be_linked_by_hand(company):
    data = bureau_xlsx(4, seed=9)
    import_ledger(company=company, by=None, data=data)
    invoice = Invoice.objects.filter(company=company).order_by("pk").first()
    Invoice.objects.filter(pk=invoice.pk).update(
        identity="26000000000000000001",
        number="26000000000000000001",
        total=invoice.total + Decimal("777.00"),
    )
    run = latest_run(import_and_run(company, data))
    ours = run.discrepancies.get(invoice=invoice)
    theirs = run.discrepancies.filter(category="missing_in_ledger").first()
    decisions.decide(
        company=company, by=None, discrepancies=[ours], action="link", counterpart=theirs, reason="同一张"
    )
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.state, theirs.state) == ("linked", "linked")


def test_the_reconcile_command_prints_json_lines(company):
    import json

    data = bureau_xlsx(4, seed=10)
    import_and_run(company, data)
    out = StringIO()
    call_command("reconcile", "--company", company.tin, "--json", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {line["category"] for line in lines} == {"missing_in_ledger"}
    assert all(line["ledger"] is None and len(line["bureau"]) == 3 for line in lines)


def test_the_import_bureau_command(company, tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(bureau_xlsx(6, seed=11))
    out = StringIO()
    call_command("import_bureau", str(path), "--company", company.tin, "--as-of", "2024-07-01", stdout=out)
    assert "purchase, 6 invoices" in out.getvalue()
    assert ReconRun.objects.get(company=company).state == "done"
