"""Writes of companies, memberships and API tokens. Each raises ValidationError on bad input."""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts import selectors
from accounts.models import MAX_SYNC_LAG_DAYS, Company, Membership, TokenInfo, User
from accounts.roles import Role
from accounts.tin import clean_company_tin
from invoices.fapiao import normalize_id

log = logging.getLogger(__name__)


@transaction.atomic
def company_create(
    *, name: str, tin: str, accept_tin_warning: bool = False, by: User | None = None
) -> Company:
    company = Company(name=_clean_name(name))
    _apply_tin(company, tin, accept_tin_warning=accept_tin_warning, by=by)
    _save(company)
    log.info("company %s created by %s", company.tin, by)
    return company


@transaction.atomic
def company_update(
    *,
    company: Company,
    by: User,
    name: str | None = None,
    tin: str | None = None,
    sync_lag_days: int | None = None,
    auto_confirm_capture: bool | None = None,
    accept_tin_warning: bool = False,
) -> Company:
    if name is not None:
        company.name = _clean_name(name)
    if tin is not None:
        _apply_tin(company, tin, accept_tin_warning=accept_tin_warning, by=by)
    if sync_lag_days is not None:
        if not 0 <= sync_lag_days <= MAX_SYNC_LAG_DAYS:
            raise field_error(
                "sync_lag_days",
                _("Enter a number of days from 0 to %(max)d."),
                "sync_lag_days",
                {"max": MAX_SYNC_LAG_DAYS},
            )
        company.sync_lag_days = sync_lag_days
    if auto_confirm_capture is not None:
        company.auto_confirm_capture = auto_confirm_capture
    _save(company)
    log.info("company %s updated by %s", company.tin, by)
    return company


def field_error(field: str, message, code: str, params: dict | None = None) -> ValidationError:
    """A ValidationError on one field that keeps its code (the dict form alone drops it). The
    message is formatted with `params` when read, so it can be read in either language."""
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def _save(company: Company) -> None:
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError:  # another request took the TIN between the check and the save
        raise _tin_taken(company.tin) from None


def _tin_taken(tin: str) -> ValidationError:
    return field_error(
        "tin", _("Another company already has the taxpayer ID %(tin)s."), "tin_taken", {"tin": tin}
    )


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise field_error("name", _("Enter the company's name."), "required")
    return name


def _apply_tin(company: Company, raw_tin: str, *, accept_tin_warning: bool, by: User | None):
    if company.pk and normalize_id(raw_tin) == company.tin:
        return  # unchanged: a warning accepted earlier stays accepted
    try:
        check = clean_company_tin(raw_tin, accept_warning=accept_tin_warning)
    except ValidationError as exc:
        raise ValidationError({"tin": exc.error_list}) from None
    other = selectors.company_get_by_tin(tin=check.tin)
    if other is not None:
        raise _tin_taken(check.tin)
    company.tin = check.tin
    if check.needs_confirmation:
        company.tin_warning_accepted_by = by
        company.tin_warning_accepted_at = timezone.now()
    else:
        company.tin_warning_accepted_by = None
        company.tin_warning_accepted_at = None
    company.__dict__.pop("tin_check", None)


@dataclass(frozen=True)
class MemberAdded:
    membership: Membership
    user_created: bool
    password: str | None
    """Set only when the account was created with a generated password, to hand to its owner."""


@transaction.atomic
def member_add(
    *,
    company: Company,
    username: str,
    role: str,
    by: User | None,
    password: str | None = None,
    email: str = "",
) -> MemberAdded:
    """Give a user a role in the company, creating the account when the username is new.
    A new account without a given password gets a generated one, returned once."""
    role = _clean_role(role)
    username = username.strip()
    if not username:
        raise field_error("username", _("Enter a username."), "required")
    user = selectors.user_get_by_username(username=username)
    user_created = user is None
    generated = None
    if not user_created and password:
        raise field_error(
            "password",
            _("%(username)s already has an account; a password is set only for a new account."),
            "password_for_existing",
            {"username": username},
        )
    if user_created:
        user = User(username=username, email=email.strip())
        if not password:
            password = generated = secrets.token_urlsafe(12)
        else:
            _validate_password(password, user)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
    try:
        with transaction.atomic():
            membership = Membership.objects.create(company=company, user=user, role=role)
    except IntegrityError:
        raise field_error(
            "username",
            _("%(username)s is already a member of this company."),
            "already_member",
            {"username": username},
        ) from None
    log.info("%s added to %s as %s by %s", username, company.tin, role, by)
    return MemberAdded(membership, user_created, generated)


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, by: User | None) -> Membership:
    role = _clean_role(role)
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _keep_an_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    log.info("%s is now %s of %s (by %s)", membership.user, role, membership.company.tin, by)
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, by: User | None) -> None:
    if membership.role == Role.ADMIN:
        _keep_an_admin(membership)
    membership.delete()
    log.info("%s removed from %s by %s", membership.user, membership.company.tin, by)


def _keep_an_admin(membership: Membership) -> None:
    # Lock the company's admin rows so two concurrent demotions cannot both pass the count.
    admins = list(
        Membership.objects.of(membership.company)
        .filter(role=Role.ADMIN)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        raise ValidationError(
            _("A company needs at least one admin: make someone else admin first."),
            code="last_admin",
        )


def _clean_role(role: str) -> str:
    if role not in Role.values:
        raise field_error(
            "role", _("Unknown role %(role)s: use clerk, accountant or admin."), "role", {"role": role}
        )
    return role


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None


TOKEN_NAME_MAX = TokenInfo._meta.get_field("name").max_length
TOKEN_USE_RECORDED_EVERY = timedelta(minutes=1)
"""A token's last use is written at most this often, not on every request."""


@transaction.atomic
def token_create(*, user: User, name: str, read_only: bool = False) -> tuple[AuthToken, str]:
    """A new named API token; the returned key is shown once and only its digest is stored."""
    name = " ".join((name or "").split())
    if not name:
        raise field_error(
            "name", _("Give the token a name: the program or purpose it is for."), "token_name_missing"
        )
    if len(name) > TOKEN_NAME_MAX:
        raise field_error(
            "name",
            _("A token name has at most %(limit)d characters."),
            "token_name_long",
            {"limit": TOKEN_NAME_MAX},
        )
    token, key = AuthToken.objects.create(user=user)
    TokenInfo.objects.create(token=token, name=name, read_only=read_only)
    log.info("API token %s (%s, read only %s) created for %s", token.token_key, name, read_only, user)
    return token, key


def token_record_use(*, token: AuthToken) -> None:
    """Note that a program just authenticated with the token; one write a minute at most."""
    now = timezone.now()
    TokenInfo.objects.filter(token=token).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_USE_RECORDED_EVERY)
    ).update(last_used_at=now)


def token_revoke(*, user: User, token_key: str) -> bool:
    deleted, _kinds = selectors.token_list(user=user).filter(token_key=token_key).delete()
    log.info("API token %s revoked by %s", token_key, user)
    return deleted > 0
