"""Which company a request acts for, decided in one place for pages and the API.

Pages: the company picked in the header, kept in the session and remembered on the account for
the next sign-in (while the user is still a member of it); the user's first company until they
pick one. API: the `X-Company` header (the company's taxpayer ID), else the session's
company for a browser session, else the user's only company. A company the user does not belong
to is answered as if it did not exist (404). An API token limited to one company acts for that
company alone: it needs no header, and a header naming another company is refused (403).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as api_exceptions
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission

from accounts.models import Membership, TokenInfo, User
from accounts.roles import Perm
from accounts.selectors import membership_list_for_user
from invoices.fapiao import normalize_id

SESSION_KEY = "company_id"
COMPANY_HEADER = "X-Company"


def user_memberships(request) -> list[Membership]:
    """The signed-in user's memberships, read once per request."""
    if not hasattr(request, "_memberships"):
        user = request.user
        memberships = list(membership_list_for_user(user=user)) if user.is_authenticated else []
        scope = token_company_id(request)
        if scope is not None:
            memberships = [membership for membership in memberships if membership.company_id == scope]
        request._memberships = memberships
    return request._memberships


def token_company_id(request) -> int | None:
    """The company the request's API token is limited to; None for a session or a token of all
    the user's companies."""
    auth_token = getattr(request, "auth", None)
    if auth_token is None or not hasattr(auth_token, "token_key"):
        return None
    try:
        return auth_token.info.company_id
    except TokenInfo.DoesNotExist:  # a token from before tokens had names
        return None


def page_membership(request) -> Membership | None:
    memberships = user_memberships(request)
    chosen = request.session.get(SESSION_KEY)
    if chosen is None:  # a new sign-in: the company the user last chose, if still hers
        chosen = request.user.last_company_id
    for membership in memberships:
        if membership.company_id == chosen:
            if request.session.get(SESSION_KEY) != chosen:
                request.session[SESSION_KEY] = chosen
            return membership
    if not memberships:
        return None
    request.session[SESSION_KEY] = memberships[0].company_id
    return memberships[0]


def switch_company(request, company_id: int) -> Membership | None:
    for membership in user_memberships(request):
        if membership.company_id == company_id:
            choose_company(request, company_id)
            return membership
    return None


def choose_company(request, company_id: int) -> None:
    """Work on this company (one of the user's) from now on, in this session and, remembered on
    the account, from the next sign-in."""
    request.session[SESSION_KEY] = company_id
    if request.user.last_company_id != company_id:
        request.user.last_company_id = company_id
        User.objects.filter(pk=request.user.pk).update(last_company_id=company_id)


def company_view(perm: Perm | None = None):
    """Decorate a page view: sign-in required, `request.membership` and `request.company` set,
    403 when the user's role lacks `perm`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            membership = page_membership(request)
            if membership is None:
                return render(request, "accounts/no_company.html", status=403)
            if perm is not None and not membership.allows(perm):
                raise PermissionDenied
            request.membership = membership
            request.company = membership.company
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def api_membership(request) -> Membership:
    memberships = user_memberships(request)
    header = request.headers.get(COMPANY_HEADER)
    if header is not None:
        tin = normalize_id(header)
        for membership in memberships:
            if membership.company.tin == tin:
                return membership
        if token_company_id(request) is not None:
            raise api_exceptions.PermissionDenied(
                _(
                    "This API token acts only for the company it was limited to; it cannot act for "
                    "the company with the taxpayer ID %(tin)s."
                )
                % {"tin": tin},
                code="token_company",
            )
        raise NotFound(
            _("You are not a member of a company with the taxpayer ID %(tin)s.") % {"tin": tin},
            code="company_not_found",
        )
    session = getattr(request, "session", None)
    chosen = session.get(SESSION_KEY) if session is not None else None
    for membership in memberships:
        if membership.company_id == chosen:
            return membership
    if len(memberships) == 1:
        return memberships[0]
    if not memberships and token_company_id(request) is not None:
        raise NotFound(
            _("This API token is limited to a company you are no longer a member of."),
            code="token_company_left",
        )
    if not memberships:
        raise NotFound(_("You are not a member of any company."), code="no_company")
    raise ValidationError(
        {
            COMPANY_HEADER: [
                _("You belong to several companies: name one in the X-Company header (its taxpayer ID).")
            ]
        },
        code="company_required",
    )


class CompanyMember(BasePermission):
    """DRF permission: resolves the company (sets `request.membership` and `request.company`) and
    checks the role against the view's `required_perms`, a map of HTTP method to Perm."""

    message = _("Your role in this company does not allow this.")

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False
        membership = api_membership(request)
        request.membership = membership
        request.company = membership.company
        perm = getattr(view, "required_perms", {}).get(request.method)
        return perm is None or membership.allows(perm)
