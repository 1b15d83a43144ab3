from io import StringIO

from django.core.management import call_command

from accounts.models import Company, Membership
from invoices.audit_trail import verify_company_trail
from invoices.models import Invoice


def run_load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_twice_changes_nothing_and_keeps_the_passwords(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first = run_load_demo()
    count = Invoice.objects.count()
    second = run_load_demo()
    assert "demo invoices added" in first and "demo invoices added" not in second
    assert Invoice.objects.count() == count
    assert (Company.objects.count(), Membership.objects.count()) == (2, 4)
    alice_line = next(line for line in second.splitlines() if line.split()[0] == "alice")
    assert (
        Membership.objects.filter(user__username="alice").first().user.check_password(alice_line.split()[1])
    )


def test_the_demo_ledger_holds_a_year_with_the_problems_the_desk_catches(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    run_load_demo()
    company = Company.objects.get(tin="91310115MA1K4D8X0B")
    invoices = Invoice.objects.filter(company=company)
    assert 190 <= invoices.count() <= 220
    dates = sorted(invoices.values_list("issue_date", flat=True))
    assert (dates[-1] - dates[0]).days > 300
    codes = {
        finding["code"] for findings in invoices.values_list("findings", flat=True) for finding in findings
    }
    assert {"buyer_not_company", "line_decimal_shift", "words_mismatch", "near_duplicate"} <= codes
    assert invoices.filter(status="voided").exists()
    assert invoices.filter(is_red=True, blue_original__isnull=False).exists()
    assert invoices.filter(deduction="deducted").exists()
    assert invoices.filter(error_count=0, warning_count=0).count() > 150
    assert verify_company_trail(company)[1] == []
