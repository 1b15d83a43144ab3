"""What the watch found and what it did: every problem as one Anomaly, every periodic check as a
CheckRun."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, CompanyQuerySet
from invoices.models import MONEY, ChainedEvent


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    ERROR = "error", _("Error")
    CRITICAL = "critical", _("Critical")


class Anomaly(models.Model):
    """One problem, found by a check and kept until it goes away or a person deals with it. A check
    names each problem by (company, kind, key): seeing it again updates it, not seeing it any more
    resolves it. System-wide problems (a backup that did not run) have no company."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    kind = models.CharField(_("kind"), max_length=32)
    key = models.CharField(max_length=200)  # the subject within its kind, e.g. "invoice:123"
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    subject_url = models.CharField(max_length=300, blank=True)
    money_at_stake = models.DecimalField(_("money at stake"), **MONEY, default=0)
    details = models.JSONField(default=dict)  # the parameters of its message
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    state_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    counterparty = models.CharField(
        _("counterparty"), max_length=20, blank=True
    )  # a TIN, when one is concerned

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        constraints = [
            # One live anomaly per problem; a resolved one may come back as a new one.
            models.UniqueConstraint(
                fields=["company", "kind", "key"],
                condition=~Q(state="resolved") & Q(company__isnull=False),
                name="anomaly_one_live_per_problem",
            ),
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=~Q(state="resolved") & Q(company__isnull=True),
                name="anomaly_one_live_per_system_problem",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "state", "-last_seen"], name="anomaly_by_state"),
            models.Index(fields=["company", "state", "-money_at_stake"], name="anomaly_worklist"),
            models.Index(fields=["company", "first_seen"], name="anomaly_by_month"),
        ]

    def __str__(self):
        return f"{self.kind} {self.key} ({self.state})"


class AnomalyEvent(ChainedEvent):
    """What a person did with an anomaly (assign, acknowledge, resolve, reopen, comment), when and
    why. Hash-chained per company like the invoice trail (invoices/audit.py)."""

    anomaly = models.ForeignKey(Anomaly, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "seq"], name="anomaly_event_unique_seq")]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.anomaly_id}"


class CheckRun(models.Model):
    """One run of a periodic check (integrity, backup, sync scan, sweep): when, how long, what it
    counted and whether it passed."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Passed")
        PROBLEMS = "problems", _("Found problems")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("check"), max_length=32)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    counts = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("check run")
        verbose_name_plural = _("check runs")
        indexes = [models.Index(fields=["name", "-started_at"], name="check_run_latest")]

    def __str__(self):
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


class NotificationSettings(models.Model):
    """How a person hears of new anomalies: the bell always; e-mail digests as chosen."""

    class Digest(models.TextChoices):
        OFF = "off", _("No e-mail")
        HOURLY = "hourly", _("Hourly digest")
        DAILY = "daily", _("Daily digest")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(_("e-mail"), max_length=8, choices=Digest.choices, default=Digest.DAILY)
    min_severity = models.CharField(
        _("from severity"), max_length=8, choices=Severity.choices, default=Severity.WARNING
    )
    seen_until = models.DateTimeField(null=True, blank=True)  # the bell counts what came after
    mailed_until = models.DateTimeField(null=True, blank=True)  # the last digest covered up to here

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return f"{self.user} {self.digest}"
