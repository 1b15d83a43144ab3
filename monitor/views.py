from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from monitor.schedules import jobs, overdue_jobs


@staff_member_required
def monitor_jobs(request):
    """The periodic jobs of this installation: last run, duration, outcome, next start."""
    overdue_jobs()  # the page also notices a job that did not run, should beat itself be down
    return render(request, "monitor/jobs.html", {"jobs": jobs()})
