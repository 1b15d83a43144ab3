"""API tokens limited to one company: they act there without an X-Company header, are refused for any
other company, and the tokens page sets the limit and lists it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import selectors, services
from accounts.models import Company, Membership
from tests.conftest import TIN_A, TIN_A2, TIN_B


def token_client(key: str, **headers) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", **headers)
    return client


@pytest.fixture
def key_for_a(alice, company_a, company_a2, browser_as):
    created = browser_as(alice).post(reverse("tokens"), {"name": "甲公司同步", "company": str(company_a.pk)})
    assert created.status_code == 200
    return created.context["new_key"]


def test_a_token_limited_to_a_acts_for_a_without_a_header(key_for_a):
    response = token_client(key_for_a).get("/api/company/")
    assert response.status_code == 200
    assert response.json()["tin"] == TIN_A
    assert [c["company"]["tin"] for c in token_client(key_for_a).get("/api/me/").json()["companies"]] == [
        TIN_A
    ]
    listed = token_client(key_for_a).get("/api/companies/").json()["results"]
    assert [c["company"]["tin"] for c in listed] == [TIN_A]


def test_a_token_limited_to_a_cannot_act_for_her_other_company(key_for_a, company_a2):
    client = token_client(key_for_a, HTTP_X_COMPANY=TIN_A2)
    read = client.get("/api/company/")
    assert read.status_code == 403
    assert "此 API 令牌只能代表其限定的公司，不能代表纳税人识别号为 91440300MA5F0E1D2M 的公司。" in read.text
    changed = client.patch("/api/company/", {"name": "被改名"}, format="json")
    assert changed.status_code == 403
    assert Company.objects.get(pk=company_a2.pk).name == "丙咨询有限公司"
    assert "91440300MA5F0E1D2M" not in token_client(key_for_a).get("/api/me/").text


def test_a_token_limited_to_a_cannot_name_a_stranger_company(key_for_a, company_b):
    response = token_client(key_for_a, HTTP_X_COMPANY=TIN_B, HTTP_ACCEPT_LANGUAGE="en").get("/api/invoices/")
    assert response.status_code == 403
    assert "This API token acts only for the company it was limited to" in response.text
    assert "乙科技有限公司" not in response.text


def test_a_header_naming_its_own_company_is_accepted(key_for_a):
    assert token_client(key_for_a, HTTP_X_COMPANY=TIN_A).get("/api/company/").json()["tin"] == TIN_A


def test_a_token_of_all_her_companies_still_needs_the_header(alice, company_a, company_a2):
    _token, key = services.token_create(user=alice, name="all")
    assert token_client(key).get("/api/company/").status_code == 400
    assert token_client(key, HTTP_X_COMPANY=TIN_A2).get("/api/company/").json()["tin"] == TIN_A2


def test_a_token_limited_to_a_company_she_left_acts_for_none(alice, bob, company_a, company_a2, key_for_a):
    Membership.objects.filter(user=bob, company=company_a).update(role="admin")
    services.member_remove(membership=Membership.objects.get(user=alice, company=company_a), by=bob)
    response = token_client(key_for_a).get("/api/company/")
    assert response.status_code == 404
    assert "此 API 令牌限定的公司中您已不再是成员。" in response.text
    assert token_client(key_for_a, HTTP_X_COMPANY=TIN_A2).get("/api/company/").status_code == 403


@pytest.mark.parametrize("company", ["{company_b}", "abc", "-1", "99999999999999999999"])
def test_a_token_cannot_be_limited_to_a_company_not_hers(alice, company_a, company_b, browser_as, company):
    response = browser_as(alice).post(
        reverse("tokens"), {"name": "x", "company": company.format(company_b=company_b.pk)}
    )
    assert response.status_code == 400
    assert "请选择您的一家公司，或全部公司。" in response.text
    assert list(selectors.token_list(user=alice)) == []


def test_the_service_refuses_a_company_not_hers_too(alice, company_b):
    with pytest.raises(ValidationError) as caught:
        services.token_create(user=alice, name="x", company=company_b)
    assert caught.value.error_dict["company"][0].code == "token_company_foreign"
    assert list(selectors.token_list(user=alice)) == []


def test_the_page_offers_her_companies_with_the_current_one_chosen(alice, company_a, company_a2, browser_as):
    client = browser_as(alice)
    client.post(reverse("company_switch"), {"company": company_a.pk})
    page = client.get(reverse("tokens")).text
    select = page.split('id="token-company"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{company_a.pk}" selected>甲商贸有限公司 ({TIN_A})</option>' in select
    assert f'<option value="{company_a2.pk}">丙咨询有限公司 ({TIN_A2})</option>' in select
    assert '<option value="">我的全部公司（用 X-Company 请求头指定）</option>' in select


def test_the_page_lists_each_token_with_its_company_access_and_beijing_times(
    alice, company_a, company_a2, key_for_a, browser_as
):
    services.token_create(user=alice, name="全部只读", read_only=True)
    token_client(key_for_a).get("/api/company/")
    page = browser_as(alice).get(reverse("tokens")).text
    scoped = page.split("<td>甲公司同步</td>", 1)[1].split("</tr>", 1)[0]
    token = selectors.token_list(user=alice).get(info__name="甲公司同步")
    assert f'甲商贸有限公司 <span class="mono">{TIN_A}</span>' in scoped
    assert timezone.localtime(token.created).strftime("%Y-%m-%d %H:%M") in scoped
    assert timezone.localtime(token.info.last_used_at).strftime("%Y-%m-%d %H:%M") in scoped
    assert str(timezone.localtime(token.created).tzinfo) == "Asia/Shanghai"
    assert "读写" in scoped
    unscoped = page.split("<td>全部只读</td>", 1)[1].split("</tr>", 1)[0]
    assert "我的全部公司" in unscoped and "只读" in unscoped and "从未使用" in unscoped
    assert "创建时间（北京时间）" in page and "最近使用（北京时间）" in page


def test_charlie_cannot_limit_a_token_to_company_a(charlie, company_a, browser_as):
    response = browser_as(charlie).post(reverse("tokens"), {"name": "x", "company": str(company_a.pk)})
    assert response.status_code == 400
    assert "甲商贸有限公司" not in response.text
    assert list(selectors.token_list(user=charlie)) == []
