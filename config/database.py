"""Waiting out a database restart: a worker that lost PostgreSQL in the middle of a task records what
became of the task once the database answers again, instead of leaving the work marked busy until a
sweep finds it a quarter of an hour later."""

import time
from collections.abc import Callable
from contextlib import suppress

from django.db import DatabaseError, connection

# A restarted PostgreSQL answers again within seconds (crash recovery included); wait up to a minute.
ATTEMPTS, PAUSE = 30, 2.0


def when_it_answers(operation: Callable[[], object]) -> bool:
    """Run `operation` once the database answers; False if it did not within the wait."""
    for _attempt in range(ATTEMPTS):
        try:
            operation()
        except DatabaseError:
            with suppress(DatabaseError):
                connection.close()  # a broken connection is replaced by a new one on the next query
            time.sleep(PAUSE)
        else:
            return True
    return False


# Rows written at once past which the table's statistics are refreshed at once (see fresh_statistics).
BULK_LOAD_ROWS = 1000


def fresh_statistics(model, rows: int) -> None:
    """Refresh PostgreSQL's statistics of a model's table after a bulk load of `rows` rows. Until
    autovacuum comes round, the planner takes a table just filled with a hundred thousand rows for
    an empty one and joins it by nested loop: the watch's first look at a new export would then
    compare every ledger invoice with every bureau row, for minutes. ANALYZE reads a fixed sample,
    a fraction of a second at any size."""
    if rows < BULK_LOAD_ROWS or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
