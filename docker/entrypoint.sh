#!/bin/sh
# web: migrate, then serve with gunicorn on :$PORT (8000 unless set). worker / beat: the Celery processes.
# Anything else runs as given (for example: docker compose run web python manage.py createsuperuser).
# Every file made is owner-only (the database, originals and backups are a company's books), and the
# app services first take group and other access away from what an older version left open.
set -e
umask 077
case "$1" in
  web)
    python manage.py tighten_permissions
    python manage.py migrate --no-input
    exec gunicorn config.wsgi --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_WORKERS:-3}" \
      --timeout 120 --max-requests 2000 --max-requests-jitter 200 --access-logfile -
    ;;
  worker)
    python manage.py tighten_permissions
    exec celery -A config worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-2}"
    ;;
  beat)
    python manage.py tighten_permissions
    exec celery -A config beat --loglevel INFO --pidfile=
    ;;
  *)
    exec "$@"
    ;;
esac
