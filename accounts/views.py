from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import profile as profiles
from accounts import selectors, services
from accounts.forms import (
    CompanySettingsForm,
    MemberInviteForm,
    MemberRemoveForm,
    MemberRoleForm,
    ProfileForm,
    add_service_errors,
)
from accounts.redirects import bad_parameter, local_target, redirect_next, row_id
from accounts.roles import PERM_LABELS, Perm, Role
from accounts.tenancy import choose_company, company_view, page_membership, switch_company
from accounts.tin import tin_message


@company_view()
def home(request):
    membership = request.membership
    return render(
        request,
        "accounts/home.html",
        {
            "company": request.company,
            "tin_message": tin_message(request.company.tin_check),
            "allowed": [label for perm, label in PERM_LABELS.items() if membership.allows(perm)],
        },
    )


@require_POST
@login_required
def company_switch(request):
    company_id = row_id(request.POST.get("company"))
    if company_id is None:
        return bad_parameter(request, _("Choose a company from the list."))
    membership = switch_company(request, company_id)
    if membership is None:
        raise Http404
    messages.success(request, _("Now working on %(name)s.") % {"name": membership.company.name})
    return redirect_next(request, "home")


class LoginView(auth_views.LoginView):
    """Django's sign-in, sending on only to a `next` that is a path of this site."""

    redirect_authenticated_user = True

    def get_redirect_url(self):
        field = self.redirect_field_name
        return local_target(self.request, self.request.POST.get(field, self.request.GET.get(field))) or ""


def language_switch(request):
    """Django's switch of language, sending on only to a `next` that is a path of this site."""
    request.POST = request.POST.copy()
    request.POST["next"] = local_target(request, request.POST.get("next")) or reverse("home")
    return set_language(request)


@company_view(Perm.COMPANY_SETTINGS)
def company_settings(request):
    company = request.company
    form = CompanySettingsForm(
        request.POST or None,
        initial={
            "name": company.name,
            "tin": company.tin,
            "sync_lag_days": company.sync_lag_days,
            "auto_confirm_capture": company.auto_confirm_capture,
        },
    )
    if request.method == "POST" and form.is_valid():
        before = _settings_of(company)
        try:
            services.company_update(company=company, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            after = _settings_of(company)
            changed = [str(form.fields[name].label) for name in SETTINGS_SHOWN if before[name] != after[name]]
            if changed:
                messages.success(
                    request, _("Company settings saved: %(fields)s.") % {"fields": _(", ").join(changed)}
                )
            else:
                messages.info(request, _("Company settings saved; nothing was changed."))
            warning = tin_message(company.tin_check)
            if warning:
                messages.warning(request, warning)
            return redirect("company_settings")
    return render(
        request,
        "accounts/company_settings.html",
        {
            "form": form,
            "company": company,
            "tin_message": tin_message(company.tin_check),
            "show_confirmation": form.has_error("tin", "tin_check_char")
            or bool(form["accept_tin_warning"].value()),
        },
    )


SETTINGS_SHOWN = ("name", "tin", "sync_lag_days", "auto_confirm_capture")


def _settings_of(company) -> dict:
    return {name: getattr(company, name) for name in SETTINGS_SHOWN}


@company_view(Perm.MEMBERS_MANAGE)
def members(request):
    form = MemberInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.member_invite(company=request.company, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, invited.message())
            return redirect("members")
    return render(
        request,
        "accounts/members.html",
        {
            "form": form,
            "members": selectors.member_list(company=request.company),
            "invitations": selectors.invitation_list(company=request.company),
            "events": selectors.membership_event_list(company=request.company)[:MEMBERSHIP_EVENTS_SHOWN],
            "role_choices": Role.choices,
        },
        status=400 if form.errors else 200,
    )


MEMBERSHIP_EVENTS_SHOWN = 20


@login_required
def invitations(request):
    return render(
        request,
        "accounts/invitations.html",
        {"invitations": selectors.invitation_list_for_user(user=request.user)},
    )


@require_POST
@login_required
def invitation_accept(request, invitation_id: int):
    invitation = selectors.invitation_get_for_user(user=request.user, invitation_id=invitation_id)
    try:
        membership = services.invitation_accept(invitation=invitation, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("invitations")
    choose_company(request, membership.company_id)
    messages.success(
        request,
        _("You are now a member of %(name)s (%(role)s).")
        % {"name": membership.company.name, "role": membership.get_role_display()},
    )
    return redirect("home")


@require_POST
@login_required
def invitation_decline(request, invitation_id: int):
    invitation = selectors.invitation_get_for_user(user=request.user, invitation_id=invitation_id)
    try:
        services.invitation_decline(invitation=invitation, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("You declined the invitation to %(name)s.") % {"name": invitation.company.name}
        )
    return redirect("invitations")


@require_POST
@company_view(Perm.MEMBERS_MANAGE)
def member_role(request, membership_id: int):
    membership = selectors.member_get(company=request.company, membership_id=membership_id)
    form = MemberRoleForm(request.POST)
    done = None
    if form.is_valid():
        try:
            services.member_set_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = _("%(username)s's role is now %(role)s.") % {
                "username": membership.user.username,
                "role": membership.get_role_display(),
            }
    errors = form.non_field_errors() or form.errors.get("role", [])
    if request.headers.get("HX-Request"):  # the row is swapped in place: the confirmation is in it
        return render(
            request,
            "accounts/member_row.html",
            {
                "membership": membership,
                "role_choices": Role.choices,
                "row_errors": errors,
                "row_notice": done,
            },
        )
    for error in errors:
        messages.error(request, error)
    if done:
        messages.success(request, done)
    return redirect("members")


@company_view(Perm.MEMBERS_MANAGE)
def member_remove(request, membership_id: int):
    """GET asks to confirm; the POST removes only with the confirmation box ticked."""
    membership = selectors.member_get(company=request.company, membership_id=membership_id)
    form = MemberRemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_remove(membership=membership, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request,
                _("%(username)s (%(role)s) was removed from this company.")
                % {"username": membership.user.username, "role": membership.get_role_display()},
            )
        return redirect("members")
    return render(
        request,
        "accounts/member_remove.html",
        {"membership": membership, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def profile(request):
    """The signed-in person's own name and e-mail address."""
    user = request.user
    form = ProfileForm(request.POST or None, initial={"name": user.get_full_name(), "email": user.email})
    if request.method == "POST" and form.is_valid():
        try:
            changed = profiles.profile_update(user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed:
                labels = [str(form.fields[name].label) for name in changed]
                messages.success(request, _("Saved: %(fields)s.") % {"fields": _(", ").join(labels)})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def tokens(request):
    memberships = list(selectors.membership_list_for_user(user=request.user))
    new_key = name_error = None
    name = ""
    current = page_membership(request)
    company_value = str(current.company_id) if current else ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        company_value = request.POST.get("company", "")
        try:
            _token, new_key = services.token_create(
                user=request.user,
                name=name,
                read_only=request.POST.get("read_only") == "on",
                company=_chosen_company(memberships, company_value),
            )
        except ValidationError as error:
            name_error = error.messages[0]
        else:
            name = ""
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": selectors.token_list(user=request.user),
            "memberships": memberships,
            "company_value": company_value,
            "new_key": new_key,
            "name": name,
            "name_error": name_error,
            "name_max": services.TOKEN_NAME_MAX,
        },
        status=400 if name_error else 200,
    )


def _chosen_company(memberships, value: str):
    """The company picked for a new token: one of the user's, or None for all of them."""
    if value == "":
        return None
    company_id = row_id(value)
    for membership in memberships:
        if membership.company_id == company_id:
            return membership.company
    raise ValidationError(_("Choose one of your companies, or all of them."), code="token_company_foreign")


@require_POST
@login_required
def token_revoke(request, token_key: str):
    if not services.token_revoke(user=request.user, token_key=token_key):
        raise Http404
    messages.success(request, _("The token was revoked; programs using it are now refused."))
    return redirect("tokens")
