from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, CompanyOwned
from invoices.models import KIND_CHOICES, MONEY, ChainedEvent, Direction, Invoice, Status
from reconcile.records import CATEGORIES


def unchecked_company() -> models.ForeignKey:
    """The company of a row written by the hundred thousand from its parent, which holds the same
    company: not checked by the database row by row, and indexed through the parent's indexes."""
    return models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("company"),
        db_constraint=False,
        db_index=False,
    )


class BureauImport(CompanyOwned):
    """One export of the bureau's data (全量发票查询 or the 勾选 list), kept as its original file."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        READING = "reading", _("Reading")
        DONE = "done", _("Read")
        FAILED = "failed", _("Failed")

    class AsOfSource(models.TextChoices):
        TYPED = "typed", _("as given on upload")
        EXPORTED = "exported", _("the export time in the file's title")
        UPLOADED = "uploaded", _("the moment of upload")

    stored_file = models.ForeignKey("ingest.StoredFile", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    error_code = models.CharField(max_length=32, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    requested_direction = models.CharField(max_length=8, choices=Direction.choices, blank=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, blank=True)
    layout = models.CharField(_("layout"), max_length=8, blank=True)
    period_start = models.DateField(_("first issue date"), null=True)
    period_end = models.DateField(_("last issue date"), null=True)
    as_of = models.DateTimeField(_("bureau data as of"))
    as_of_source = models.CharField(max_length=8, choices=AsOfSource.choices, blank=True)  # "": not recorded
    # What the export's title rows say: the 开票日期 range it was asked for (查询条件) and when it was
    # taken (导出时间); empty when they do not say.
    query_start = models.DateField(_("issue dates asked from"), null=True, blank=True)
    query_end = models.DateField(_("issue dates asked to"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("invoices"), default=0)
    problems = models.JSONField(_("rows not read"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # its message to the workers (config/dispatch.py)
    started_at = models.DateTimeField(null=True, blank=True)  # when a worker last took it
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("bureau import")
        verbose_name_plural = _("bureau imports")
        constraints = [
            models.UniqueConstraint(fields=["company", "stored_file"], name="bureau_import_unique_file")
        ]

    def __str__(self):
        return f"#{self.pk} {self.direction} {self.period_start}–{self.period_end}"


class BureauInvoice(CompanyOwned):
    """One invoice as the bureau's export states it."""

    # Written by the hundred thousand, like Discrepancy: the company and the import are set
    # together from the import, in one place (reconcile/services.py), and not checked row by row
    # by the database. bureau_invoice_by_identity leads with the import.
    company = unchecked_company()
    bureau_import = models.ForeignKey(
        BureauImport, on_delete=models.CASCADE, related_name="invoices", db_constraint=False, db_index=False
    )
    row = models.PositiveIntegerField(_("row"))
    code = models.CharField(max_length=12, blank=True)
    number = models.CharField(max_length=20)
    digital_number = models.CharField(max_length=20, blank=True)
    identity = models.CharField(max_length=40)
    kind = models.CharField(max_length=24, choices=KIND_CHOICES)
    issue_date = models.DateField()
    seller_tin = models.CharField(max_length=20, blank=True)
    seller_name = models.CharField(max_length=200, blank=True)
    buyer_tin = models.CharField(max_length=20, blank=True)
    buyer_name = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NORMAL)
    is_red = models.BooleanField(default=False)
    blue_identity = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["bureau_import", "identity"], name="bureau_invoice_by_identity"),
            # "Does the bureau hold this invoice?" for a whole ledger at once (held_by_bureau).
            models.Index(
                fields=["company", "identity"], name="bureau_invoice_held", include=["bureau_import"]
            ),
        ]

    def __str__(self):
        return f"{self.identity} {self.issue_date} {self.total}"


class ReconRun(CompanyOwned):
    """One comparison of the ledger with one bureau import."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    bureau_import = models.ForeignKey(BureauImport, on_delete=models.PROTECT, related_name="runs")
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    counts = models.JSONField(default=dict)
    # The issue dates the run compared (reconcile/matching.py scope()), and how many ledger invoices of
    # its direction it left without a conclusion because they are dated before or after them.
    scope_start = models.DateField(null=True, blank=True)
    scope_end = models.DateField(null=True, blank=True)
    left_out_earlier = models.PositiveIntegerField(default=0)
    left_out_later = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        constraints = [
            # One reconciliation at a time per company: a second is refused while one is under way.
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(state__in=["queued", "running"]),
                name="recon_run_one_at_a_time",
            )
        ]

    def __str__(self):
        return f"run {self.pk} {self.state}"


class Discrepancy(CompanyOwned):
    """One conclusion of a run: a pair or a record alone, its category and what to do about it."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        CORRECTED = "corrected", _("Corrected")
        LINKED = "linked", _("Linked")
        IGNORED = "ignored", _("Ignored")

    class Change(models.TextChoices):
        NEW = "new", _("New since the previous import")
        STILL = "still", _("As in the previous import")
        CHANGED = "changed", _("Changed since the previous import")

    # A run writes its discrepancies by the hundred thousand, and each foreign key the database
    # checks costs a lookup per row at commit. The company and the run are set together from the
    # run, in one place (reconcile/running.py), so the database is not asked to check them; both
    # are indexed by the composite indexes below, which lead with them.
    company = unchecked_company()
    run = models.ForeignKey(
        ReconRun, on_delete=models.CASCADE, related_name="discrepancies", db_constraint=False, db_index=False
    )
    category = models.CharField(max_length=24, choices=[(category, category) for category in CATEGORIES])
    flags = models.JSONField(default=list)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bureau_invoice = models.ForeignKey(
        BureauInvoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    identity = models.CharField(max_length=40)
    counterparty_tin = models.CharField(max_length=20, blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    issue_date = models.DateField(null=True)
    total = models.DecimalField(**MONEY, null=True)
    tax_at_risk = models.DecimalField(**MONEY, default=0)
    suggestion = models.JSONField(default=dict)
    rule = models.CharField(max_length=80, blank=True)
    compared = models.JSONField(default=dict)
    candidates = models.JSONField(default=list)
    days_missing = models.IntegerField(null=True)
    change = models.CharField(max_length=8, choices=Change.choices, default=Change.NEW)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # asked only when a user is deleted; an index would cost every run's writes
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")
        indexes = [
            models.Index(fields=["run", "category", "state"], name="discrepancy_by_category"),
            models.Index(fields=["run", "counterparty_tin"], name="discrepancy_by_counterparty"),
            models.Index(fields=["company", "invoice"], name="discrepancy_by_invoice"),
        ]

    def __str__(self):
        return f"{self.category} {self.identity}"


class DecisionEvent(ChainedEvent):
    """Who decided what about a discrepancy, when and why. Hash-chained per company like the
    invoice trail (invoices/audit.py), so a rewritten decision shows."""

    discrepancy = models.ForeignKey(Discrepancy, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "seq"], name="decision_event_unique_seq")]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.discrepancy_id}"


class SellerStanding(CompanyOwned):
    """How one seller's invoices fare in the bureau's data, for a buying company: how long they
    usually take to appear and how many differences the latest reconciliation found. Rewritten by
    every purchase reconciliation (reconcile/sellers.py), so the dashboard reads it instead of
    recomputing it from every import."""

    seller_tin = models.CharField(max_length=20)
    seller_name = models.CharField(max_length=200, blank=True)
    invoices = models.PositiveIntegerField(default=0)  # held by the bureau, arrival known (median_days)
    median_days = models.FloatField(null=True)  # from issue to the first export holding it
    error_count = models.PositiveIntegerField(default=0)  # open or not, of the latest run
    run = models.ForeignKey(ReconRun, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "seller_tin"], name="seller_standing_unique")
        ]

    def __str__(self):
        return f"{self.seller_tin} {self.median_days} {self.error_count}"
