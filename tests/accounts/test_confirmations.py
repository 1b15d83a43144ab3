"""Every change on the members and company-settings pages is confirmed in words naming what
changed; removing a member is confirmed before it is done."""

from django.urls import reverse

from accounts.models import Company, Membership, MembershipEvent
from accounts.roles import Role
from tests.conftest import TIN_A
from tests.pages import visible_text


def messages_on(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def membership_of(user, company) -> Membership:
    return Membership.objects.get(user=user, company=company)


def test_a_role_change_names_the_member_and_the_new_role(alice, bob, company_a, browser_as):
    client = browser_as(alice)
    url = reverse("member_role", args=[membership_of(bob, company_a).pk])
    response = client.post(url, {"role": Role.ACCOUNTANT}, follow=True)
    assert messages_on(response) == ["已将 bob 的角色改为 会计。"]


def test_a_role_change_through_htmx_is_confirmed_in_its_row(alice, bob, company_a, browser_as):
    url = reverse("member_role", args=[membership_of(bob, company_a).pk])
    response = browser_as(alice).post(url, {"role": Role.ADMIN}, HTTP_HX_REQUEST="true")
    assert '<p class="notice ok" role="status">已将 bob 的角色改为 管理员。</p>' in response.text


def test_a_role_change_is_confirmed_in_english_too(alice, bob, company_a, browser_as):
    client = browser_as(alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    url = reverse("member_role", args=[membership_of(bob, company_a).pk])
    response = client.post(url, {"role": Role.ACCOUNTANT}, follow=True)
    assert messages_on(response) == ["bob's role is now Accountant."]


def test_an_unknown_role_is_refused_with_a_message(alice, bob, company_a, browser_as):
    url = reverse("member_role", args=[membership_of(bob, company_a).pk])
    response = browser_as(alice).post(url, {"role": "owner"}, follow=True)
    assert messages_on(response) == ["选择一个有效的选项。 owner 不在可用的选项中。"]
    assert membership_of(bob, company_a).role == Role.CLERK


def test_removal_asks_first_and_removes_only_once_confirmed(alice, bob, company_a, browser_as):
    membership = membership_of(bob, company_a)
    url = reverse("member_remove", args=[membership.pk])
    client = browser_as(alice)
    question = client.get(url)
    assert question.status_code == 200
    assert "确定将 bob（会计助理）移出甲商贸有限公司吗？" in question.text
    assert 'name="confirm"' in question.text
    unconfirmed = client.post(url)
    assert unconfirmed.status_code == 400
    assert "请勾选以确认移除。" in unconfirmed.text
    assert Membership.objects.filter(pk=membership.pk).exists()
    done = client.post(url, {"confirm": "on"}, follow=True)
    assert messages_on(done) == ["已将 bob（会计助理）移出本公司。"]
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_members_page_links_to_the_removal_question_not_a_bare_button(alice, bob, company_a, browser_as):
    page = browser_as(alice).get(reverse("members"))
    url = reverse("member_remove", args=[membership_of(bob, company_a).pk])
    assert f'<a class="button danger small" href="{url}">移除</a>' in page.text
    assert f'action="{url}"' not in page.text


def test_charlie_cannot_see_or_answer_the_removal_question(alice, bob, charlie, company_a, browser_as):
    url = reverse("member_remove", args=[membership_of(bob, company_a).pk])
    client = browser_as(charlie)
    question = client.get(url)
    assert question.status_code == 404
    assert "bob" not in visible_text(question.text)
    assert client.post(url, {"confirm": "on"}).status_code == 404
    assert membership_of(bob, company_a).role == Role.CLERK
    assert not MembershipEvent.objects.filter(kind="removed").exists()


def test_saving_settings_names_what_changed(alice, company_a, browser_as):
    client = browser_as(alice)
    data = {"name": "甲商贸有限公司", "tin": TIN_A, "sync_lag_days": 7, "auto_confirm_capture": "on"}
    response = client.post(reverse("company_settings"), data, follow=True)
    assert messages_on(response) == ["已保存公司设置：税局同步延迟（天）。"]
    assert Company.objects.get(pk=company_a.pk).sync_lag_days == 7
    again = client.post(reverse("company_settings"), data, follow=True)
    assert messages_on(again) == ["公司设置已保存，没有任何改动。"]


def test_saving_several_settings_lists_each(alice, company_a, browser_as):
    data = {"name": "甲商贸集团有限公司", "tin": TIN_A, "sync_lag_days": 3}
    response = browser_as(alice).post(reverse("company_settings"), data, follow=True)
    assert messages_on(response) == ["已保存公司设置：公司名称、自动确认采集的发票。"]


def test_an_invitation_is_confirmed(alice, company_a, browser_as):
    data = {"username": "dora", "role": "accountant", "password": "doras-first-passphrase-3"}
    response = browser_as(alice).post(reverse("members"), data, follow=True)
    (message,) = messages_on(response)
    assert message.startswith("若用户名 dora 已有账户，对方将收到以“会计”身份加入的邀请")
