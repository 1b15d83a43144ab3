from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import CompanyOwned
from ingest import sniff


class StoredFile(CompanyOwned):
    """An original file a company gave us. The bytes live once on disk under their SHA-256
    (ingest/storage.py); this row says the company has them and what they are."""

    MEDIA_CHOICES = [
        (sniff.PDF, "PDF"),
        (sniff.JPEG, _("JPEG image")),
        (sniff.PNG, _("PNG image")),
        (sniff.TIFF, _("TIFF image")),
        (sniff.XML, _("数电 XML")),
        (sniff.OFD, "OFD"),
        (sniff.ZIP, _("ZIP archive")),
        (sniff.UNKNOWN, _("unrecognised file")),
    ]

    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    media = models.CharField(_("type"), max_length=8, choices=MEDIA_CHOICES)
    name = models.CharField(_("file name"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        constraints = [models.UniqueConstraint(fields=["company", "sha256"], name="stored_file_unique_hash")]

    def __str__(self):
        return f"{self.name} ({self.sha256[:12]})"

    @property
    def content_type(self) -> str:
        return sniff.CONTENT_TYPES[self.media]


class IngestBatch(CompanyOwned):
    """The files given together: one upload, one API call, one command run."""

    class Channel(models.TextChoices):
        BROWSER = "browser", _("Browser upload")
        API = "api", _("API")
        COMMAND = "command", _("Command line")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    # The files of the selection that were not kept (empty, too large): [{name, code, params}].
    refused = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self):
        return f"#{self.pk} {self.channel} {self.created_at:%Y-%m-%d %H:%M}"


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    NEEDS_REVIEW = "needs_review", _("Needs review")
    DONE = "done", _("Done")
    DUPLICATE = "duplicate", _("Duplicate")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")
    MOVED = "moved", _("Moved to another company")


FINISHED = (JobState.DONE, JobState.DUPLICATE, JobState.FAILED, JobState.REJECTED, JobState.MOVED)
# A job in these states holds its invoice's identity: the same invoice again is its duplicate. A
# confirmed job leaves that to the ledger; a failed or rejected one lets the invoice be read again.
HOLDING = (JobState.QUEUED, JobState.PROCESSING, JobState.NEEDS_REVIEW, JobState.MOVED)


class IngestJob(CompanyOwned):
    """The work of turning one invoice of one stored file into a ledger record. A file with several
    invoices (a PDF of several pages, a zip) gets a job per invoice or member, `parent` being the
    job that found them."""

    batch = models.ForeignKey(IngestBatch, on_delete=models.PROTECT, related_name="jobs")
    stored_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="jobs")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    part = models.PositiveSmallIntegerField(_("invoice in the file"), default=0)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)  # as named in this upload
    identity = models.CharField(max_length=40, blank=True)  # held while the invoice is being captured
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    moved_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="moved_to"
    )
    state = models.CharField(_("state"), max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    reason_code = models.CharField(_("reason"), max_length=32, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # when its message last went to the workers
    finished_at = models.DateTimeField(null=True, blank=True)
    extraction = models.JSONField(_("extracted fields"), default=dict, blank=True)
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="ingest_jobs"
    )
    created_invoice = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("capture job")
        verbose_name_plural = _("capture jobs")
        constraints = [
            # A job creates at most one invoice, and an invoice is created by at most one job.
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(created_invoice=True), name="ingest_job_one_created_invoice"
            ),
            models.UniqueConstraint(fields=["stored_file", "part", "batch"], name="ingest_job_unique_part"),
            # One job of a company at a time captures a given invoice; the others are its duplicates.
            models.UniqueConstraint(
                fields=["company", "identity"], condition=~Q(identity=""), name="ingest_job_one_holder"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "state", "-created_at"], name="ingest_job_by_state"),
            models.Index(fields=["state", "started_at"], name="ingest_job_stuck"),
        ]

    def __str__(self):
        return f"job {self.pk} {self.state}"

    @property
    def display_name(self) -> str:
        """The file's name as this upload gave it (the stored file keeps the first name)."""
        return self.file_name or self.stored_file.name

    @property
    def values_read(self) -> dict:
        """The extracted value of each field that was read."""
        return {name: reading["value"] for name, reading in self.extraction.get("fields", {}).items()}
