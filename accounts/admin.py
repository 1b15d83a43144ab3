from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Company, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class FapiaoUserAdmin(UserAdmin):
    pass


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "tin", "sync_lag_days", "created_at"]
    search_fields = ["name", "tin"]
    readonly_fields = ["tin_warning_accepted_by", "tin_warning_accepted_at", "created_at"]
    inlines = [MembershipInline]
