"""Strict reading of the environment for the settings.

A value that cannot be read stops start-up with ImproperlyConfigured naming the variable,
instead of silently falling back to a default. An empty value counts as unset. A secret can come
from a file: `NAME_FILE=/run/secrets/name` is read when `NAME` itself is not set.
"""

import ipaddress
import os
import secrets
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
DATABASE_SCHEMES = frozenset({"postgres", "postgresql", "pgsql", "sqlite"})
REDIS_SCHEMES = frozenset({"redis", "rediss"})


class Env:
    def __init__(self, values: Mapping[str, str] = os.environ):
        self.values = values

    def raw(self, name: str) -> str | None:
        value = self.values.get(name, "").strip()
        if value:
            return value
        file_name = self.values.get(f"{name}_FILE", "").strip()
        if not file_name:
            return None
        try:
            return Path(file_name).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {exc.strerror}") from None

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name)
        return default if value is None else value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{name}: expected true or false, got {value!r}")

    def comma_list(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return default
        items = [item.strip() for item in value.split(",")]
        if not all(items):
            raise ImproperlyConfigured(f"{name}: expected a comma-separated list, got {value!r}")
        return items

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            raise ImproperlyConfigured(f"{name}: expected a whole number from {low} to {high}, got {value!r}")
        return int(value)

    def networks(self, name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """ "172.31.240.1, 10.0.0.0/8, ::1" -> the addresses and networks, each a network."""
        result = []
        for item in self.comma_list(name, default=[]):
            try:
                result.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"{name}: expected IP addresses or networks (10.0.0.0/8), got {item!r}"
                ) from None
        return tuple(result)

    def month_dates(self, name: str) -> dict[str, str]:
        """ "2026-01:2026-01-20,2026-10:2026-10-24" -> {"2026-01": "2026-01-20", ...}"""
        result = {}
        for item in self.comma_list(name, default=[]):
            month, _, day = item.partition(":")
            try:
                datetime.strptime(month, "%Y-%m")
                datetime.strptime(day, "%Y-%m-%d")
            except ValueError:
                raise ImproperlyConfigured(
                    f"{name}: expected YYYY-MM:YYYY-MM-DD items, got {item!r}"
                ) from None
            result[month] = day
        return result

    def choice(self, name: str, default: str, choices: list[str]) -> str:
        value = self.text(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
        return value

    def timezone(self, name: str, default: str) -> str:
        value = self.text(name, default)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ImproperlyConfigured(f"{name}: unknown time zone {value!r}") from None
        return value

    def path(self, name: str, default: Path) -> Path:
        value = self.raw(name)
        path = (Path(value) if value else default).expanduser().resolve()
        if path.exists() and not path.is_dir():
            raise ImproperlyConfigured(f"{name}: {path} exists and is not a directory")
        return path

    def database(self, name: str, default: str) -> dict:
        url = self.text(name, default)
        scheme = urlsplit(url).scheme
        if scheme not in DATABASE_SCHEMES:
            raise ImproperlyConfigured(
                f"{name}: expected a postgres:// or sqlite:// URL, got scheme {scheme!r}"
            )
        config = environ.Env.db_url_config(url)
        if scheme != "sqlite" and not config.get("NAME"):
            raise ImproperlyConfigured(f"{name}: the URL names no database")
        return config

    def redis(self, name: str) -> str | None:
        url = self.text(name)
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in REDIS_SCHEMES or not parts.hostname:
            raise ImproperlyConfigured(f"{name}: expected a redis://host:port/db URL")
        return url

    def email(self, name: str, default: str) -> dict:
        url = self.text(name, default)
        scheme = urlsplit(url).scheme
        if scheme not in environ.Env.EMAIL_SCHEMES:
            known = ", ".join(sorted(environ.Env.EMAIL_SCHEMES))
            raise ImproperlyConfigured(f"{name}: unknown scheme {scheme!r} (known: {known})")
        return environ.Env.email_url_config(url)


def local_secret_key(data_dir: Path) -> str:
    """A key for DEBUG runs that survives restarts, kept beside the data it protects."""
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.touch(mode=0o600)
    key_file.write_text(key, encoding="utf-8")
    return key


# Keys shipped in examples and tutorials: a deployment that copied one has no secret at all.
PLACEHOLDER_KEYS = frozenset({"...", "changeme", "change-me", "secret", "your-secret-key"})
MIN_KEY_LENGTH = 50
MIN_KEY_CHARACTERS = 5


def require_strong_secret_key(key: str) -> None:
    """With DEBUG off, a key an attacker can guess (short, repetitive, a placeholder) stops start-up:
    it signs sessions, password-reset links and CSRF tokens."""
    if key.lower() in PLACEHOLDER_KEYS or key.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY: a placeholder from an example; generate a random key (README)"
        )
    if len(key) < MIN_KEY_LENGTH or len(set(key)) < MIN_KEY_CHARACTERS:
        raise ImproperlyConfigured(
            f"SECRET_KEY: too weak (needs at least {MIN_KEY_LENGTH} characters, "
            f"{MIN_KEY_CHARACTERS} of them different); generate a random key (README)"
        )


def require_named_hosts(hosts: list[str]) -> None:
    """With DEBUG off, a wildcard host lets any Host header through (poisoned password-reset links)."""
    if "*" in hosts:
        raise ImproperlyConfigured("ALLOWED_HOSTS: '*' accepts any host; name the site's host names")
