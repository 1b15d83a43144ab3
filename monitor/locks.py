"""One run at a time of a periodic task across workers: a lock in the cache (Redis in production;
the process's memory in the embedded mode, where one process runs everything)."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache


@contextmanager
def single_run(name: str, *, timeout: int = 3600) -> Iterator[bool]:
    """Yields whether this caller holds the lock; the holder releases it on leaving, and a holder
    that died loses it after `timeout` seconds."""
    key, token = f"monitor-lock:{name}", uuid.uuid4().hex
    held = cache.add(key, token, timeout)
    try:
        yield held
    finally:
        if held and cache.get(key) == token:
            cache.delete(key)
