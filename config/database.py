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
