from django.urls import path

from monitor import views

urlpatterns = [
    path("jobs/", views.monitor_jobs, name="monitor_jobs"),
]
