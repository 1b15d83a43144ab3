"""The day an export is "as of" is checked on the API and on the page: from 2000 to today."""

from django.core.files.uploadedfile import SimpleUploadedFile

from reconcile.models import BureauImport
from tests.fixtures.spreadsheets import bureau_xlsx


def upload(client, as_of: str, language: str = "zh-hans"):
    export = SimpleUploadedFile("发票基础信息.xlsx", bureau_xlsx(3, seed=1))
    return client.post(
        "/api/reconcile/imports/",
        {"file": export, "as_of": as_of},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_it_refuses_bureau_data_as_of_a_moment_before_the_fapiao_era(alice, api_as):
    answer = upload(api_as(alice), "0188-09-14T06:12:22+08:00")
    assert answer.status_code == 400
    assert answer.json()["as_of"] == ["请输入 2000-01-01 至今天之间的时间。"]
    answer = upload(api_as(alice), "0188-09-14T06:12:22+08:00", language="en")
    assert answer.json()["as_of"] == ["Enter a moment from 2000-01-01 to today."]
    assert not BureauImport.objects.exists()


def test_it_refuses_bureau_data_as_of_a_later_day(alice, api_as):
    assert upload(api_as(alice), "2999-01-01T00:00:00+08:00").status_code == 400
    assert not BureauImport.objects.exists()


def test_the_import_page_refuses_the_same_days(alice, browser_as):
    export = SimpleUploadedFile("发票基础信息.xlsx", bureau_xlsx(3, seed=1))
    page = browser_as(alice).post("/reconcile/", {"file": export, "direction": "", "as_of": "2999-01-01"})
    assert page.status_code == 200
    assert "请输入 2000-01-01 至今天之间的时间。" in page.content.decode()
    assert not BureauImport.objects.exists()
