from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, CompanyOwned
from invoices.fapiao import Kind

MONEY = {"max_digits": 18, "decimal_places": 2}
SUMS = ("amount", "tax", "total")


class Direction(models.TextChoices):
    PURCHASE = "purchase", _("Purchase (进项)")
    SALES = "sales", _("Sales (销项)")


KIND_CHOICES = [
    (Kind.SPECIAL, _("VAT special invoice (专票)")),
    (Kind.ORDINARY, _("VAT ordinary invoice (普票)")),
    (Kind.E_SPECIAL, _("Electronic special invoice (电子专票)")),
    (Kind.E_ORDINARY, _("Electronic ordinary invoice (电子普票)")),
    (Kind.DIGITAL_SPECIAL, _("Fully digital special invoice (数电专票)")),
    (Kind.DIGITAL_ORDINARY, _("Fully digital ordinary invoice (数电普票)")),
    (Kind.DIGITAL_PAPER_SPECIAL, _("Digital paper special invoice (数电纸质专票)")),
    (Kind.DIGITAL_PAPER_ORDINARY, _("Digital paper ordinary invoice (数电纸质普票)")),
    (
        Kind.DIGITAL_UNKNOWN,
        _("Fully digital invoice, special or ordinary not yet known (数电票，票种待确认)"),
    ),
    (Kind.ROLL, _("Roll invoice (卷票)")),
    (Kind.TOLL, _("Toll invoice (通行费)")),
    (Kind.MOTOR_VEHICLE, _("Motor vehicle invoice (机动车)")),
    (Kind.USED_VEHICLE, _("Used vehicle invoice (二手车)")),
    (Kind.OTHER, _("Other")),
]


class Status(models.TextChoices):
    NORMAL = "normal", _("Normal")
    VOIDED = "voided", _("Voided (作废)")
    RED_FLUSHED_FULL = "red_flushed_full", _("Fully red-flushed (全额红冲)")
    RED_FLUSHED_PARTIAL = "red_flushed_partial", _("Partly red-flushed (部分红冲)")


# An invoice in these states has nothing left to deduct (and nothing for the bureau to hold).
FLUSHED = (Status.VOIDED, Status.RED_FLUSHED_FULL)


class Deduction(models.TextChoices):
    UNTICKED = "unticked", _("Not ticked")
    DEDUCTED = "deducted", _("Ticked for deduction (已勾选抵扣)")
    NOT_DEDUCTIBLE = "not_deductible", _("Not deductible (不抵扣)")


class NotDeductibleReason(models.TextChoices):
    """The bureau's 不抵扣原因 (docs/fapiao-rules.md §Status, Deduction)."""

    NON_TAXABLE = "non_taxable", _("Used for non-taxable items")
    TAX_EXEMPT = "tax_exempt", _("Used for tax-exempt items")
    WELFARE = "welfare", _("Collective welfare or personal consumption")
    ABNORMAL_LOSS = "abnormal_loss", _("Abnormal loss")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    SCAN = "scan", _("Scan or photo")
    PDF = "pdf", _("PDF")
    XML = "xml", _("数电 XML")
    OFD = "ofd", _("OFD")
    API = "api", _("API")
    IMPORT = "import", _("Spreadsheet import")


class Invoice(CompanyOwned):
    """One invoice in a company's ledger. Written only through invoices.services, which keeps the
    derived columns (identity, counterparty, findings) and the audit trail right."""

    # No index of its own: every index below starts with the company, and a lone company index
    # tempts the planner into reading a company's whole ledger for one month.
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("company")
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=KIND_CHOICES)
    code = models.CharField(_("invoice code"), max_length=12, blank=True)
    number = models.CharField(_("invoice number"), max_length=20)
    digital_number = models.CharField(_("数电 number"), max_length=20, blank=True)
    identity = models.CharField(_("identity"), max_length=40, editable=False)
    issue_date = models.DateField(_("issue date"))
    seller_name = models.CharField(_("seller name"), max_length=200)
    seller_tin = models.CharField(_("seller taxpayer ID"), max_length=20)
    buyer_name = models.CharField(_("buyer name"), max_length=200)
    buyer_tin = models.CharField(_("buyer taxpayer ID"), max_length=20, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=200, editable=False)
    counterparty_tin = models.CharField(_("counterparty taxpayer ID"), max_length=20, editable=False)
    amount = models.DecimalField(_("amount excl. tax"), **MONEY)
    tax = models.DecimalField(_("tax"), **MONEY)
    total = models.DecimalField(_("total (价税合计)"), **MONEY)
    total_in_words = models.CharField(_("total in words (大写)"), max_length=80, blank=True)
    check_code = models.CharField(_("check code (校验码)"), max_length=20, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    drawer = models.CharField(_("drawer (开票人)"), max_length=50, blank=True)
    qr_payload = models.CharField(_("QR payload"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NORMAL)
    is_red = models.BooleanField(_("red invoice"), default=False)
    blue_original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="red_invoices",
        verbose_name=_("blue original"),
    )
    blue_identity = models.CharField(_("blue original's number"), max_length=40, blank=True)
    deduction = models.CharField(
        _("deduction"), max_length=16, choices=Deduction.choices, default=Deduction.UNTICKED
    )
    not_deductible_reason = models.CharField(
        _("reason not deductible"), max_length=16, choices=NotDeductibleReason.choices, blank=True
    )
    deduction_period = models.DateField(_("deduction period"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.MANUAL)
    original_file = models.ForeignKey(
        "ingest.StoredFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("original file"),
    )
    findings = models.JSONField(_("findings"), default=list, editable=False)
    error_count = models.PositiveSmallIntegerField(default=0, editable=False)
    warning_count = models.PositiveSmallIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed at"), auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["company", "identity"], name="invoice_unique_identity"),
        ]
        # Every list filter has an index led by the company; those that feed the list's totals
        # carry the amounts, so the sums are read from the index alone. The search's trigram
        # indexes (PostgreSQL only) are made by migration 0005, outside this list.
        indexes = [
            models.Index(fields=["company", "-issue_date", "-id"], name="invoice_by_date", include=SUMS),
            *(
                models.Index(
                    fields=["company", field, "-issue_date"], name=f"invoice_by_{name}", include=SUMS
                )
                for field, name in [
                    ("direction", "direction"),
                    ("kind", "kind"),
                    ("status", "status"),
                    ("deduction", "deduction"),
                    ("counterparty_tin", "counterparty"),
                ]
            ),
            models.Index(fields=["company", "total"], name="invoice_by_total", include=("amount", "tax")),
            # A search by amount also finds an invoice by its amount before tax or its tax.
            models.Index(fields=["company", "amount"], name="invoice_by_amount"),
            models.Index(fields=["company", "tax"], name="invoice_by_tax"),
            models.Index(fields=["company", "number"], name="invoice_by_number"),
            models.Index(
                fields=["company", "digital_number"],
                name="invoice_by_digital_number",
                condition=~Q(digital_number=""),
            ),
            models.Index(fields=["company", "code"], name="invoice_by_code", condition=~Q(code="")),
            models.Index(
                fields=["company", "seller_tin", "issue_date", "total"], name="invoice_near_duplicate"
            ),
            models.Index(
                fields=["company", "-issue_date"],
                name="invoice_with_errors",
                condition=Q(error_count__gt=0),
                include=SUMS,
            ),
            models.Index(
                fields=["company", "-issue_date"],
                name="invoice_with_warnings",
                condition=Q(warning_count__gt=0),
                include=SUMS,
            ),
        ]

    def __str__(self):
        return f"{self.identity} {self.issue_date} {self.total}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("line"))
    item_name = models.CharField(_("item"), max_length=200)
    tax_classification_code = models.CharField(_("tax classification code"), max_length=19, blank=True)
    spec = models.CharField(_("specification"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=24, decimal_places=8, null=True, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=24, decimal_places=8, null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    rate = models.CharField(_("rate"), max_length=8, help_text=_("0.13, 0.06 … or 免税 / 不征税"))
    tax = models.DecimalField(_("tax"), **MONEY)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_unique_position")
        ]

    def __str__(self):
        return f"{self.position}. {self.item_name}"


class ChainedEvent(CompanyOwned):
    """What every hash-chained trail of a company records (invoices/audit_trail.py writes and checks
    them): its place in the chain, who acted when, the change, the reason. A concrete trail adds the
    subject it points at and its `action`."""

    seq = models.PositiveBigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    changes = models.JSONField(default=dict)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        abstract = True


class InvoiceEvent(CompanyOwned):
    """One change to one invoice, hash-chained per company so that a rewritten history shows
    (invoices/audit.py). Never updated or deleted."""

    class Action(models.TextChoices):
        CREATE = "create", _("Invoice entered")
        UPDATE = "update", _("Invoice changed")
        STATUS = "status", _("Status changed")
        VOID = "void", _("Voided")
        DEDUCTION = "deduction", _("Deduction changed")

    seq = models.PositiveBigIntegerField(_("sequence"))
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"))
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.TextField(_("reason"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("invoice event")
        verbose_name_plural = _("invoice events")
        constraints = [models.UniqueConstraint(fields=["company", "seq"], name="invoice_event_unique_seq")]
        indexes = [models.Index(fields=["invoice", "seq"], name="invoice_event_by_invoice")]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.invoice_id}"


class Counterparty(CompanyOwned):
    """Each (taxpayer ID, name) a company's invoices name on the other side: the small table that
    a search by counterparty name reads, instead of every invoice."""

    tin = models.CharField(_("taxpayer ID"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("counterparty")
        verbose_name_plural = _("counterparties")
        constraints = [
            models.UniqueConstraint(fields=["company", "tin", "name"], name="counterparty_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.tin})"


class LedgerImport(CompanyOwned):
    """One spreadsheet imported into the ledger: what became of its rows, and the rows refused, as
    an XLSX to fix and import again (only the importing company can download it)."""

    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    refused = models.PositiveIntegerField(_("not imported"), default=0)
    refused_file = models.BinaryField(_("refused rows"), blank=True, default=bytes)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")

    def __str__(self):
        return f"{self.file_name} {self.added}/{self.rows}"
