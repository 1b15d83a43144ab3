from django.conf import settings


def client_ip(request) -> str | None:
    """The address that failed logins are counted against. Behind a proxy it is the entry the
    proxy appended to X-Forwarded-For (the last one); anything before it is client-supplied."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")
