"""The reconciliation through the REST API and a real Celery worker, as an integrator drives it:
upload the bureau's export, wait for the run, list the discrepancies, decide them."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reconcile.models import ReconRun
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def polled(client, url: str, busy: tuple[str, ...], seconds: float = 60, language: str = "zh-hans") -> dict:
    deadline = time.monotonic() + seconds
    while True:
        body = client.get(url, HTTP_ACCEPT_LANGUAGE=language).json()
        if body["state"] not in busy or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def upload(client, data: bytes, name: str = "全量发票查询.xlsx", **fields):
    return client.post(
        "/api/reconcile/imports/",
        {"file": SimpleUploadedFile(name, data), **fields},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_upload_run_list_and_decide_through_the_api(company_a, alice, api_as, celery_worker_process):
    world = scenario(200, seed=31, injections=["missing_in_bureau", "decimal_shift", "voided"], share=0.15)
    store_ledger(world, company_a)
    client = api_as(alice)
    answer = upload(client, write_xlsx(basic_rows(world)))
    assert answer.status_code == 202
    imported = polled(client, f"/api/reconcile/imports/{answer.json()['id']}/", ("queued", "reading"))
    assert (imported["state"], imported["direction"], imported["row_count"]) == ("done", "purchase", 190)

    runs = client.get("/api/reconcile/runs/").json()
    run = polled(client, f"/api/reconcile/runs/{runs[0]['id']}/", ("queued", "running"))
    assert run["counts"] == {
        "matched": 170, "missing_in_bureau": 10, "mismatch": 10, "status_changed": 10, "arrived": 0,
    }  # fmt: skip

    listed = client.get(f"/api/reconcile/runs/{run['id']}/discrepancies/", {"category": "missing_in_bureau"})
    missing = listed.json()["results"]
    assert len(missing) == 10 and all(item["days_missing"] > 3 for item in missing)

    shifted = client.get(f"/api/reconcile/runs/{run['id']}/discrepancies/", {"category": "mismatch"}).json()
    ids = [item["id"] for item in shifted["results"]]
    decided = client.post("/api/reconcile/decisions/", {"ids": ids, "action": "accept_bureau"}, format="json")
    assert decided.status_code == 200
    assert (sorted(decided.json()["done"]), decided.json()["refused"]) == (sorted(ids), [])

    refused = client.post(
        "/api/reconcile/decisions/", {"ids": [missing[0]["id"]], "action": "ignore"}, format="json"
    )
    assert refused.status_code == 400  # ignoring needs a reason

    again = client.post("/api/reconcile/runs/", {"bureau_import": imported["id"]}, format="json")
    assert again.status_code == 202
    rerun = polled(client, f"/api/reconcile/runs/{again.json()['id']}/", ("queued", "running"))
    assert rerun["counts"]["matched"] == 180 and "mismatch" not in rerun["counts"]


def test_a_refused_export_says_why_in_the_callers_language(company_a, alice, api_as, celery_worker_process):
    other = scenario(20, seed=32, share=0, company_tin="91440300MA5BENCH0Q")
    client = api_as(alice)
    answer = upload(client, write_xlsx(basic_rows(other)))
    failed = polled(
        client, f"/api/reconcile/imports/{answer.json()['id']}/", ("queued", "reading"), language="en"
    )
    assert (failed["state"], failed["error_code"]) == ("failed", "other_taxpayer")
    assert "91440300MA5BENCH0Q" in failed["error"] and "91310115MA1K4D8X0B" in failed["error"]
    chinese = client.get(f"/api/reconcile/imports/{answer.json()['id']}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert failed["error"].startswith("This is the export of another taxpayer")
    assert "纳税人" in chinese.json()["error"]
    assert not ReconRun.objects.exists()


def test_the_same_file_twice_is_the_same_import(company_a, alice, api_as, celery_worker_process):
    world = scenario(10, seed=33, share=0)
    client = api_as(alice)
    data = write_xlsx(basic_rows(world))
    first, second = upload(client, data), upload(client, data, name="again.xlsx")
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
