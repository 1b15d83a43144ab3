"""The health probe used by container orchestration: the database answers, and Redis when set."""

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    checks = {"database": _database_ok()}
    if settings.REDIS_URL:
        checks["redis"] = _cache_ok()
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _cache_ok() -> bool:
    try:
        cache.set("healthz", "1", timeout=5)
        return cache.get("healthz") == "1"
    except Exception:  # any failure of the cache client means "not healthy", never a 500
        return False
