from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("firm/", views.dashboard_firm, name="dashboard_firm"),
]
