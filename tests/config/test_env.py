import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env, require_named_hosts, require_strong_secret_key


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("Yes", True), ("on", True), ("0", False), ("OFF", False)]
)
def test_it_reads_booleans(raw, value):
    assert Env({"DEBUG": raw}).boolean("DEBUG", default=not value) is value


def test_an_empty_value_counts_as_unset():
    assert Env({"DEBUG": " "}).boolean("DEBUG", default=True) is True


def test_a_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    assert Env({"SECRET_KEY_FILE": str(secret)}).text("SECRET_KEY") == "from-a-file"


def test_an_unreadable_secret_file_names_the_variable(tmp_path):
    with pytest.raises(ImproperlyConfigured, match=r"^SECRET_KEY_FILE: cannot read"):
        Env({"SECRET_KEY_FILE": str(tmp_path / "missing")}).text("SECRET_KEY")


def test_a_list_with_an_empty_item_is_refused():
    with pytest.raises(ImproperlyConfigured, match=r"^ALLOWED_HOSTS: "):
        Env({"ALLOWED_HOSTS": "a.example.com,,b"}).comma_list("ALLOWED_HOSTS", default=[])


def test_data_dir_must_be_a_directory(tmp_path):
    plain_file = tmp_path / "file"
    plain_file.write_text("")
    with pytest.raises(ImproperlyConfigured, match=r"^DATA_DIR: .* is not a directory"):
        Env({"DATA_DIR": str(plain_file)}).path("DATA_DIR", default=tmp_path)


def test_a_postgres_url_must_name_its_database():
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_URL: the URL names no database"):
        Env({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432"}).database("DATABASE_URL", default="")


def test_a_database_url_does_not_echo_its_password():
    with pytest.raises(ImproperlyConfigured) as caught:
        Env({"DATABASE_URL": "mysql://root:hunter2@db/x"}).database("DATABASE_URL", default="")
    assert "hunter2" not in str(caught.value)


def test_whole_numbers_are_read_within_their_range():
    assert Env({"DAYS": "7"}).integer("DAYS", 5, 1, 28) == 7
    assert Env({}).integer("DAYS", 5, 1, 28) == 5
    for bad in ("0", "29", "-1", "7.5", "seven"):
        with pytest.raises(ImproperlyConfigured, match="DAYS: expected a whole number from 1 to 28"):
            Env({"DAYS": bad}).integer("DAYS", 5, 1, 28)


def test_moved_deadlines_are_read_by_month():
    env = Env({"FILING_DEADLINES": "2026-01:2026-01-20, 2026-10:2026-10-26"})
    assert env.month_dates("FILING_DEADLINES") == {"2026-01": "2026-01-20", "2026-10": "2026-10-26"}
    with pytest.raises(ImproperlyConfigured, match="FILING_DEADLINES: expected YYYY-MM:YYYY-MM-DD"):
        Env({"FILING_DEADLINES": "2026-01=2026-01-20"}).month_dates("FILING_DEADLINES")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("short", "SECRET_KEY: too weak"),
        ("k" * 49 + "abc", "SECRET_KEY: too weak"),  # long enough, but only 4 different characters
        ("abcd" * 20, "SECRET_KEY: too weak"),
        ("...", "SECRET_KEY: a placeholder"),
        ("ChangeMe", "SECRET_KEY: a placeholder"),
        ("django-insecure-" + "x1y2z3w4v5" * 5, "SECRET_KEY: a placeholder"),
    ],
)
def test_a_weak_secret_key_is_refused_by_name(key, message):
    with pytest.raises(ImproperlyConfigured, match=f"^{message}"):
        require_strong_secret_key(key)


def test_a_random_key_of_fifty_characters_passes():
    require_strong_secret_key(secrets.token_urlsafe(50))
    require_strong_secret_key("test-only-key-never-used-outside-the-test-suite-0123456789")  # Makefile's


@pytest.mark.parametrize("hosts", [["*"], ["fapiao.example.com", "*"]])
def test_a_wildcard_host_is_refused_by_name(hosts):
    with pytest.raises(ImproperlyConfigured, match=r"^ALLOWED_HOSTS: '\*' accepts any host"):
        require_named_hosts(hosts)


def test_named_hosts_pass():
    require_named_hosts(["fapiao.example.com", ".example.org", "127.0.0.1"])
