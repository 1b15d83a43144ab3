"""Passwords set for a member by an admin, and by a person for herself.

An admin gives a member of her company a temporary password, typed or generated (shown once), and
the member must choose her own at the next sign-in (User.must_change_password, enforced by
accounts.middleware.PasswordChangeRequiredMiddleware). Only an admin of every company the member
belongs to may do it, and never for an operator of the site: otherwise an admin of one company
could take over an account that also works for another. Any new password ends the account's API
tokens and its signed-in sessions (User.save, Django's session hash) and lifts a lock-out after
wrong guesses."""

import logging
import secrets
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, MembershipEvent, User
from accounts.roles import Role
from accounts.services import field_error

log = logging.getLogger(__name__)

GENERATED_BYTES = 12  # 16 characters of the URL-safe alphabet


@dataclass(frozen=True)
class PasswordReset:
    """What the admin is shown once: the temporary password to hand to the member."""

    username: str
    password: str
    generated: bool


@transaction.atomic
def member_password_reset(*, membership: Membership, by: User, password: str = "") -> PasswordReset:
    user = User.objects.select_for_update().get(pk=membership.user_id)
    if user.pk == by.pk:
        raise field_error("password", _("Change your own password on the password page."), "own_password")
    if not may_reset(user=user, by=by):
        raise field_error(
            "password",
            _(
                "The password of %(username)s cannot be reset here: the account also works for a "
                "company you are not an admin of, or runs the site. Ask the site operator."
            ),
            "reset_not_allowed",
            {"username": user.username},
        )
    generated = not password
    if generated:
        password = secrets.token_urlsafe(GENERATED_BYTES)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None
    user.set_password(password)
    user.must_change_password = True
    user.save()
    axes_reset(username=user.username)
    MembershipEvent.objects.create(
        company=membership.company,
        kind=MembershipEvent.Kind.PASSWORD_RESET,
        username=user.username,
        by_username=by.username,
        role=membership.role,
    )
    log.info("password of %s reset by %s (%s)", user, by, membership.company.tin)
    return PasswordReset(user.username, password, generated)


def may_reset(*, user: User, by: User) -> bool:
    """Whether `by` is an admin of every company `user` belongs to (and of one at least), and
    `user` is not an operator of the site."""
    if user.is_staff or user.is_superuser:
        return False
    administered = Membership.objects.filter(user=by, role=Role.ADMIN).values("company")
    memberships = Membership.objects.filter(user=user)
    return memberships.exists() and not memberships.exclude(company__in=administered).exists()


def password_chosen(*, user: User, password: str) -> None:
    """The person set her own password (the password page, a reset link): no longer temporary."""
    user.set_password(password)
    user.must_change_password = False
    user.save()
    axes_reset(username=user.username)
    log.info("%s chose a new password", user)
