"""Which readings of an invoice's amounts to believe, by the arithmetic of docs/fapiao-rules.md §Amounts:
金额 + 税额 = 价税合计, and 大写 = 小写. Pure: no Django.

OCR may give several readings of each amount (a token without its decimal point is 1130.00 or
113000; a 大写 with a look-alike may spell more than one number). The combination the arithmetic
confirms is chosen. A value is certain only when two independent readings agree: the 小写 and the
大写, or the 合计 row's 金额 and 税额 with the total. Anything else is a guess and carries a doubt
for the reviewer, and so does a value that another combination, as consistent, reads differently.
"""

import itertools
from dataclasses import dataclass
from decimal import Decimal

from ingest.extract.amount_words import AmountWords
from ingest.extract.reading import REPAIRED, Reading
from invoices.validation import LEGAL_RATES


@dataclass(frozen=True)
class _Combination:
    amount: Reading | None
    tax: Reading | None
    total: Reading | None  # the 小写 reading, or the 大写's value when the 小写 is not believed
    words: Reading | None  # a spelling of the 大写
    words_value: Decimal | None
    small: Reading | None  # the 小写 reading the combination was built with

    @property
    def identity(self) -> bool:
        """金额 + 税额 = 价税合计."""
        if not (self.amount and self.tax and self.total):
            return False
        return Decimal(self.amount.value) + Decimal(self.tax.value) == Decimal(self.total.value)

    @property
    def spelled(self) -> bool:
        """The 小写 and the 大写 say the same amount."""
        if not self.small or self.words_value is None:
            return False
        return Decimal(self.small.value) == self.words_value

    @property
    def consistency(self) -> int:
        return 2 * self.identity + self.spelled

    @property
    def key(self) -> tuple[int, float]:
        readings = (self.amount, self.tax, self.total, self.words)
        return self.consistency, sum(reading.factor for reading in readings if reading)

    def values(self) -> dict[str, str | None]:
        return {
            name: reading.value if reading else None
            for name, reading in (("amount", self.amount), ("tax", self.tax), ("total", self.total))
        }


def choose_amounts(
    amounts: list[Reading],
    taxes: list[Reading],
    totals: list[Reading],
    words: AmountWords | None,
    words_confidence: float = 1.0,
) -> dict[str, Reading]:
    """金额, 税额, 价税合计 and the 大写 (total_in_words), each as the arithmetic leaves it: certain, or
    with a doubt saying which check failed. Fields nothing was read for are left out."""
    spellings = [
        (Reading(spelling, words_confidence, REPAIRED if words.repaired else 1.0), value)
        for spelling, value in (words.readings if words else ())
    ]
    combinations = list(_combinations(amounts, taxes, totals, spellings))
    best = max(combinations, key=lambda combination: combination.key)
    rivals = [other.values() for other in combinations if other.consistency == best.consistency]
    chosen = _believed(best, _alternatives(best, rivals) if best.consistency else {})
    if words:
        chosen["total_in_words"] = _words_reading(best, words, words_confidence, chosen)
    return {name: reading for name, reading in chosen.items() if reading}


def _alternatives(best: _Combination, rivals: list[dict[str, str | None]]) -> dict[str, str]:
    """The fields that combinations as consistent as the best read differently, with their values."""
    alternatives = {}
    for name, value in best.values().items():
        values = {rival[name] for rival in rivals if rival[name]}
        if value and len(values) > 1:
            alternatives[name] = " / ".join(sorted(values, key=Decimal))
    return alternatives


def _combinations(amounts, taxes, totals, spellings):
    for amount, tax, small, (words, value) in itertools.product(
        amounts or [None], taxes or [None], totals or [None], spellings or [(None, None)]
    ):
        yield _Combination(amount, tax, small, words, value, small)
        if words and not (small and Decimal(small.value) == value):
            as_total = Reading(f"{value:.2f}", words.confidence, words.factor)
            yield _Combination(amount, tax, as_total, words, value, small)


def _believed(best: _Combination, alternatives: dict[str, str]) -> dict[str, Reading | None]:
    checks = {
        "amount": (best.identity, "sum_unconfirmed"),
        "tax": (best.identity, "sum_unconfirmed"),
        "total": (best.identity or best.spelled, "total_unconfirmed"),
    }
    chosen = {}
    for name, reading in (("amount", best.amount), ("tax", best.tax), ("total", best.total)):
        confirmed, code = checks[name]
        if reading and not confirmed:
            reading = reading.doubted(code)
        elif reading and (name in alternatives or (best.identity and alternatives)):
            # a sum that holds two ways leaves all three of its readings in doubt
            reading = reading.doubted(
                "ambiguous", values=alternatives.get(name) or " · ".join(alternatives.values())
            )
        chosen[name] = reading
    if chosen["total"] and not chosen["total"].doubt and not best.identity:
        _with_derived(chosen, Decimal(best.total.value))
    return chosen


def _words_reading(
    best: _Combination, words: AmountWords, confidence: float, chosen: dict[str, Reading | None]
) -> Reading:
    if best.words is None:
        return Reading(words.text, confidence).doubted("words_unreadable")
    total = chosen["total"]
    if total and not total.doubt and best.words_value == Decimal(total.value):
        return best.words
    return best.words.doubted("words_disagree")


def _with_derived(chosen: dict[str, Reading | None], total: Decimal) -> None:
    """The total is confirmed but the sum fails: a 金额 or 税额 that is unreadable (a 免税 ***, a
    smudge) is the total less the other, and so is one misread so that the sum fails (see
    _one_misread). Either way the value is computed, not read, and says so."""
    amount, tax = chosen["amount"], chosen["tax"]
    if amount and tax:
        _one_misread(chosen, total, Decimal(amount.value), Decimal(tax.value))
        return
    for missing, known in (("tax", amount), ("amount", tax)):
        if known:
            value = total - Decimal(known.value)
            if abs(value) <= abs(total):
                chosen[missing] = Reading(f"{value:.2f}", known.confidence).doubted("derived")


def _one_misread(chosen: dict[str, Reading | None], total: Decimal, amount: Decimal, tax: Decimal) -> None:
    """金额 + 税额 ≠ a confirmed total: replace the one reading whose replacement (the total less
    the other) leaves the tax at a legal rate of the amount (the plausibility check of §Amounts), if only one
    does."""
    fixes = [
        (name, value)
        for name, value, plausible in (
            ("amount", total - tax, _legal_rate(total - tax, tax)),
            ("tax", total - amount, _legal_rate(amount, total - amount)),
        )
        if plausible
    ]
    if len(fixes) == 1:
        name, value = fixes[0]
        chosen[name] = Reading(f"{value:.2f}", chosen[name].confidence).doubted("derived")


def _legal_rate(amount: Decimal, tax: Decimal) -> bool:
    """Whether tax is amount × one legal rate, within rounding (0.06, or 0.5% on large sums)."""
    return bool(amount) and any(
        abs(amount * rate - tax) <= max(Decimal("0.06"), abs(amount * rate) * Decimal("0.005"))
        for rate in LEGAL_RATES
    )
