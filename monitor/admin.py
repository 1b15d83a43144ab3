from django.contrib import admin

from monitor.models import Anomaly, CheckRun


@admin.register(Anomaly)
class AnomalyAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "key",
        "company",
        "severity",
        "state",
        "money_at_stake",
        "first_seen",
        "last_seen",
    )
    list_filter = ("kind", "severity", "state")
    search_fields = ("key",)
    readonly_fields = ("first_seen", "last_seen")


@admin.register(CheckRun)
class CheckRunAdmin(admin.ModelAdmin):
    list_display = ("name", "started_at", "finished_at", "outcome")
    list_filter = ("name", "outcome")
    readonly_fields = ("name", "started_at", "finished_at", "outcome", "counts", "error")
