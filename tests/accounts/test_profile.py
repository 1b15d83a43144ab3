"""My account: a person sets her own name (姓名) and e-mail; the members page shows the name."""

from django.urls import reverse

from accounts.models import Membership, User
from tests.conftest import PASSWORD
from tests.pages import visible_text


def test_a_user_sets_her_chinese_name_and_the_members_page_shows_it(alice, bob, company_a, browser_as):
    client = browser_as(bob)
    response = client.post(reverse("profile"), {"name": " 王  小明 ", "email": "bob@example.com"})
    assert (response.status_code, response["Location"]) == (302, "/accounts/profile/")
    bob.refresh_from_db()
    assert (bob.first_name, bob.last_name, bob.get_full_name()) == ("王 小明", "", "王 小明")
    page = client.get(reverse("profile"))
    assert "已保存：姓名。" in page.text
    members = browser_as(alice).get(reverse("members"))
    membership = Membership.objects.get(user=bob, company=company_a)
    row = members.text.split(f'id="member-{membership.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "<td>王 小明</td>" in row


def test_a_name_without_spaces_is_printed_as_it_was_typed(bob, browser_as):
    browser_as(bob).post(reverse("profile"), {"name": "王小明", "email": "bob@example.com"})
    assert User.objects.get(pk=bob.pk).get_full_name() == "王小明"


def test_a_full_name_reads_family_name_first_in_chinese_and_given_name_first_otherwise(db):
    assert User(first_name="小明", last_name="王").get_full_name() == "王小明"
    assert User(first_name="Ada", last_name="Lovelace").get_full_name() == "Ada Lovelace"
    assert User(first_name="", last_name="王").get_full_name() == "王"
    assert User(first_name="", last_name="").get_full_name() == ""


def test_the_api_shows_the_name_in_first_name(bob, api_as, browser_as):
    browser_as(bob).post(reverse("profile"), {"name": "王小明", "email": "bob@example.com"})
    me = api_as(bob).get("/api/me/").json()
    assert (me["first_name"], me["last_name"]) == ("王小明", "")


def test_a_member_without_a_name_shows_a_dash_not_her_address(alice, bob, company_a, browser_as):
    members = browser_as(alice).get(reverse("members"))
    membership = Membership.objects.get(user=bob, company=company_a)
    row = members.text.split(f'id="member-{membership.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "<td>—</td>" in row
    assert "bob@example.com" not in row


def test_a_new_address_needs_the_current_password(bob, browser_as):
    client = browser_as(bob)
    refused = client.post(reverse("profile"), {"name": "", "email": "new-bob@example.com"})
    assert refused.status_code == 400
    assert "修改电子邮箱需要输入当前密码。" in refused.text
    assert User.objects.get(pk=bob.pk).email == "bob@example.com"
    wrong = client.post(
        reverse("profile"), {"name": "", "email": "new-bob@example.com", "current_password": "wrong"}
    )
    assert wrong.status_code == 400
    assert User.objects.get(pk=bob.pk).email == "bob@example.com"
    done = client.post(
        reverse("profile"), {"name": "", "email": "new-bob@example.com", "current_password": PASSWORD}
    )
    assert done.status_code == 302
    assert User.objects.get(pk=bob.pk).email == "new-bob@example.com"
    assert "已保存：电子邮箱。" in client.get(reverse("profile")).text


def test_a_bad_address_is_a_400_with_a_message(bob, browser_as):
    response = browser_as(bob).post(
        reverse("profile"), {"name": "", "email": "not an address", "current_password": PASSWORD}
    )
    assert response.status_code == 400
    assert response.context["form"].has_error("email")
    assert User.objects.get(pk=bob.pk).email == "bob@example.com"


def test_a_name_too_long_is_refused(bob, browser_as):
    response = browser_as(bob).post(reverse("profile"), {"name": "王" * 151, "email": "bob@example.com"})
    assert response.status_code == 400
    assert User.objects.get(pk=bob.pk).first_name == ""


def test_saving_unchanged_details_says_nothing_changed(bob, browser_as):
    client = browser_as(bob)
    client.post(reverse("profile"), {"name": "", "email": "bob@example.com"})
    assert "没有任何改动。" in client.get(reverse("profile")).text


def test_charlie_edits_only_his_own_account(alice, charlie, browser_as):
    before = User.objects.filter(pk=alice.pk).values().get()
    client = browser_as(charlie)
    page = client.get(reverse("profile"))
    assert "alice" not in visible_text(page.text)
    client.post(reverse("profile"), {"name": "查理", "email": "charlie@example.com"})
    assert User.objects.filter(pk=alice.pk).values().get() == before
    assert User.objects.get(pk=charlie.pk).first_name == "查理"


def test_the_profile_needs_a_login(db, client):
    response = client.post(reverse("profile"), {"name": "x"})
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/accounts/profile/")
