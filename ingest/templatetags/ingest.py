from django import template

from ingest.messages import reason_text

register = template.Library()


@register.filter
def reason(job) -> str:
    """Why the job ended as it did, in the reader's language."""
    return reason_text(job.reason_code, job.reason_params)
