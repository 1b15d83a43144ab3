"""A trigram index for searching counterparties by any part of their name (PostgreSQL only; on
SQLite, the embedded database, the search scans instead)."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS invoice_counterparty_name_trgm ON invoices_invoice "
    "USING gin (counterparty_name gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS invoice_counterparty_name_trgm"]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("invoices", "0001_initial")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
