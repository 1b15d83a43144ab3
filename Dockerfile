# The Fapiao Desk image: web (gunicorn), worker and beat all run from it (docker/entrypoint.sh).

FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/vendor-assets scripts/vendor-assets
RUN scripts/vendor-assets

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data \
    OMP_THREAD_LIMIT=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng fonts-noto-cjk gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin fapiao \
    && mkdir -p /data && chown fapiao /data
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /app/static/vendor static/vendor
RUN msgfmt --check-format -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po \
    && SECRET_KEY=image-build-only ALLOWED_HOSTS=build DATA_DIR=/tmp/build \
       python manage.py collectstatic --no-input --verbosity 0 \
    && rm -rf /tmp/build
USER fapiao
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["docker/entrypoint.sh"]
CMD ["web"]
