from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower, Replace
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm, Role, role_allows
from invoices.fapiao import TinCheck, check_tin

MAX_SYNC_LAG_DAYS = 60


class User(AbstractUser):
    """A person who logs in. Custom from the first migration, so fields can be added later.

    A person's name is one field, 姓名, kept in first_name with last_name blank (the API shows both)."""

    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an admin gave a temporary password: every page asks for a new one first."),
    )
    last_company = models.ForeignKey(
        "Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last chosen company"),
    )

    def get_full_name(self) -> str:
        parts = [part for part in (self.first_name.strip(), self.last_name.strip()) if part]
        if any(_is_cjk(char) for part in parts for char in part):
            return "".join(reversed(parts))  # 姓 before 名, without a space
        return " ".join(parts)

    def save(self, *args, **kwargs):
        # Every way of setting a password (the password page, a reset, the admin, a command, a service)
        # ends in set_password() then save(): here all of them end the API tokens issued before it.
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            self.auth_token_set.all().delete()


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


NAME_KEY = Lower(Replace("name", models.Value(" "), models.Value("")))
"""A company name as compared: without its spaces (names are stored with their whitespace collapsed
to single spaces, services._clean_name), in lower case; "甲商贸 有限公司" is "甲商贸有限公司"."""


class Company(models.Model):
    """A taxpayer whose books are kept here."""

    name = models.CharField(_("name"), max_length=200)
    tin = models.CharField(_("taxpayer ID"), max_length=20, unique=True)
    tin_warning_accepted_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("check-character warning accepted by"),
    )
    tin_warning_accepted_at = models.DateTimeField(
        _("check-character warning accepted at"), null=True, blank=True
    )
    sync_lag_days = models.PositiveSmallIntegerField(
        _("bureau sync lag (days)"),
        default=3,
        validators=[MaxValueValidator(MAX_SYNC_LAG_DAYS)],
        help_text=_("How many days after issue an invoice may still be missing from the bureau's data."),
    )
    auto_confirm_capture = models.BooleanField(
        _("confirm captured invoices automatically"),
        default=True,
        help_text=_(
            "When every key field of a captured invoice comes from its XML, OFD, PDF text or QR code, the "
            "sources agree and the rules find no error, it goes into the ledger without review."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                NAME_KEY,
                name="company_name_unique",
                violation_error_message=_("This company name is already in use."),
            )
        ]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return f"{self.name} ({self.tin})"

    @cached_property
    def tin_check(self) -> TinCheck:
        return check_tin(self.tin)


class CompanyQuerySet(models.QuerySet):
    def of(self, company: Company):
        return self.filter(company=company)


class CompanyOwned(models.Model):
    """Base of every model holding one company's data. Read it through selectors that take the
    company (`Model.objects.of(company)`), never unscoped from a view."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(CompanyOwned):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "user"], name="membership_unique_user")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.company} ({self.role})"

    def allows(self, perm: Perm) -> bool:
        return role_allows(self.role, perm)


class Invitation(CompanyOwned):
    """An offer of a role in a company to an existing user, who becomes a member only by accepting
    it. Accepting or declining deletes it; so does its expiry, when it is next read."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("invited user")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "user"], name="invitation_unique_user")]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.user} -> {self.company} ({self.role})"


class MembershipEvent(CompanyOwned):
    """The audit trail of who joined a company and how: invited by whom, accepted or declined,
    given another role, removed. Usernames are kept as text so the trail outlives the accounts."""

    class Kind(models.TextChoices):
        INVITED = "invited", _("invited")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        ADDED = "added", _("added by the operator")
        ROLE_CHANGED = "role_changed", _("role changed")
        REMOVED = "removed", _("removed")
        PASSWORD_RESET = "password_reset", _("password reset by an admin")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    username = models.CharField(_("user"), max_length=150)
    by_username = models.CharField(_("by"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("membership event")
        verbose_name_plural = _("membership events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username} by {self.by_username or '-'}"


class TokenInfo(models.Model):
    """What the owner of an API token knows of it: its name, when a program last used it, whether
    it may change anything and which company it is limited to."""

    token = models.OneToOneField(
        "knox.AuthToken", on_delete=models.CASCADE, primary_key=True, related_name="info"
    )
    name = models.CharField(_("name"), max_length=100)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    read_only = models.BooleanField(
        _("read only"), default=False, help_text=_("A read-only token can read but change nothing.")
    )
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("company"),
        help_text=_("The only company the token acts for; empty: any of the user's companies."),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return self.name
