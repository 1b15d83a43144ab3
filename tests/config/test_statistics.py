"""A bulk load leaves the planner fresh statistics: a table just filled with thousands of rows is not
taken for an empty one (config/database.py fresh_statistics)."""

import pytest
from django.db import connection

from accounts.services import company_create
from invoices.importing import import_ledger
from invoices.models import Invoice
from reconcile import services
from reconcile.models import BureauInvoice
from tests.fixtures.clerk_ledger import clerk_ledger
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx

pytestmark = pytest.mark.django_db


def planned_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table])
        return cursor.fetchone()[0]


def test_the_rows_of_a_large_export_are_counted_by_the_planner_once_read():
    world = scenario(1200, seed=3, share=0)
    company = company_create(name="甲商贸有限公司", tin=world.company_tin)
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name="全量发票查询.xlsx", data=write_xlsx(basic_rows(world))
    )
    services.read_import(bureau_import.pk)
    assert planned_rows(BureauInvoice) == BureauInvoice.objects.count() == 1200


def test_the_invoices_of_a_large_ledger_are_counted_by_the_planner_once_imported(company_a):
    report = import_ledger(company=company_a, by=None, data=clerk_ledger(1100, seed=4).data)
    assert planned_rows(Invoice) == Invoice.objects.count() == report.added == 1100
