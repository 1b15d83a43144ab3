"""The commands do the work themselves rather than wait for a worker; a worker that took a job
first is waited for instead (both sides claim a job before working on it)."""

import time

from django.db import models


def finished(instance: models.Model, busy: tuple[str, ...], patience: float = 600) -> models.Model:
    """The instance once its `state` is no longer one of `busy`, or when patience runs out."""
    deadline = time.monotonic() + patience
    instance.refresh_from_db()
    while instance.state in busy and time.monotonic() < deadline:
        time.sleep(0.5)
        instance.refresh_from_db()
    return instance
