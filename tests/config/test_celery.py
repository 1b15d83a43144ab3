import pytest

from config.celery import app


@pytest.mark.slow
def test_a_real_worker_runs_with_the_projects_task_settings(celery_worker_process):
    conf = app.control.inspect([celery_worker_process], timeout=5).conf()[celery_worker_process]
    assert conf["CELERY_TASK_SERIALIZER"] == "json"
    assert conf["CELERY_ACCEPT_CONTENT"] == ["json"]
    assert conf["CELERY_TASK_ACKS_LATE"] is True
    assert conf["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True
    assert conf["CELERY_WORKER_PREFETCH_MULTIPLIER"] == 1
    assert conf["CELERY_WORKER_MAX_TASKS_PER_CHILD"] == 200
    assert conf["CELERY_TASK_TIME_LIMIT"] == 600
    assert conf["CELERY_BEAT_SCHEDULER"] == "django_celery_beat.schedulers:DatabaseScheduler"
