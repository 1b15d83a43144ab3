"""How often the forgotten-password form sends a link: at most MAILS_PER_ADDRESS an hour to one
e-mail address and REQUESTS_PER_CLIENT requests an hour from one client address (as
accounts.client_ip reads it), so the form can flood neither a mailbox nor the mail server. Past
the limit the form answers as always and sends nothing: the answer never says whether an address
has an account, nor that a limit was reached."""

import hashlib

from django.core.cache import cache

WINDOW_SECONDS = 3600
MAILS_PER_ADDRESS = 3
REQUESTS_PER_CLIENT = 10


def reset_mail_allowed(*, client: str | None, email: str) -> bool:
    """Count this request against the client and the address; whether a mail may go."""
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    by_client = _count(f"password-reset:client:{client or 'unknown'}")
    by_address = _count(f"password-reset:address:{address}")
    return by_client <= REQUESTS_PER_CLIENT and by_address <= MAILS_PER_ADDRESS


def _count(key: str) -> int:
    if cache.add(key, 1, WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        return 1
