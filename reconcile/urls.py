from django.urls import path

from reconcile import views

urlpatterns = [
    path("", views.reconcile_home, name="reconcile"),
    path("imports/<int:pk>/", views.reconcile_import, name="reconcile_import"),
    path("imports/<int:pk>/run/", views.reconcile_start, name="reconcile_start"),
    path("runs/<int:pk>/", views.reconcile_run, name="reconcile_run"),
    path("runs/<int:pk>/discrepancies/", views.reconcile_discrepancies, name="reconcile_discrepancies"),
    path("runs/<int:pk>/export.xlsx", views.reconcile_export, name="reconcile_export"),
    path("discrepancies/<int:pk>/", views.reconcile_discrepancy, name="reconcile_discrepancy"),
    path("decide/", views.reconcile_decide, name="reconcile_decide"),
]
