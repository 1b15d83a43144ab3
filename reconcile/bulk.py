"""Writing many rows at once: PostgreSQL's COPY where the database has it, bulk INSERT elsewhere.
A 100,000-row import or run writes in about a second this way instead of ten."""

from collections.abc import Iterable

from django.db import connection, models


def bulk_insert(
    model: type[models.Model], objects: Iterable[models.Model], *, batch_size: int = 5000
) -> None:
    """Insert unsaved instances without reading their ids back."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=batch_size)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for instance in objects:
            copy.write_row(
                [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]
            )
