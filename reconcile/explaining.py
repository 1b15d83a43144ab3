"""Each difference in words, as a case: what differs, by how much, and what to correct it to
("台账金额是税局的 10 倍，建议改为 51,857.95"; "开票日期相差 1 天：台账 2026-11-03，税局 2026-11-04").
No database: the two records are anything with the invoice's attributes (a ledger Invoice, a
BureauInvoice, an InvoiceRecord); the sentences are in the active language."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from invoices.models import Status
from reconcile.matching import POWERS_OF_TEN, nearest_rate, tin_typo

MONEY = ("amount", "tax", "total")
TINS = ("seller_tin", "buyer_tin")
STATUS_FLAGS = ("voided", "red_flushed")


def _field_name(name: str) -> str:
    return {
        "amount": _("amount"),
        "tax": _("tax"),
        "total": _("total"),
        "seller_tin": _("seller's taxpayer ID"),
        "buyer_tin": _("buyer's taxpayer ID"),
        "number": _("invoice number"),
        "code": _("invoice code"),
    }[name]


def money(value) -> str:
    """An amount as the pages write it: grouped, two places."""
    return f"{Decimal(str(value)):,.2f}"


def _day(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _rate(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def _sides(finding: str, ours: str, theirs: str) -> str:
    return _("%(finding)s: ledger %(ledger)s, bureau %(bureau)s") % {
        "finding": finding,
        "ledger": ours,
        "bureau": theirs,
    }


def _correct(finding: str, value: str) -> str:
    return _("%(finding)s; correct it to %(value)s") % {"finding": finding, "value": value}


def _status(value: str) -> str:
    return str(dict(Status.choices).get(value, value))


# Money


def _shift(ours: Decimal, theirs: Decimal) -> Decimal | None:
    """The power of ten the ledger's value is of the bureau's, when a decimal point moved."""
    if not ours or not theirs:
        return None
    fits = [power for power in POWERS_OF_TEN if abs(ours - theirs * power) <= Decimal("0.01") * max(power, 1)]
    return min(fits, key=lambda power: abs(ours - theirs * power)) if fits else None


def _money_sentence(name: str, ours: Decimal, theirs: Decimal, flags: set[str]) -> str:
    field = _field_name(name)
    power = _shift(ours, theirs) if "decimal_shift" in flags else None
    if power is not None:
        if power > 1:
            finding = _("The ledger's %(field)s is %(factor)s times the bureau's") % {
                "field": field,
                "factor": f"{power:,f}",
            }
        else:
            finding = _("The ledger's %(field)s is 1/%(factor)s of the bureau's") % {
                "field": field,
                "factor": f"{1 / power:,f}",
            }
        return _correct(finding, money(theirs))
    difference = money(abs(ours - theirs))
    if "rounding" in flags and abs(ours - theirs) <= Decimal("0.06"):
        return _("The %(field)s differs by %(difference)s (rounding)") % {
            "field": field,
            "difference": difference,
        }
    finding = _("The %(field)s differs by %(difference)s") % {"field": field, "difference": difference}
    return _sides(finding, money(ours), money(theirs))


def _rate_sentence(ledger, bureau) -> str:
    amount, tax = ledger.amount, ledger.tax
    if _shift(amount, bureau.amount) is not None:
        amount = bureau.amount
    if _shift(tax, bureau.tax) is not None:
        tax = bureau.tax
    ours, theirs = nearest_rate(amount, tax), nearest_rate(bureau.amount, bureau.tax)
    return _("The tax rate differs: about %(ledger)s in the ledger, %(bureau)s at the bureau") % {
        "ledger": _rate(ours) if ours is not None else "—",
        "bureau": _rate(theirs) if theirs is not None else "—",
    }


def _date_sentence(ours: date, theirs: date, flags: set[str]) -> str:
    days = abs((ours - theirs).days)
    if "cross_period" in flags:
        finding = ngettext(
            "The issue dates are %(days)d day apart, in different tax periods",
            "The issue dates are %(days)d days apart, in different tax periods",
            days,
        ) % {"days": days}
    else:
        finding = ngettext(
            "The issue dates are %(days)d day apart", "The issue dates are %(days)d days apart", days
        ) % {"days": days}
    return _sides(finding, _day(ours), _day(theirs))


# Identifiers: invoice numbers, codes and taxpayer IDs typed wrongly


def _swapped(ours: str, theirs: str, at: int) -> bool:
    return (ours[at], ours[at + 1]) == (theirs[at + 1], theirs[at])


def _slip(name: str, ours: str, theirs: str) -> str:
    """What kind of typing slip turns the bureau's identifier into the ledger's."""
    field = _field_name(name)
    digits = name in ("number", "code")
    if len(ours) == len(theirs):
        apart = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
        if len(apart) == 1:
            if digits:
                return _("The %(field)s is one digit off") % {"field": field}
            return _("The %(field)s has one character different") % {"field": field}
        if len(apart) == 2 and apart[1] == apart[0] + 1 and _swapped(ours, theirs, apart[0]):
            return _("Two adjacent characters of the %(field)s are swapped") % {"field": field}
        return ngettext(
            "%(count)d character of the %(field)s differs",
            "%(count)d characters of the %(field)s differ",
            len(apart),
        ) % {"count": len(apart), "field": field}
    count = abs(len(theirs) - len(ours))
    if theirs.startswith(ours):
        return ngettext(
            "The %(field)s in the ledger lacks %(count)d character at the end",
            "The %(field)s in the ledger lacks %(count)d characters at the end",
            count,
        ) % {"count": count, "field": field}
    if ours.startswith(theirs):
        return ngettext(
            "The %(field)s in the ledger has %(count)d character too many at the end",
            "The %(field)s in the ledger has %(count)d characters too many at the end",
            count,
        ) % {"count": count, "field": field}
    if len(ours) < len(theirs):
        return ngettext(
            "The %(field)s in the ledger lacks %(count)d character",
            "The %(field)s in the ledger lacks %(count)d characters",
            count,
        ) % {"count": count, "field": field}
    return ngettext(
        "The %(field)s in the ledger has %(count)d character too many",
        "The %(field)s in the ledger has %(count)d characters too many",
        count,
    ) % {"count": count, "field": field}


def _identifier_sentence(name: str, ours: str, theirs: str, value: str | None) -> str:
    finding = _sides(_slip(name, ours, theirs), ours, theirs)
    return _correct(finding, value) if value else finding


def _tin_sentence(name: str, ours: str, theirs: str, suggestion: dict) -> str:
    if tin_typo(ours, theirs):
        return _identifier_sentence(name, ours, theirs, suggestion.get(name))
    return _sides(_("The %(field)s differs") % {"field": _field_name(name)}, ours or "—", theirs or "—")


# Cases


def _status_sentences(flags: set[str], ledger, bureau) -> list[str]:
    sentences = []
    if flags & set(STATUS_FLAGS) and ledger is not None and bureau is not None:
        sentences.append(
            _("The bureau has the invoice as %(bureau)s, the ledger as %(ledger)s")
            % {"bureau": _status(bureau.status), "ledger": _status(ledger.status)}
        )
    if "net_differs" in flags:
        sentences.append(_("After its red invoices, the net total differs between the two sides"))
    return sentences


def _pair_sentences(ledger, bureau, flags: set[str], suggestion: dict) -> list[str]:
    sentences = []
    for name in MONEY:
        if name in flags and getattr(ledger, name) != getattr(bureau, name):
            sentences.append(_money_sentence(name, getattr(ledger, name), getattr(bureau, name), flags))
    if "rate" in flags:
        sentences.append(_rate_sentence(ledger, bureau))
    if "date" in flags and ledger.issue_date != bureau.issue_date:
        sentences.append(_date_sentence(ledger.issue_date, bureau.issue_date, flags))
    for name in TINS:
        if name in flags and getattr(ledger, name) != getattr(bureau, name):
            sentences.append(_tin_sentence(name, getattr(ledger, name), getattr(bureau, name), suggestion))
    return sentences


def _suspected(ledger, bureau) -> list[str]:
    identity = _("Same counterparty, month and total, but another invoice number")
    sentences = [_sides(identity, ledger.identity, bureau.identity)]
    if ledger.issue_date != bureau.issue_date:
        sentences.append(_date_sentence(ledger.issue_date, bureau.issue_date, set()))
    for name in MONEY:
        if getattr(ledger, name) != getattr(bureau, name):
            sentences.append(
                _money_sentence(name, getattr(ledger, name), getattr(bureau, name), {"rounding"})
            )
    sentences.append(_("Check that it is the same invoice before taking the bureau's values"))
    return sentences


def _not_ours(record, direction: str) -> str:
    if direction == "purchase":
        return _("Not issued to this company: the buyer's taxpayer ID on it is %(tin)s") % {
            "tin": record.buyer_tin or "—"
        }
    return _("Not issued by this company: the seller's taxpayer ID on it is %(tin)s") % {
        "tin": record.seller_tin or "—"
    }


def _alone(category: str, record, flags: set[str], days: int | None, direction: str, candidates: int):
    sentences = []
    if category == "missing_in_bureau":
        sentences.append(
            ngettext(
                "Still not in the bureau's data %(days)d day after issue",
                "Still not in the bureau's data %(days)d days after issue",
                days or 0,
            )
            % {"days": days or 0}
        )
    elif category == "pending_sync":
        sentences.append(
            ngettext(
                "Issued %(days)d day before the bureau's data was taken: it may not have arrived yet",
                "Issued %(days)d days before the bureau's data was taken: it may not have arrived yet",
                days or 0,
            )
            % {"days": days or 0}
        )
    if sentences:
        if "not_issued_to_company" in flags and record is not None:
            sentences.append(_not_ours(record, direction))
        return sentences
    if category == "missing_in_ledger":
        return [_("The bureau has this invoice and the ledger does not")]
    if category == "duplicate_in_ledger":
        return [_("The ledger holds this invoice twice (the second time perhaps under another number)")]
    if category == "duplicate_in_bureau":
        return [_("The bureau's data lists this invoice twice")]
    if category == "ambiguous":
        return [
            ngettext(
                "%(count)d bureau invoice could be this one: it is not linked by itself",
                "%(count)d bureau invoices could be this one: none is linked by itself",
                candidates,
            )
            % {"count": candidates}
        ]
    return []


def explain(
    category: str,
    flags: Iterable[str],
    ledger,
    bureau,
    suggestion: dict | None = None,
    *,
    days_missing: int | None = None,
    direction: str = "purchase",
    candidates: int = 0,
) -> list[str]:
    """The case in sentences, each naming what differs and by how much (empty for none)."""
    flags, suggestion = set(flags), suggestion or {}
    if ledger is None or bureau is None:
        return _alone(category, ledger or bureau, flags, days_missing, direction, candidates)
    if category == "matched":
        return [_("Both sides agree")]
    if category == "suspected":
        return _suspected(ledger, bureau)
    sentences = _status_sentences(flags, ledger, bureau)
    if category == "number_typo":
        for name in ("code", "number"):
            if getattr(ledger, name) != getattr(bureau, name):
                sentences.append(
                    _identifier_sentence(
                        name, getattr(ledger, name), getattr(bureau, name), suggestion.get(name)
                    )
                )
        return sentences
    return sentences + _pair_sentences(ledger, bureau, flags, suggestion)


def as_text(sentences: Iterable[str]) -> str:
    """The sentences as one line (a spreadsheet cell)."""
    return pgettext("between the sentences of an explanation", ". ").join(sentences)
