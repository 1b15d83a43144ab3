from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, Invitation, Membership, MembershipEvent, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class FapiaoUserAdmin(UserAdmin):
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Fapiao Desk"), {"fields": ["must_change_password", "last_company"]}),
    ]
    readonly_fields = ["last_company"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "tin", "sync_lag_days", "created_at"]
    search_fields = ["name", "tin"]
    readonly_fields = ["tin_warning_accepted_by", "tin_warning_accepted_at", "created_at"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role", "invited_by", "created_at", "expires_at"]
    search_fields = ["user__username", "company__name", "company__tin"]
    readonly_fields = ["created_at"]


@admin.register(MembershipEvent)
class MembershipEventAdmin(admin.ModelAdmin):
    """The trail is read here, never edited."""

    list_display = ["at", "company", "kind", "username", "role", "by_username"]
    list_filter = ["kind"]
    search_fields = ["username", "by_username", "company__name", "company__tin"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
