from django.test import Client


def test_health_reports_the_database_and_redis(db):
    response = Client().get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True, "redis": True}}
