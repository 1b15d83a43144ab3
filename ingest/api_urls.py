from django.urls import path

from ingest import api

urlpatterns = [
    path("capture/uploads/", api.UploadView.as_view(), name="api_capture_upload"),
    path("capture/batches/<int:pk>/", api.BatchView.as_view(), name="api_capture_batch"),
    path("capture/jobs/<int:pk>/", api.JobView.as_view(), name="api_capture_job"),
    path("capture/jobs/<int:pk>/retry/", api.JobRetryView.as_view(), name="api_capture_job_retry"),
    path("capture/jobs/<int:pk>/confirm/", api.JobConfirmView.as_view(), name="api_capture_job_confirm"),
    path("capture/jobs/<int:pk>/move/", api.JobMoveView.as_view(), name="api_capture_job_move"),
]
