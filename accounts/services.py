"""Writes of companies, memberships and API tokens. Each raises ValidationError on bad input."""

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts import selectors
from accounts.models import (
    MAX_SYNC_LAG_DAYS,
    Company,
    Invitation,
    Membership,
    MembershipEvent,
    TokenInfo,
    User,
)
from accounts.roles import Role
from accounts.tin import clean_company_tin
from invoices.fapiao import normalize_id

log = logging.getLogger(__name__)


@transaction.atomic
def company_create(
    *, name: str, tin: str, accept_tin_warning: bool = False, by: User | None = None
) -> Company:
    company = Company(name=_free_name(name))
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
        company.name = _free_name(name, company=company)
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
    except IntegrityError:  # another request took the name or the TIN between the check and the save
        if selectors.company_name_taken(name=company.name, other_than=company):
            raise _name_taken() from None
        raise _tin_taken(company.tin) from None


def _free_name(name: str, *, company: Company | None = None) -> str:
    """The name, whitespace collapsed, unless another company has it in any case or spacing."""
    name = _clean_name(name)
    if selectors.company_name_taken(name=name, other_than=company):
        raise _name_taken()
    return name


def _name_taken() -> ValidationError:
    # Says only that the name is in use, nothing of the company that uses it.
    return field_error("name", _("This company name is already in use."), "name_taken")


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
    """The operator's way (the add_member command): give a user a role in the company at once,
    creating the account when the username is new. A new account without a given password gets a
    generated one, returned once. A company's admins invite instead (member_invite)."""
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
        if not password:
            password = generated = secrets.token_urlsafe(12)
        user = _account_create(username=username, email=email, password=password)
    else:
        _scope_tokens_before_a_second_company(user)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(company=company, user=user, role=role)
    except IntegrityError:
        raise _already_member(username) from None
    _event(company, MembershipEvent.Kind.ADDED, username=username, by=by, role=role)
    log.info("%s added to %s as %s by %s", username, company.tin, role, by)
    return MemberAdded(membership, user_created, generated)


INVITATION_VALID_FOR = timedelta(days=14)


@dataclass(frozen=True)
class MemberInvited:
    """What the inviting admin is told: the same whether the username had an account or not."""

    username: str
    role: str
    expires_at: datetime

    def message(self) -> str:
        return _(
            "If an account named %(username)s exists, it is invited to join as %(role)s and has "
            "%(days)d days to accept; otherwise an account of that name was created with the initial "
            "password and invited the same way. Either way it becomes a member only once it accepts."
        ) % {
            "username": self.username,
            "role": Role(self.role).label,
            "days": INVITATION_VALID_FOR.days,
        }


@transaction.atomic
def member_invite(
    *, company: Company, username: str, role: str, by: User, password: str = "", email: str = ""
) -> MemberInvited:
    """Invite the user of that name to a role in the company, creating the account first (with the
    given password and e-mail) when no account has the name. Either way the user becomes a member
    only by accepting, in the app or from the mail, and the admin is answered alike, so she learns
    nothing of accounts outside her company: the same checks run on the password and e-mail, which
    an existing account simply does not use."""
    role = _clean_role(role)
    username = _clean_username(username)
    email = (email or "").strip()
    if not password:
        raise field_error(
            "password",
            _("Enter an initial password: it is used only if no account has this username yet."),
            "required",
        )
    _validate_password(password, User(username=username, email=email))
    if selectors.member_list(company=company).filter(user__username=username).exists():
        raise _already_member(username)
    user = selectors.user_get_by_username(username=username)
    if user is None:
        user = _account_create(username=username, email=email, password=password)
    Invitation.objects.filter(expires_at__lte=timezone.now()).delete()
    invitation, created = Invitation.objects.update_or_create(
        company=company,
        user=user,
        defaults={"role": role, "invited_by": by, "expires_at": timezone.now() + INVITATION_VALID_FOR},
    )
    _event(company, MembershipEvent.Kind.INVITED, username=username, by=by, role=role)
    log.info("%s invited to %s as %s by %s", username, company.tin, role, by)
    if created:  # a renewed invitation is not mailed again, so inviting cannot flood a mailbox
        transaction.on_commit(lambda: _mail_invitation(invitation.pk))
    return MemberInvited(username, role, invitation.expires_at)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited user takes the role she was offered. Her API tokens valid for her one company
    so far stay limited to it, so an integration that named no company keeps working."""
    invitation = _open_invitation(invitation, user)
    _scope_tokens_before_a_second_company(user)
    membership, _created = Membership.objects.get_or_create(
        company=invitation.company, user=user, defaults={"role": invitation.role}
    )
    invitation.delete()
    _event(
        invitation.company,
        MembershipEvent.Kind.ACCEPTED,
        username=user.username,
        by=user,
        role=membership.role,
    )
    log.info("%s accepted the invitation to %s", user, invitation.company.tin)
    return membership


@transaction.atomic
def invitation_decline(*, invitation: Invitation, user: User) -> None:
    invitation = _open_invitation(invitation, user)
    invitation.delete()
    _event(
        invitation.company,
        MembershipEvent.Kind.DECLINED,
        username=user.username,
        by=user,
        role=invitation.role,
    )
    log.info("%s declined the invitation to %s", user, invitation.company.tin)


def _open_invitation(invitation: Invitation, user: User) -> Invitation:
    # Locked, so an accept and a decline sent at once cannot both go through.
    locked = (
        Invitation.objects.select_for_update()
        .select_related("company")
        .filter(pk=invitation.pk, user=user, expires_at__gt=timezone.now())
        .first()
    )
    if locked is None:
        raise ValidationError(_("This invitation is no longer open."), code="invitation_closed")
    return locked


def _mail_invitation(invitation_id: int) -> None:
    invitation = (
        Invitation.objects.select_related("company", "user", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.user.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {"invitation": invitation}
        subject = render_to_string("accounts/invitation_mail_subject.txt", context).strip()
        body = render_to_string("accounts/invitation_mail.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.user.email])
    except (OSError, smtplib.SMTPException):  # the invitation stands; it is shown in the app too
        log.warning("the invitation mail to %s could not be sent", invitation.user, exc_info=True)


def _scope_tokens_before_a_second_company(user: User) -> None:
    """A user of one company needs no X-Company header; once she has two, a token that named
    none would be refused, so her tokens are limited to the company they acted for."""
    memberships = list(Membership.objects.filter(user=user).values_list("company_id", flat=True))
    if len(memberships) != 1:
        return
    (company_id,) = memberships
    for token in AuthToken.objects.filter(user=user, info__isnull=True):
        TokenInfo.objects.create(token=token, name="", company_id=company_id)
    TokenInfo.objects.filter(token__user=user, company__isnull=True).update(company_id=company_id)


def _account_create(*, username: str, email: str, password: str) -> User:
    user = User(username=username, email=(email or "").strip())
    _validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise field_error("username", _("Enter a username."), "required")
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.error_list}) from None
    return username


def _already_member(username: str) -> ValidationError:
    return field_error(
        "username",
        _("%(username)s is already a member of this company."),
        "already_member",
        {"username": username},
    )


def _event(company: Company, kind: str, *, username: str, by: User | None, role: str = "") -> None:
    MembershipEvent.objects.create(
        company=company, kind=kind, username=username, by_username=by.username if by else "", role=role
    )


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, by: User | None) -> Membership:
    role = _clean_role(role)
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _keep_an_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    _event(
        membership.company,
        MembershipEvent.Kind.ROLE_CHANGED,
        username=membership.user.username,
        by=by,
        role=role,
    )
    log.info("%s is now %s of %s (by %s)", membership.user, role, membership.company.tin, by)
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, by: User | None) -> None:
    if membership.role == Role.ADMIN:
        _keep_an_admin(membership)
    membership.delete()
    _event(
        membership.company,
        MembershipEvent.Kind.REMOVED,
        username=membership.user.username,
        by=by,
        role=membership.role,
    )
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
def token_create(
    *, user: User, name: str, read_only: bool = False, company: Company | None = None
) -> tuple[AuthToken, str]:
    """A new named API token, limited to `company` when one is given (one of the user's); the
    returned key is shown once and only its digest is stored."""
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
    if (
        company is not None
        and not selectors.membership_list_for_user(user=user).filter(company=company).exists()
    ):
        raise field_error(
            "company", _("Choose one of your companies, or all of them."), "token_company_foreign"
        )
    token, key = AuthToken.objects.create(user=user)
    TokenInfo.objects.create(token=token, name=name, read_only=read_only, company=company)
    log.info(
        "API token %s (%s, read only %s, company %s) created for %s",
        token.token_key,
        name,
        read_only,
        company.tin if company else "any",
        user,
    )
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
