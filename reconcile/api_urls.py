from django.urls import path

from reconcile import api

urlpatterns = [
    path("reconcile/imports/", api.ImportListView.as_view(), name="api_reconcile_imports"),
    path("reconcile/imports/<int:pk>/", api.ImportView.as_view(), name="api_reconcile_import"),
    path("reconcile/runs/", api.RunListView.as_view(), name="api_reconcile_runs"),
    path("reconcile/runs/<int:pk>/", api.RunView.as_view(), name="api_reconcile_run"),
    path(
        "reconcile/runs/<int:pk>/discrepancies/",
        api.DiscrepancyListView.as_view(),
        name="api_reconcile_discrepancies",
    ),
    path("reconcile/decisions/", api.DecideView.as_view(), name="api_reconcile_decide"),
]
