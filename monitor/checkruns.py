"""Every periodic job leaves a CheckRun: when it started, how long it took, what it counted and
whether it passed. The jobs page and the missed-run check read them."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from monitor.models import CheckRun


@contextmanager
def recorded(name: str) -> Iterator[CheckRun]:
    """A CheckRun for the block: passed if it returns, failed (with the error) if it raises. The
    block may set `counts` and `outcome` (e.g. PROBLEMS) on the run it is given."""
    run = CheckRun.objects.create(name=name, started_at=timezone.now())
    try:
        yield run
    except Exception as error:
        run.outcome, run.error = CheckRun.Outcome.FAILED, str(error)[:500]
        raise
    else:
        if run.outcome == CheckRun.Outcome.RUNNING:
            run.outcome = CheckRun.Outcome.OK
    finally:
        run.finished_at = timezone.now()
        run.save()
