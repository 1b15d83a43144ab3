from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Perm
from accounts.tenancy import company_view
from monitor import alerts, job_loop, selectors
from monitor.forms import NotificationSettingsForm
from monitor.handling import acknowledge
from monitor.schedules import jobs, overdue_jobs


@login_required
def monitor_jobs(request):
    """Staff: the periodic jobs of this installation, with last run, duration, outcome and next
    start. A company's admin: the integrity check and the backup as they concern her company."""
    if request.user.is_staff:
        overdue_jobs()  # the page also notices a job that did not run, should beat itself be down
        job_loop.check_stopped()  # and, in the embedded mode, a loop of jobs that is no longer running
        return render(request, "monitor/jobs.html", {"jobs": jobs(), "loop_alerts": job_loop.live_alerts()})
    return _company_jobs(request)


@company_view(Perm.SCHEDULES_MANAGE)
def _company_jobs(request):
    company_jobs = selectors.company_jobs(company=request.company)
    return render(
        request,
        "monitor/jobs.html",
        {"company_jobs": company_jobs, "any_findings": any(job.findings for job in company_jobs)},
    )


@company_view(Perm.ALERTS_VIEW)
def monitor_alerts(request):
    alerts.mark_seen(request.user)
    return render(
        request,
        "monitor/alerts.html",
        {
            "alerts": alerts.live_alerts(company=request.company),
            "settings_form": NotificationSettingsForm(instance=alerts.settings_for(request.user)),
        },
    )


@require_POST
@company_view(Perm.ALERTS_VIEW)
def monitor_alert_acknowledge(request, pk: int):
    acknowledge(anomaly=alerts.alert_get(company=request.company, pk=pk), by=request.user)
    return redirect("monitor_alerts")


@require_POST
@login_required
def monitor_notification_settings(request):
    form = NotificationSettingsForm(request.POST, instance=alerts.settings_for(request.user))
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose one of the listed values."))
    return redirect("monitor_alerts")
