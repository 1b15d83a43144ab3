"""The rules' verdict on a company's taxpayer ID, in words a user reads (translated)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from invoices.fapiao import USCC_CHARS, TinCheck, TinKind, TinProblem, check_tin

MESSAGES = {
    TinProblem.EMPTY: _("Enter the taxpayer ID (统一社会信用代码)."),
    TinProblem.LENGTH: _(
        "A taxpayer ID has 18 characters (统一社会信用代码), or 15, 17 or 20 for an old-style "
        "纳税人识别号; %(tin)s has %(length)d."
    ),
    TinProblem.ALPHABET: _(
        "%(tin)s contains %(chars)s: a 统一社会信用代码 uses only digits and capital letters "
        "other than I, O, S, V and Z."
    ),
    TinProblem.LAYOUT: _("In %(tin)s, characters 3 to 8 should be the six digits of an area code."),
    TinProblem.CHECK_CHAR: _(
        "The check character of %(tin)s does not add up: by GB 32100 the last character would be "
        "%(expected)s. Some codes from the early pilot fail this check and are real; confirm only "
        "if the code is printed exactly so on the business licence."
    ),
    TinProblem.LEGACY_FORMAT: _(
        "%(tin)s is an old-style taxpayer ID (%(length)d characters). It is accepted; most "
        "companies now use the 18-character 统一社会信用代码."
    ),
}


def tin_message(check: TinCheck):
    """The message for a check that found a problem (None for a valid USCC)."""
    if check.problem is None:
        return None
    return MESSAGES[check.problem] % _params(check)


def clean_company_tin(raw: str, *, accept_warning: bool) -> TinCheck:
    """Accept a company's TIN or raise ValidationError. A failing check character needs the
    explicit `accept_warning`; a legacy format is accepted and reported by `tin_message`."""
    check = check_tin(raw)
    if check.kind is TinKind.INVALID:
        code = f"tin_{check.problem}"
    elif check.needs_confirmation and not accept_warning:
        code = "tin_check_char"
    else:
        return check
    raise ValidationError(MESSAGES[check.problem], code=code, params=_params(check))


def _params(check: TinCheck) -> dict:
    return {
        "tin": check.tin or "—",
        "length": len(check.tin),
        "chars": "".join(sorted({char for char in check.tin if char not in USCC_CHARS})) or "—",
        "expected": check.expected_check or "",
    }
