"""An admin opens the dashboard in a real browser: the charts drew the figures the server computed,
a click on a bar opens the list behind it, and nothing on the page broke the CSP."""

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from accounts.roles import Role
from dashboard.charts import all_charts
from tests.conftest import PASSWORD, make_member
from tests.dashboard.test_charts import books  # noqa: F401 (a fixture)
from tests.e2e.conftest import ARTIFACTS, log_in

MARCH = date(2026, 3, 1)


@pytest.mark.django_db(transaction=True)
def test_the_admin_sees_the_charts_and_drills_into_a_bar(company_a, books, web_server, browser_page):  # noqa: F811
    make_member("erin", company_a, Role.ADMIN)
    expected = {
        chart["key"]: [[point["value"] for point in series["data"]] for series in chart["series"]]
        for chart in (
            one.as_json() for one in all_charts(company=company_a, period=MARCH, today=timezone.localdate())
        )
    }
    page = browser_page
    log_in(page, web_server, "erin", PASSWORD)
    page.goto(f"{web_server}/dashboard/?period=2026-03")
    page.wait_for_selector("body[data-charts-drawn='6']")
    drawn = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map((element) => [
            element.dataset.chart,
            echarts.getInstanceByDom(element).getOption().series.map((one) => one.data.map((d) => d.value)),
        ]))"""
    )
    assert drawn == json.loads(json.dumps(expected))
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)

    values = expected["days_missing"][0]
    index = next(i for i, value in enumerate(values) if value)
    element = page.locator("[data-chart='days_missing']")
    element.scroll_into_view_if_needed()
    x, y = page.evaluate(
        """([index, value]) => echarts.getInstanceByDom(document.querySelector("[data-chart='days_missing']"))
            .convertToPixel({seriesIndex: 0}, [index, value / 2])""",
        [index, values[index]],
    )
    box = element.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    address = urlsplit(page.url)
    query = parse_qs(address.query)
    assert (
        address.path == "/invoices/" and query["bureau"] == ["missing"] and query["direction"] == ["purchase"]
    )
    assert page.locator("table.table tbody tr").count() == values[index]
    page.screenshot(path=ARTIFACTS / "dashboard-drill-down.png", full_page=True)
    assert page.problems == []
