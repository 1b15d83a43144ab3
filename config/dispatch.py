"""Sending work to the workers, and finding work whose message never arrived.

Work is recorded in the database first (a capture job, a bureau import, a reconciliation run, each
`queued` with a `sent_at`), and its message goes to the broker once that transaction has committed.
When the broker cannot be reached the user's request still succeeds: the work stays queued with no
`sent_at`, and the sweeps (every five minutes) send it again. A broker that restarts loses the
messages it held; those are sent again once they are older than the sweep's cutoff. A message sent
twice is harmless: a worker claims queued work with a conditional update, so it runs once.

A Redis that restarts without its data (no persistence) forgets the mark each sweep leaves in it
(the cache and the broker are the same Redis); a sweep that finds its mark gone sends every queued
item at once instead of waiting for the cutoff.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

# Work committed but not sent yet has this long for its own on-commit send before a sweep sends it.
UNSENT_GRACE = timedelta(minutes=1)


def send(task, object_ids: Iterable[int]) -> list[int]:
    """Send one message per id; returns the ids sent. Stops at the first refusal of the broker."""
    sent = []
    for object_id in object_ids:
        try:
            task.delay(object_id)
        except OperationalError as error:
            log.warning("broker unreachable (%s): %s %s left for the sweep", error, task.name, object_id)
            break
        sent.append(object_id)
    return sent


def send_after_commit(task, queryset: QuerySet, object_ids: list[int]) -> None:
    """Once the current transaction commits, send the work and stamp what went out with `sent_at`."""

    def after_commit():
        sent = send(task, object_ids)
        if sent:
            queryset.filter(pk__in=sent).update(sent_at=timezone.now())

    transaction.on_commit(after_commit)


def broker_was_emptied(sweep: str) -> bool:
    """True when this sweep's mark is gone from Redis (set again now): the broker restarted empty
    or was flushed, and every message it held is lost. Also true the very first time."""
    return cache.add(f"dispatch:mark:{sweep}", timezone.now().isoformat(), timeout=None)


def lost_messages(*, sweep: str, cutoff: datetime) -> Q:
    """Queued work to send again: never sent (past the grace) or sent before `cutoff`; all of it when
    the broker was emptied since the sweep last ran."""
    if broker_was_emptied(sweep):
        log.warning("the broker holds no mark of the %s sweep: every queued item is sent again", sweep)
        return Q()
    return Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, created_at__lt=timezone.now() - UNSENT_GRACE)
