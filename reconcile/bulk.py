"""Writing many rows at once: PostgreSQL's COPY where the database has it, bulk INSERT elsewhere.
Rows are plain tuples of Python values, not model instances: building a hundred thousand instances
and preparing each field of each costs more than the COPY itself."""

import json
from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connection, models
from django.utils import timezone


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    batch_size: int = 5000,
) -> None:
    """Insert rows given as values for `columns` (field attnames, e.g. "company_id"); every other
    field takes its default, and auto_now fields the current time. JSON fields take Python values."""
    fields = {field.attname: field for field in model._meta.concrete_fields if not field.primary_key}
    unknown = set(columns) - set(fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    if connection.vendor != "postgresql":
        _bulk_create(model, columns, rows, batch_size)
        return
    now = timezone.now()
    rest = [field for name, field in fields.items() if name not in columns]
    fixed = [field.get_db_prep_save(_default(field, now), connection) for field in rest]
    json_at = [index for index, name in enumerate(columns) if isinstance(fields[name], models.JSONField)]
    names = ", ".join(connection.ops.quote_name(field.column) for field in [*map(fields.get, columns), *rest])
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = [*row, *fixed]
            for index in json_at:
                values[index] = _json(values[index])
            copy.write_row(values)


def _json(value: object) -> str:
    if not value:  # most rows: no flags, no suggestion
        return "[]" if isinstance(value, list | tuple) else "{}" if isinstance(value, dict) else "null"
    return json.dumps(value, ensure_ascii=False)


def _bulk_create(model, columns, rows, batch_size: int) -> None:
    rows = iter(rows)
    while batch := list(islice(rows, batch_size)):
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in batch])


def _default(field: models.Field, now) -> object:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()
