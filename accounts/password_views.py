"""The password pages: changing one's own, the forgotten-password mail and its link, and an admin
giving a member a temporary password."""

import logging

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import passwords, selectors
from accounts.client_ip import client_ip
from accounts.forms import MemberPasswordForm, add_service_errors
from accounts.reset_limit import reset_mail_allowed
from accounts.roles import Perm
from accounts.tenancy import company_view

log = logging.getLogger(__name__)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, which also ends a temporary password's hold on the other pages."""

    def form_valid(self, form):
        password = form.cleaned_data["new_password1"]
        if form.user.must_change_password and form.user.check_password(password):
            form.add_error("new_password1", _("Choose a password of your own, not the temporary one."))
            return self.form_invalid(form)
        passwords.password_chosen(user=form.user, password=password)
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    """The forgotten-password form. The answer is the same page whether an account has the address
    or not; the mail goes through EMAIL_BACKEND, in the language of the page."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        client = client_ip(self.request)
        if reset_mail_allowed(client=client, email=form.cleaned_data["email"]):
            return super().form_valid(form)
        log.warning("password-reset mail not sent: too many requests from %s or for one address", client)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The mail's link: a new password of the person's own choosing (not a temporary one)."""

    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        passwords.password_chosen(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


@never_cache
@company_view(Perm.MEMBERS_MANAGE)
def member_password(request, membership_id: int):
    membership = selectors.member_get(company=request.company, membership_id=membership_id)
    form = MemberPasswordForm(request.POST if request.method == "POST" else None)
    context = {"membership": membership, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            reset = passwords.member_password_reset(
                membership=membership, by=request.user, password=form.cleaned_data["password"]
            )
        except ValidationError as error:
            add_service_errors(form, error, fallback="password")
        else:
            messages.success(
                request,
                _(
                    "A temporary password was set for %(username)s; their API tokens were revoked, and "
                    "they must choose a new password at the next login."
                )
                % {"username": reset.username},
            )
            return render(request, "accounts/member_password_done.html", {**context, "reset": reset})
    return render(request, "accounts/member_password.html", context, status=400 if form.errors else 200)
