"""The forgotten-password path: a mail with a link, the link sets a new password."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from accounts.models import User
from accounts.services import token_create
from tests.conftest import PASSWORD

NEW_PASSWORD = "alices-own-new-secret-58"
LINK = re.compile(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def locmem_mail(settings, tmp_path):
    """Mail kept in mail.outbox; a cache of the test's own, so the limit counts this test alone."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }


def ask_for_a_link(email: str, client: Client | None = None):
    return (client or Client()).post(reverse("password_reset"), {"email": email})


def link_in(message) -> str:
    (path,) = LINK.findall(message.body)
    return path


def test_the_login_page_links_to_the_forgotten_password_form(db):
    page = Client().get(reverse("login"))
    assert '<a href="/accounts/password/reset/">忘记密码？</a>' in page.text
    form = Client().get(reverse("password_reset"))
    assert form.status_code == 200
    assert "忘记密码？" in form.text
    assert 'class="topbar"' in form.text  # the project's own layout


def test_the_mail_goes_to_the_accounts_address_with_a_link_that_sets_a_new_password(alice):
    response = ask_for_a_link("alice@example.com")
    assert (response.status_code, response["Location"]) == (302, "/accounts/password/reset/sent/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "发票台：设置新密码"
    assert "有人请求为发票台账户 alice 设置新密码。" in message.body
    client = Client()
    opened = client.get(link_in(message), follow=True)
    assert opened.status_code == 200
    assert opened.redirect_chain[-1][0].endswith("/set-password/")
    assert opened.context["validlink"] is True
    done = client.post(
        opened.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert (done.status_code, done["Location"]) == (302, "/accounts/password/reset/complete/")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not alice.check_password(PASSWORD)
    login = Client().post(reverse("login"), {"username": "alice", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_the_link_works_once(alice):
    ask_for_a_link("alice@example.com")
    path = link_in(mail.outbox[0])
    client = Client()
    set_form = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_form, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(path, follow=True)
    assert again.context["validlink"] is False
    assert "此链接已失效：它已被使用、已过期，或复制得不完整。" in again.text


def test_an_unknown_address_gets_the_same_answer_and_no_mail(alice):
    known = ask_for_a_link("alice@example.com")
    unknown = ask_for_a_link("nobody-here@example.com")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    sent = Client().get(unknown["Location"])
    assert "如果有账户使用这个电子邮箱，设置新密码的链接已发送到该邮箱。" in sent.text


def test_the_new_password_ends_a_temporary_one_the_tokens_and_the_lock_out(alice):
    User.objects.filter(pk=alice.pk).update(must_change_password=True)
    token_create(user=alice, name="sync")
    locked = Client()
    for _attempt in range(5):
        locked.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="alice").count() == 1
    ask_for_a_link("alice@example.com")
    client = Client()
    set_form = client.get(link_in(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    client.post(set_form, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    alice.refresh_from_db()
    assert alice.must_change_password is False
    assert AuthToken.objects.filter(user=alice).count() == 0
    assert AccessAttempt.objects.filter(username="alice").count() == 0


def test_a_mismatched_confirmation_is_refused(alice):
    ask_for_a_link("alice@example.com")
    client = Client()
    set_form = client.get(link_in(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    response = client.post(set_form, {"new_password1": NEW_PASSWORD, "new_password2": "something-else-42"})
    assert response.status_code == 200
    assert response.context["form"].has_error("new_password2", "password_mismatch")
    assert User.objects.get(pk=alice.pk).check_password(PASSWORD)


def test_the_pages_and_the_mail_speak_english_when_chosen(alice):
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    form = client.get(reverse("password_reset"))
    assert "Forgot your password?" in form.text
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert mail.outbox[0].subject == "Fapiao Desk: choose a new password"
    assert "Someone asked to choose a new password for the Fapiao Desk account alice." in mail.outbox[0].body


def test_charlie_asking_for_alices_address_gets_no_mail_and_cannot_set_her_password(
    alice, charlie, browser_as
):
    before = User.objects.get(pk=alice.pk).password
    response = ask_for_a_link("alice@example.com", browser_as(charlie))
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]  # hers, not his
    uid = link_in(mail.outbox[0]).split("/")[4]
    forged = browser_as(charlie).get(f"/accounts/password/reset/{uid}/set-password/")
    assert forged.context["validlink"] is False
    browser_as(charlie).post(
        f"/accounts/password/reset/{uid}/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    guessed = browser_as(charlie).get(f"/accounts/password/reset/{uid}/abc-123/")
    assert guessed.context["validlink"] is False
    assert User.objects.get(pk=alice.pk).password == before


def test_one_address_gets_three_links_an_hour_and_the_answer_stays_the_same(alice):
    answers = [ask_for_a_link("alice@example.com", Client(REMOTE_ADDR=f"10.0.0.{n}")) for n in range(5)]
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {
        (302, "/accounts/password/reset/sent/")
    }
    assert len(mail.outbox) == 3


def test_one_client_is_answered_but_sends_no_more_after_ten_requests(alice, bob):
    client = Client()
    for _request in range(10):
        ask_for_a_link("nobody-here@example.com", client)
    answer = ask_for_a_link("alice@example.com", client)
    assert (answer.status_code, answer["Location"]) == (302, "/accounts/password/reset/sent/")
    assert mail.outbox == []
    ask_for_a_link("alice@example.com", Client(REMOTE_ADDR="10.9.8.7"))
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
