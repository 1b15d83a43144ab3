from django.urls import path

from ingest import views

urlpatterns = [
    path("", views.capture_home, name="capture"),
    path("batches/<int:pk>/", views.capture_batch, name="capture_batch"),
    path("batches/<int:pk>/progress/", views.capture_batch_progress, name="capture_batch_progress"),
    path("review/", views.capture_review_list, name="capture_review"),
    path("review/confirm/", views.capture_review_confirm, name="capture_review_confirm"),
    path("failed/", views.capture_failed, name="capture_failed"),
    path("jobs/", views.capture_jobs, name="capture_jobs"),
    path("jobs/<int:pk>/", views.capture_job, name="capture_job"),
    path("jobs/<int:pk>/reject/", views.capture_job_reject, name="capture_job_reject"),
    path("jobs/<int:pk>/move/", views.capture_job_move, name="capture_job_move"),
    path("jobs/<int:pk>/retry/", views.capture_job_retry, name="capture_job_retry"),
    path("files/<int:pk>/", views.stored_file, name="stored_file"),
    path("files/<int:pk>/page/<int:page>.png", views.stored_file_page, name="stored_file_page"),
]
