"""The ledger's search: indexes by amount and by tax (every database), and on PostgreSQL the pg_trgm
extension with trigram indexes, so that any part of a number, taxpayer ID, drawer, remark or line
item is found through an index. SQLite (the embedded mode) gets no trigram index: its search reads
the company's rows, which is quick at the sizes it holds."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# Identifiers are stored upper case and searched with LIKE; words with UPPER(...) LIKE UPPER(...),
# as Django's icontains writes it, so their index is on UPPER(column).
TRIGRAM_INDEXES = [
    *(
        (f"invoice_{column}_trgm", "invoices_invoice", column)
        for column in ("number", "digital_number", "code", "counterparty_tin")
    ),
    *(
        (f"invoice_{column}_trgm", "invoices_invoice", f"UPPER({column})")
        for column in ("drawer", "remarks")
    ),
    ("invoice_line_item_trgm", "invoices_invoiceline", "UPPER(item_name)"),
]


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression} gin_trgm_ops)")


def remove_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0004_ledger_import_and_unknown_digital_kind"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["company", "amount"], name="invoice_by_amount"),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["company", "tax"], name="invoice_by_tax"),
        ),
        TrigramExtension(),
        migrations.RunPython(add_trigram_indexes, remove_trigram_indexes),
    ]
