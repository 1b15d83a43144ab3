from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import MAX_SYNC_LAG_DAYS
from accounts.roles import Role


def add_service_errors(form: forms.Form, error: ValidationError, *, fallback: str | None = None) -> None:
    """Show a service's ValidationError on the form, each message on its own field; a message for a
    field the form does not have goes on `fallback` (the field the user filled in, or the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else fallback, errors)
    else:
        form.add_error(fallback, error)


class CompanySettingsForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    tin = forms.CharField(
        label=_("Taxpayer ID (统一社会信用代码)"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    accept_tin_warning = forms.BooleanField(
        label=_(
            "I confirm this taxpayer ID is printed exactly so on the business licence, "
            "although its check character does not add up."
        ),
        required=False,
    )
    sync_lag_days = forms.IntegerField(
        label=_("Bureau sync lag (days)"),
        min_value=0,
        max_value=MAX_SYNC_LAG_DAYS,
        help_text=_(
            "An invoice younger than this is 'pending sync' rather than 'missing' when "
            "it is not yet in the bureau's data."
        ),
    )
    auto_confirm_capture = forms.BooleanField(
        label=_("Confirm captured invoices automatically"),
        required=False,
        help_text=_(
            "When every key field of a captured invoice comes from its XML, OFD, PDF text or QR code, the "
            "sources agree and the rules find no error, it goes into the ledger without review."
        ),
    )


class MemberInviteForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CLERK)
    email = forms.EmailField(
        label=_("E-mail (used only for a new account)"),
        required=False,
        help_text=_("The invitation is mailed here; an existing account is mailed at its own address."),
    )
    password = forms.CharField(
        label=_("Initial password (used only for a new account)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "If no account has this username, one is created with this password: hand it over and ask "
            "for it to be changed. An existing account keeps its own password."
        ),
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class MemberRemoveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, remove this member from the company"),
        error_messages={"required": _("Tick the box to confirm the removal.")},
    )


class MemberPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Temporary password"),
        required=False,
        strip=False,
        max_length=128,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Leave it empty to have one generated. It is shown to you once; hand it to the member, "
            "who must choose their own at the next login."
        ),
    )


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Invitations and password-reset links are mailed here."),
    )
    current_password = forms.CharField(
        label=_("Current password (needed only to change the e-mail address)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
