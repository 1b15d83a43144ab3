from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("firm/", views.dashboard_firm, name="dashboard_firm"),
    path("report/", views.dashboard_report, name="dashboard_report"),
    path("report.xlsx", views.dashboard_report_xlsx, name="dashboard_report_xlsx"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/<int:pk>/", views.worklist_item, name="worklist_item"),
    path("worklist/<int:pk>/<slug:action>/", views.worklist_action, name="worklist_action"),
]
