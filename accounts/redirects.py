"""Where a page sends the user after a form: the `next` it was given, only when that is a path of this
site, otherwise the page's own fallback; and the answer to a parameter no form of ours would send."""

import unicodedata

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

MAX_ROW_ID = 2**63 - 1


def local_target(request, target: str | None) -> str | None:
    """`target` when it is a path on this site (starting with one "/", no scheme, no host, no control
    character), else None."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return None
    if any(unicodedata.category(char).startswith("C") for char in target):
        return None
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return target


def redirect_next(request, fallback: str, *args, **kwargs) -> HttpResponseRedirect:
    """Back to the `next` of the form when it is local, else to the named page `fallback`."""
    target = local_target(request, request.POST.get("next") or request.GET.get("next"))
    return HttpResponseRedirect(target or resolve_url(fallback, *args, **kwargs))


def bad_parameter(request, message: str) -> HttpResponse:
    """400: the request carries a value no page of ours sends; nothing was changed."""
    return render(request, "400.html", {"message": message}, status=400)


def row_id(text: str | None) -> int | None:
    """A row's id as a form sends it (ASCII digits, within the database's range), else None."""
    if not text or not (text.isascii() and text.isdigit()) or int(text) > MAX_ROW_ID:
        return None
    return int(text)
