from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.forms import add_service_errors
from accounts.redirects import redirect_next
from accounts.roles import Perm
from accounts.tenancy import company_view
from config.uploads import refuse_in_form, upload_limit
from ingest import bulk_confirm, cards, preview_cache, selectors, services
from ingest.downloads import download_name
from ingest.forms import JobFilterForm, RejectForm, UploadForm
from ingest.messages import reason_text, refusal_text
from ingest.models import JobState
from ingest.review import review_context, review_forms
from ingest.storage import read_blob
from invoices.drafts import clean_draft
from invoices.forms import attach_errors
from invoices.identity_words import identity_words
from sandbox import UnsafeFile


@upload_limit("capture")
@company_view(Perm.INGEST_UPLOAD)
def capture_home(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not refuse_in_form(request, form, "files") and form.is_valid():
        try:
            batch = services.receive_files(
                company=request.company, by=request.user, channel="browser", uploads=form.uploads()
            )
        except ValidationError as error:
            add_service_errors(form, error, fallback="files")
        else:
            for refusal in batch.refused:
                messages.warning(request, refusal_text(refusal))
            return redirect("capture_batch", pk=batch.pk)
    max_file, max_total = settings.UPLOAD_LIMITS["capture"]
    return render(
        request,
        "ingest/home.html",
        {
            "form": form,
            "max_file_bytes": max_file,
            "max_total_bytes": max_total,
            "max_file_mb": max_file // (1024 * 1024),
            "max_total_mb": max_total // (1024 * 1024),
            "batches": selectors.recent_batches(company=request.company)[:20],
            "review_count": selectors.review_queue(company=request.company).count(),
            "failed_count": selectors.failed_jobs(company=request.company).count(),
        },
    )


def _batch_context(request, pk: int) -> dict:
    batch = selectors.batch_get(company=request.company, pk=pk)
    counts = selectors.batch_counts(batch=batch)
    return {
        "batch": batch,
        "refused": [refusal_text(refusal) for refusal in batch.refused],
        "jobs": selectors.batch_jobs(batch=batch),
        "counts": counts,
        "percent": round(100 * counts["finished"] / counts["total"]) if counts["total"] else 100,
        "working": counts["finished"] < counts["total"],
    }


@company_view(Perm.INGEST_UPLOAD)
def capture_batch(request, pk: int):
    return render(request, "ingest/batch.html", _batch_context(request, pk))


@company_view(Perm.INGEST_UPLOAD)
def capture_batch_progress(request, pk: int):
    """The batch's live part, polled by htmx while files are still being read."""
    return render(request, "ingest/batch_progress.html", _batch_context(request, pk))


@company_view(Perm.INGEST_UPLOAD)
def capture_review_list(request):
    queue = selectors.review_queue(company=request.company).select_related("company")
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    summaries = [cards.summary(job) for job in page]
    return render(
        request,
        "ingest/review_list.html",
        {
            "page": page,
            "cards": summaries,
            "bulk_count": sum(card["bulk"] for card in summaries),
            "query": "",
        },
    )


@require_POST
@company_view(Perm.INGEST_UPLOAD)
def capture_review_confirm(request):
    """Confirm the chosen cards whose only doubt is certainty, as they were read."""
    try:
        job_ids = [int(value) for value in request.POST.getlist("job")]
    except ValueError:
        return _plain_text(_("The cards to confirm must be given by their numbers."), status=400)
    if not job_ids:
        messages.warning(request, _("Choose the cards to confirm first."))
        return redirect("capture_review")
    outcome = bulk_confirm.jobs_confirm_as_read(company=request.company, by=request.user, job_ids=job_ids)
    if outcome.confirmed:
        messages.success(
            request,
            ngettext(
                "%(count)s invoice confirmed into the ledger: %(numbers)s",
                "%(count)s invoices confirmed into the ledger: %(numbers)s",
                len(outcome.confirmed),
            )
            % {"count": len(outcome.confirmed), "numbers": "、".join(outcome.confirmed)},
        )
    for name, why in outcome.left:
        messages.warning(request, _("%(name)s still waits: %(why)s") % {"name": name, "why": why})
    return redirect("capture_review")


@company_view(Perm.INGEST_UPLOAD)
def capture_jobs(request):
    """Every captured invoice, filtered by source, outcome and month (the dashboard links here)."""
    form = JobFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    jobs = selectors.job_list(
        company=request.company,
        source=chosen.get("source", ""),
        state=chosen.get("state", ""),
        month=chosen.get("month"),
    )
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "ingest/jobs.html", {"form": form, "page": page, "query": query.urlencode()})


@company_view(Perm.INGEST_UPLOAD)
def capture_failed(request):
    return render(request, "ingest/failed.html", {"jobs": selectors.failed_jobs(company=request.company)})


@company_view(Perm.INGEST_UPLOAD)
def capture_job(request, pk: int):
    """A job: its outcome, or, while it waits for review, the card to confirm it."""
    job = selectors.job_get(company=request.company, pk=pk)
    if job.state != JobState.NEEDS_REVIEW:
        return render(request, "ingest/job.html", {"job": job})
    form, lines = review_forms(request, job)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        line_values = [values for line in lines.forms if (values := line.values()) is not None]
        try:
            draft = clean_draft(form.data, line_values)
            invoice = services.job_confirm(
                job=job,
                by=request.user,
                draft=draft,
                reason=form.cleaned_data["reason"],
                other_buyer=form.cleaned_data["other_buyer"],
                source=services.confirmed_invoice_source(
                    job.stored_file.media, job.extraction.get("sources", [])
                ),
            )
        except ValidationError as error:
            attach_errors(form, [line for line in lines.forms if line.values() is not None], error)
        else:
            saved = _("Invoice %(identity)s saved.") % {"identity": identity_words(invoice.identity)}
            messages.success(request, saved)
            following = selectors.review_queue(company=request.company).first()
            return redirect("capture_job", pk=following.pk) if following else redirect("capture_review")
    return render(request, "ingest/review.html", review_context(job, form, lines, user=request.user))


@require_POST
@company_view(Perm.INGEST_UPLOAD)
def capture_job_move(request, pk: int):
    """Send a card to the user's company whose invoice it is; it is read there as a new upload."""
    job = selectors.job_get(company=request.company, pk=pk)
    try:
        services.job_move(job=job, by=request.user, tin=request.POST.get("company", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("capture_job", pk=job.pk)
    job.refresh_from_db()
    moved = reason_text(job.reason_code, job.reason_params)
    messages.success(request, _("%(moved)s Switch to that company to see it.") % {"moved": moved})
    return redirect("capture_review")


@require_POST
@company_view(Perm.INGEST_UPLOAD)
def capture_job_reject(request, pk: int):
    job = selectors.job_get(company=request.company, pk=pk)
    form = RejectForm(request.POST)
    try:
        services.job_reject(job=job, by=request.user, reason=form.data.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("capture_job", pk=job.pk)
    messages.success(request, _("The card was rejected; the file is kept."))
    return redirect("capture_review")


@require_POST
@company_view(Perm.INGEST_UPLOAD)
def capture_job_retry(request, pk: int):
    job = selectors.job_get(company=request.company, pk=pk)
    try:
        services.job_retry(job=job, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The file is being read again."))
    return redirect_next(request, "capture_failed")


@company_view(Perm.LEDGER_VIEW)
def stored_file(request, pk: int):
    """An original, only to members of its company: never from a public URL. It downloads under
    the name it was uploaded with."""
    stored = selectors.stored_file_get(company=request.company, pk=pk)
    response = HttpResponse(read_blob(stored.sha256), content_type=stored.content_type)
    inline = stored.media in ("pdf", "jpeg", "png") and "download" not in request.GET
    response["Content-Disposition"] = content_disposition_header(not inline, download_name(stored))
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@company_view(Perm.LEDGER_VIEW)
def stored_file_page(request, pk: int, page: int):
    """One page of an original as a picture (PNG, or JPEG for a photo), for the viewer, the review
    card and the queue's thumbnails (?size=thumb). It is drawn once, in a child process (sandbox/),
    and kept (ingest/preview_cache.py). A page the file does not have is a 404."""
    size = request.GET.get("size", "full")
    if size not in preview_cache.SIZES:
        return _plain_text(_("Unknown picture size: choose full or thumb."), status=400)
    stored = selectors.stored_file_get(company=request.company, pk=pk)
    try:
        picture = preview_cache.page_picture(stored, page, size)
    except UnsafeFile:
        return _plain_text(_("The file could not be read safely."), status=422)
    if picture is None:
        return _plain_text(_("The original has no page %(page)s.") % {"page": page + 1}, status=404)
    data, kind = picture
    response = HttpResponse(data, content_type=preview_cache.CONTENT_TYPES[kind])
    response["Cache-Control"] = "private, max-age=86400"
    return response


def _plain_text(message: str, *, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
