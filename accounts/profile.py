"""A person's own account details: her name (姓名, one field kept in first_name, last_name left
blank) and her e-mail address. A new address needs the current password, because a password-reset
mail goes to it: a session left open must not be enough to take the account over."""

import logging

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import field_error

log = logging.getLogger(__name__)

NAME_MAX = User._meta.get_field("first_name").max_length


@transaction.atomic
def profile_update(*, user: User, name: str, email: str, current_password: str = "") -> list[str]:
    """Save the name and e-mail; returns which of "name" and "email" changed."""
    name = " ".join((name or "").split())
    if len(name) > NAME_MAX:
        raise field_error(
            "name", _("A name has at most %(limit)d characters."), "name_long", {"limit": NAME_MAX}
        )
    email = BaseUserManager.normalize_email((email or "").strip())
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise field_error("email", _("Enter a valid e-mail address."), "invalid") from None
    changed = []
    if name != user.get_full_name() or user.last_name:
        user.first_name, user.last_name = name, ""
        changed.append("name")
    if email != user.email:
        if not user.check_password(current_password or ""):
            raise field_error(
                "current_password",
                _("Enter your current password to change your e-mail address."),
                "password_required",
            )
        user.email = email
        changed.append("email")
    if changed:
        user.save(update_fields=["first_name", "last_name", "email"])
        log.info("%s changed their %s", user, ", ".join(changed))
    return changed
