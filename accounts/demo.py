"""Demo companies and people for the embedded `make run`. Loading twice changes nothing."""

import json
import secrets
from pathlib import Path

from django.db import transaction

from accounts import selectors, services
from accounts.models import Membership, User
from accounts.roles import Role

DEMO_COMPANIES = {
    "91310115MA1K4D8X0B": "上海示例商贸有限公司",
    "91110108MA01A2B3CF": "北京示例科技有限公司",
}
DEMO_ROLES = [
    ("alice", "91310115MA1K4D8X0B", Role.ADMIN),
    ("alice", "91110108MA01A2B3CF", Role.ADMIN),
    ("bob", "91310115MA1K4D8X0B", Role.CLERK),
    ("carol", "91310115MA1K4D8X0B", Role.ACCOUNTANT),
]


@transaction.atomic
def load_demo(logins_file: Path) -> dict[str, str]:
    """Create the demo companies and users; return each demo user's password.

    Passwords are generated once and kept in `logins_file`, so they can be printed at every
    start; a user missing from the file gets a new password."""
    companies = {
        tin: selectors.company_get_by_tin(tin=tin) or services.company_create(name=name, tin=tin)
        for tin, name in DEMO_COMPANIES.items()
    }
    passwords = json.loads(logins_file.read_text()) if logins_file.exists() else {}
    for username, tin, role in DEMO_ROLES:
        user, created = User.objects.get_or_create(username=username)
        if created or username not in passwords:
            passwords.setdefault(username, f"{username}-{secrets.token_hex(4)}")
            user.set_password(passwords[username])
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(company=companies[tin], user=user, defaults={"role": role})
    logins_file.touch(mode=0o600)
    logins_file.write_text(json.dumps(passwords, indent=2))
    return passwords


def demo_roles() -> dict[str, str]:
    """Each demo user's roles, as one line of text."""
    described: dict[str, list[str]] = {}
    for username, tin, role in DEMO_ROLES:
        described.setdefault(username, []).append(f"{DEMO_COMPANIES[tin]} {Role(role).label}")
    return {username: "、".join(parts) for username, parts in described.items()}
