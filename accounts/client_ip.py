"""The address that failed logins are counted against. X-Forwarded-For is believed only when the
request came from a proxy named in TRUSTED_PROXIES, and then only as far as the trusted proxies
wrote it: read from the right, each trusted hop vouches for the entry before it, and the first
address that is not a trusted proxy is the client. Anything further left was written by the client
and is ignored, so a client cannot pick a fresh address for each guess."""

import ipaddress

from django.conf import settings


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address) -> bool:
    return address is not None and any(address in network for network in settings.TRUSTED_PROXIES)


def from_trusted_proxy(request) -> bool:
    """Whether the request came through a proxy named in TRUSTED_PROXIES (and BEHIND_PROXY is on)."""
    return settings.BEHIND_PROXY and _trusted(_address(request.META.get("REMOTE_ADDR") or ""))


def client_ip(request) -> str | None:
    peer = request.META.get("REMOTE_ADDR")
    nearest = _address(peer or "")
    if not settings.BEHIND_PROXY or not _trusted(nearest):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",") if forwarded.strip() else []):
        address = _address(entry)
        if address is None:
            break  # not an address a proxy writes: what is left of it is not to be believed
        nearest = address
        if not _trusted(address):
            return str(address)
    return str(nearest)
