"""Whose address a failed login counts against: X-Forwarded-For only from the proxies named in
TRUSTED_PROXIES, and of it only the right-most address that is not one of them."""

from ipaddress import ip_network

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.client_ip import client_ip
from tests.config.test_startup import PRODUCTION, start
from tests.conftest import PASSWORD

PROXY = "172.31.240.1"  # docker-compose.yml's gateway: what web sees of the proxy on the host
DIRECT = "203.0.113.9"


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXIES = (ip_network(PROXY), ip_network("10.0.0.0/8"))


def address(peer: str, forwarded: str | None = None) -> str | None:
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().post("/accounts/login/", **headers))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        (DIRECT, "198.51.100.1", DIRECT),  # not from a proxy: the header is the client's own
        (PROXY, "198.51.100.7", "198.51.100.7"),  # what the proxy appended
        (PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own entry before it is ignored
        ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.5", "198.51.100.7"),  # two trusted hops
        (PROXY, "6.6.6.6, not-an-address", PROXY),  # nothing believable past the proxy
        (PROXY, "", PROXY),
        (PROXY, None, PROXY),
        (PROXY, "10.1.1.1, 10.2.2.2", "10.1.1.1"),  # every hop trusted: the farthest one
        ("2001:db8::5", "198.51.100.1", "2001:db8::5"),
    ],
)
def test_it_believes_only_what_trusted_proxies_wrote(behind_proxy, peer, forwarded, expected):
    assert address(peer, forwarded) == expected


def test_without_a_proxy_the_header_is_ignored_altogether(settings):
    settings.BEHIND_PROXY = False
    settings.TRUSTED_PROXIES = (ip_network(PROXY),)
    assert address(PROXY, "198.51.100.7") == PROXY


def attempt(client: Client, password: str, forwarded: str):
    return client.post(
        reverse("login"), {"username": "alice", "password": password}, HTTP_X_FORWARDED_FOR=forwarded
    )


def test_a_direct_client_sending_its_own_forwarded_for_is_locked_out(alice, behind_proxy):
    client = Client(REMOTE_ADDR=DIRECT)
    statuses = [attempt(client, "wrong", f"198.51.100.{guess}").status_code for guess in range(30)]
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}
    right = attempt(client, PASSWORD, "198.51.100.250")
    assert right.status_code == 429
    assert "登录失败次数过多" in right.text
    assert client.get(reverse("home")).status_code == 302  # not logged in
    assert "_auth_user_id" not in client.session


def test_through_the_proxy_each_client_is_counted_by_the_address_the_proxy_saw(alice, behind_proxy):
    through_proxy = Client(REMOTE_ADDR=PROXY)
    for guess in range(5):
        attempt(through_proxy, "wrong", f"6.6.6.{guess}, 198.51.100.7")
    assert attempt(through_proxy, PASSWORD, "6.6.6.99, 198.51.100.7").status_code == 429
    assert attempt(Client(REMOTE_ADDR=PROXY), PASSWORD, "198.51.100.8").status_code == 302


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"BEHIND_PROXY": "true"}, "TRUSTED_PROXIES: required with BEHIND_PROXY"),
        ({"BEHIND_PROXY": "true", "TRUSTED_PROXIES": "proxy.lan"}, "TRUSTED_PROXIES: expected IP addresses"),
    ],
)
def test_a_proxy_must_be_named_by_address(tmp_path, variables, message):
    result = start(tmp_path, **PRODUCTION, **variables)
    assert result.returncode != 0
    assert message in result.stderr


def test_named_proxies_start(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(settings.TRUSTED_PROXIES)"
    named = {"BEHIND_PROXY": "true", "TRUSTED_PROXIES": "172.31.240.1, ::1"}
    result = start(tmp_path, code=code, **PRODUCTION, **named)
    assert result.returncode == 0, result.stderr
    assert "IPv4Network('172.31.240.1/32'), IPv6Network('::1/128')" in result.stdout


@pytest.mark.parametrize(("peer", "expected"), [(DIRECT, 301), (PROXY, 200)])
def test_only_the_proxy_can_say_a_request_came_over_https(behind_proxy, settings, peer, expected):
    """A direct client sending X-Forwarded-Proto: https is still redirected to HTTPS (and gets no
    HSTS page over plain HTTP); the proxy's word is believed."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get("/accounts/login/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == expected
    if expected == 301:
        assert response["Location"] == "https://testserver/accounts/login/"
