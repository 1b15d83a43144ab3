from django.urls import path

from monitor import views

urlpatterns = [
    path("jobs/", views.monitor_jobs, name="monitor_jobs"),
    path("alerts/", views.monitor_alerts, name="monitor_alerts"),
    path("alerts/<int:pk>/acknowledge/", views.monitor_alert_acknowledge, name="monitor_alert_acknowledge"),
    path("notifications/", views.monitor_notification_settings, name="monitor_notification_settings"),
]
