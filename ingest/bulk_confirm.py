"""Confirming review cards as they were read, many at once: only cards whose one doubt is the
certainty of a reading (ingest/cards.py), each through the same service as a card confirmed by
hand, so the ledger's checks, the audit trail and the duplicate rules apply to every one."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Company, User
from ingest import cards, selectors, services
from invoices.drafts import clean_draft


@dataclass
class BulkOutcome:
    confirmed: list[str] = field(default_factory=list)  # the identities filed
    left: list[tuple[str, str]] = field(default_factory=list)  # (file name, why it still waits)


def jobs_confirm_as_read(*, company: Company, by: User, job_ids: list[int]) -> BulkOutcome:
    outcome = BulkOutcome()
    for job in selectors.review_queue(company=company).filter(pk__in=job_ids):
        if not cards.only_certainty_in_doubt(job):
            outcome.left.append((job.display_name, _("it has more to check than certainty; open it")))
            continue
        values, lines = cards.extracted_values(job)
        source = services.confirmed_invoice_source(job.stored_file.media, job.extraction.get("sources", []))
        try:
            with transaction.atomic():
                invoice = services.job_confirm(
                    job=job,
                    by=by,
                    draft=clean_draft(values, lines),
                    source=source,
                    reason=_("confirmed as read, with other cards whose only doubt was certainty"),
                )
        except ValidationError as error:
            outcome.left.append((job.display_name, " ".join(error.messages)))
        else:
            outcome.confirmed.append(invoice.number)
    return outcome
