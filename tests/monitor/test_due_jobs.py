"""Without beat (the embedded mode), run_due_jobs runs what is due, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from config.celery import BEAT_SCHEDULE
from monitor.models import CheckRun
from monitor.schedules import RUN_NAMES


@pytest.mark.django_db(transaction=True)
def test_jobs_never_run_are_run_and_then_not_again_until_due(company_a):
    out = StringIO()
    call_command("run_due_jobs", stdout=out)
    names = {RUN_NAMES[entry["task"]] for entry in BEAT_SCHEDULE.values()}
    assert set(CheckRun.objects.values_list("name", flat=True)) == names
    assert not CheckRun.objects.filter(outcome="failed").exists()
    call_command("run_due_jobs", stdout=StringIO())
    assert CheckRun.objects.count() == len(names)
