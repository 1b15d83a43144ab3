"""The ledger against the bureau's export: which invoices are the same, which differ and why, and
which one side lacks. Pure: no Django. Implements docs/fapiao-rules.md §Matching (keys, the match ladder,
and why an invoice we hold is not in the tax system), with §Normalisation done by the callers.

One-to-one, greedy and deterministic: records are taken in key order, every pass looks candidates
up in hash indexes, and a block of candidates larger than BLOCK_CAP is not searched (its records
fall through to the next pass), so the cost grows linearly with the number of records.

Passes, in order; a record paired by one pass takes no part in the later ones:
  duplicate            a second record with an identity already seen on its side
  identity:equal       same identity, key fields equal                    -> matched
  identity:status      same identity and fields, the bureau's status differs -> status_changed
  identity:tin         same identity, only taxpayer IDs differ, each by a typo -> tin_error
  identity:fields      same identity, other fields differ                 -> mismatch
  counterparty+total:number   one edit or one adjacent transposition apart -> number_typo
  number+total:tin     the same number, TINs a typo apart                   -> tin_error
  counterparty+month:suspected  one candidate each way within ±10 days     -> suspected
  …:ambiguous          more than one equally good candidate                -> ambiguous (never linked)
  rest:twin            unpaired, while a paired ledger invoice has the same counterparty, date and
                       total: the same invoice entered twice under another number -> duplicate_in_ledger
  rest:missing_in_bureau / rest:pending_sync / rest:missing_in_ledger

The export's scope (scope()) is the 开票日期 range its title rows say it was asked for, else from the
first month of its invoices, and never past its as-of day. A ledger invoice dated inside the scope that
the bureau lacks is missing_in_bureau or pending_sync by the sync lag, however close to the as-of it
was issued. One dated outside may still pair, but left alone it gives no result (the bureau was not
asked about it, or it was issued after the export was taken); left_out() counts those."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from operator import attrgetter

from invoices.fapiao import TinKind, check_tin, one_edit_apart
from reconcile.records import InvoiceRecord, Result

BLOCK_CAP = 50
SUSPECT_DAYS = 10
LEGAL_RATES = (Decimal("0.13"), Decimal("0.09"), Decimal("0.06"), Decimal("0.05"), Decimal("0.03"),
               Decimal("0.01"), Decimal("0.015"), Decimal("0.02"), Decimal("0"))  # fmt: skip
CENT = Decimal("0.01")
POWERS_OF_TEN = {Decimal(10) ** k for k in range(-4, 5) if k}
FIELDS = ("seller_tin", "buyer_tin", "issue_date", "amount", "tax", "total")
TINS = ("seller_tin", "buyer_tin")
SUSPECT_FIELDS = ("code", "number", "issue_date", "amount", "tax", "total")


def scope(*, first_issued: date, as_of: date, asked: tuple[date, date] | None = None) -> tuple[date, date]:
    """The issue dates an export speaks for: the range it was asked for when its title says so, else
    from the first of the month of its earliest invoice (exports are asked for by month) to its as-of
    day; never past the as-of day, since nothing issued later can be in it."""
    start, end = asked or (first_issued.replace(day=1), as_of)
    return start, min(end, as_of)


def left_out(
    ledger: Iterable[InvoiceRecord], results: Iterable[Result], period: tuple[date, date]
) -> tuple[int, int]:
    """How many ledger records reconcile() gave no result, being dated before the period and after it
    (after it only, when an as-of before the range asked for leaves the period empty)."""
    concluded = {result.ledger_key for result in results}
    dates = [record.issue_date for record in ledger if record.key not in concluded]
    start, end = period
    return sum(day < start and day <= end for day in dates), sum(day > end for day in dates)


def _order(records: Iterable[InvoiceRecord]) -> list[InvoiceRecord]:
    return sorted(records, key=lambda record: (len(record.key), record.key))


_field_values = attrgetter(*FIELDS)
_COMPARED = (*FIELDS, "status")
_compared_values = attrgetter(*_COMPARED)


def _compared(ledger: InvoiceRecord, bureau: InvoiceRecord) -> dict[str, tuple[str, str]]:
    return dict(
        zip(
            _COMPARED,
            zip(map(str, _compared_values(ledger)), map(str, _compared_values(bureau)), strict=True),
            strict=True,
        )
    )


def _status_flag(status: str) -> str:
    return "voided" if status == "voided" else "red_flushed"


def tin_typo(ours: str, theirs: str) -> bool:
    """A taxpayer ID entered wrongly: one character or one transposition off, cut short, or two
    characters off and failing its check character where the other passes."""
    if not ours or not theirs:
        return False
    if one_edit_apart(ours, theirs) or theirs.startswith(ours) or ours.startswith(theirs):
        return True
    return (
        len(ours) == len(theirs)
        and sum(a != b for a, b in zip(ours, theirs, strict=True)) <= 2
        and check_tin(ours).kind is TinKind.USCC_BAD_CHECK
        and check_tin(theirs).kind is TinKind.USCC
    )


def _shifted(ours: Decimal, theirs: Decimal) -> bool:
    """One is the other times a power of ten, to the cent of the larger: a decimal point typed in
    the wrong place (335.76 as 3357.6, or as 3357.64 when a digit followed)."""
    if not ours or not theirs:
        return False
    return any(abs(ours - theirs * power) <= CENT * max(power, 1) for power in POWERS_OF_TEN)


def _bureau_values(ours: InvoiceRecord, theirs: InvoiceRecord, names: Sequence[str]) -> dict[str, str]:
    """The bureau's values of the fields that differ: what accepting them would write."""
    return {
        name: str(getattr(theirs, name)) for name in names if getattr(ours, name) != getattr(theirs, name)
    }


def nearest_rate(amount: Decimal, tax: Decimal) -> Decimal | None:
    """The legal VAT rate closest to tax / amount."""
    if not amount:
        return None
    return min(LEGAL_RATES, key=lambda rate: abs(tax - amount * rate))


def _diagnoses(ledger: InvoiceRecord, bureau: InvoiceRecord, period, tolerance: Decimal) -> list[str]:
    flags, unshifted = [], {}
    for name in ("amount", "tax", "total"):
        ours, theirs = getattr(ledger, name), getattr(bureau, name)
        unshifted[name] = ours
        if ours == theirs:
            continue
        flags.append(name)
        if _shifted(ours, theirs):
            flags.append("decimal_shift")
            unshifted[name] = theirs  # the typing slip explains this field, not the rate
        elif abs(ours - theirs) <= tolerance:
            flags.append("rounding")
    # The rate differs when the ledger's amount and tax, a shifted decimal point put right, still
    # stand at another legal rate than the bureau's.
    if (ledger.tax != bureau.tax or ledger.amount != bureau.amount) and nearest_rate(
        unshifted["amount"], unshifted["tax"]
    ) != nearest_rate(bureau.amount, bureau.tax):
        flags.append("rate")
    if ledger.issue_date != bureau.issue_date:
        flags.append("date")
        months = (ledger.issue_date.year, ledger.issue_date.month) != (
            bureau.issue_date.year,
            bureau.issue_date.month,
        )
        outside = period is not None and not (period[0] <= ledger.issue_date <= period[1])
        if months or outside:
            flags.append("cross_period")
    flags += [name for name in TINS if getattr(ledger, name) != getattr(bureau, name)]
    return list(dict.fromkeys(flags))


class _Matcher:
    def __init__(self, ledger, bureau, *, direction, company_tin, as_of, sync_lag_days, period, tolerance):
        self.direction, self.company_tin, self.as_of = direction, company_tin, as_of
        self.sync_lag_days, self.period, self.tolerance = sync_lag_days, period, tolerance
        self.results: list[Result] = []
        self.ledger = self._unique(_order(ledger), "duplicate_in_ledger", ledger_side=True)
        self.bureau = self._unique(_order(bureau), "duplicate_in_bureau", ledger_side=False)
        self.paired_ledger: set[str] = set()
        self.paired_bureau: set[str] = set()
        self.undecided: set[str] = set()  # ledger records found ambiguous: out of the search, still rivals
        self.reds = {False: self._reds(self.bureau, {})}
        # A hand-kept ledger often has no 备注 to say which blue invoice a red one flushes: its red
        # invoice is then taken to flush the one the bureau's record of the same red invoice names.
        named_by_bureau = {red.identity: blue for blue, reds in self.reds[False].items() for red in reds}
        self.reds[True] = self._reds(self.ledger, named_by_bureau)

    def _unique(self, records, category, *, ledger_side) -> list[InvoiceRecord]:
        seen: dict[str, InvoiceRecord] = {}
        kept = []
        for record in records:
            first = seen.get(record.identity)
            if first is None:
                seen[record.identity] = record
                kept.append(record)
                continue
            keys = (record.key, None) if ledger_side else (None, record.key)
            self.results.append(Result(category, *keys, rule="duplicate", candidates=(first.key,)))
        return kept

    @staticmethod
    def _reds(records, named_elsewhere: dict[str, str]) -> dict[str, list[InvoiceRecord]]:
        reds = defaultdict(list)
        for record in records:
            blue = record.blue_identity or named_elsewhere.get(record.identity, "")
            if record.is_red and blue:
                reds[blue].append(record)
        return reds

    def _pair(self, category, ledger, bureau, rule, flags=(), suggestion=None, *, compare=True) -> None:
        self.paired_ledger.add(ledger.key)
        self.paired_bureau.add(bureau.key)
        self.results.append(
            Result(
                category,
                ledger.key,
                bureau.key,
                tuple(flags),
                suggestion or {},
                rule,
                _compared(ledger, bureau) if compare else {},
            )
        )

    def _free(self, records, paired) -> list[InvoiceRecord]:
        return [record for record in records if record.key not in paired]

    # pass 1-2: the same identity
    def by_identity(self) -> None:
        bureau = {record.identity: record for record in self.bureau}
        for ledger in self.ledger:
            theirs = bureau.get(ledger.identity)
            if theirs is not None:
                self._judge_pair(ledger, theirs)

    def _net_differs(self, ledger: InvoiceRecord, bureau: InvoiceRecord) -> bool:
        if ledger.identity not in self.reds[True] and bureau.identity not in self.reds[False]:
            return False
        ours = ledger.total + sum((red.total for red in self.reds[True].get(ledger.identity, ())), Decimal(0))
        theirs = bureau.total + sum(
            (red.total for red in self.reds[False].get(bureau.identity, ())), Decimal(0)
        )
        has_reds = self.reds[True].get(ledger.identity) or self.reds[False].get(bureau.identity)
        return bool(has_reds) and ours != theirs

    def _judge_pair(self, ledger: InvoiceRecord, bureau: InvoiceRecord) -> None:
        differing = (
            []
            if _field_values(ledger) == _field_values(bureau)
            else [name for name in FIELDS if getattr(ledger, name) != getattr(bureau, name)]
        )
        net = ["net_differs"] if self._net_differs(ledger, bureau) else []
        status = [_status_flag(bureau.status)] if bureau.status != ledger.status else []
        if not differing:
            if status or net:
                self._pair(
                    "status_changed",
                    ledger,
                    bureau,
                    "identity:status",
                    status + net,
                    {"status": bureau.status} if status else {},
                )
            else:
                self._pair("matched", ledger, bureau, "identity:equal", compare=False)
            return
        suggestion = _bureau_values(ledger, bureau, differing)
        if status:
            suggestion["status"] = bureau.status
        if all(name in TINS and tin_typo(getattr(ledger, name), getattr(bureau, name)) for name in differing):
            self._pair("tin_error", ledger, bureau, "identity:tin", differing + status + net, suggestion)
            return
        flags = _diagnoses(ledger, bureau, self.period, self.tolerance) + status + net
        self._pair("mismatch", ledger, bureau, "identity:fields", flags, suggestion)

    # pass 3-5: blocked searches among what is left
    def _index(self, records, key) -> dict[tuple, list[InvoiceRecord]]:
        index = defaultdict(list)
        for record in records:
            index[key(record)].append(record)
        return index

    def _search(self, key, fits, category, rule, suggest) -> None:
        ledger = self._free(self.ledger, self.paired_ledger)
        index = self._index(self._free(self.bureau, self.paired_bureau), key)
        for record in ledger:
            block = index.get(key(record), ())
            if not block or len(block) > BLOCK_CAP:
                continue
            candidates = [
                other for other in block if other.key not in self.paired_bureau and fits(record, other)
            ]
            if len(candidates) == 1:
                self._pair(category, record, candidates[0], rule, *suggest(record, candidates[0]))
            elif len(candidates) > 1:
                self._ambiguous(record, candidates, rule)

    def _ambiguous(self, record: InvoiceRecord, candidates: list[InvoiceRecord], rule: str) -> None:
        self.paired_ledger.add(record.key)
        self.undecided.add(record.key)
        keys = tuple(candidate.key for candidate in candidates)
        self.results.append(Result("ambiguous", record.key, None, rule=f"{rule}:ambiguous", candidates=keys))

    def _counterparty(self, record: InvoiceRecord) -> str:
        return record.counterparty_tin(self.direction)

    def number_typos(self) -> None:
        def fits(ours: InvoiceRecord, theirs: InvoiceRecord) -> bool:
            if ours.code != theirs.code and not one_edit_apart(ours.code, theirs.code):
                return False
            same_code = ours.code == theirs.code
            return (
                (ours.number != theirs.number and one_edit_apart(ours.number, theirs.number))
                if same_code
                else (ours.number == theirs.number)
            )

        def suggest(ours, theirs):
            changed = {
                name: getattr(theirs, name)
                for name in ("code", "number")
                if getattr(ours, name) != getattr(theirs, name)
            }
            return ("number" if "number" in changed else "code",), changed

        self._search(
            lambda record: (self._counterparty(record), record.total),
            fits,
            "number_typo",
            "counterparty+total:number",
            suggest,
        )

    def tin_errors(self) -> None:
        def fits(ours: InvoiceRecord, theirs: InvoiceRecord) -> bool:
            differing = [name for name in TINS if getattr(ours, name) != getattr(theirs, name)]
            return bool(differing) and all(
                tin_typo(getattr(ours, name), getattr(theirs, name)) for name in differing
            )

        def suggest(ours, theirs):
            differing = [name for name in TINS if getattr(ours, name) != getattr(theirs, name)]
            return tuple(differing), {name: getattr(theirs, name) for name in differing}

        self._search(
            lambda record: (record.number, record.total), fits, "tin_error", "number+total:tin", suggest
        )

    def suspects(self) -> None:
        ledger = self._free(self.ledger, self.paired_ledger)
        bureau = self._free(self.bureau, self.paired_bureau)

        def key(record):
            return self._counterparty(record), record.issue_date.year, record.issue_date.month

        def near(first: InvoiceRecord, second: InvoiceRecord) -> bool:
            return (
                abs(first.total - second.total) <= self.tolerance
                and abs((first.issue_date - second.issue_date).days) <= SUSPECT_DAYS
            )

        by_bureau, by_ledger = self._index(bureau, key), self._index(ledger, key)
        for record in ledger:
            block = by_bureau.get(key(record), ())
            if not block or len(block) > BLOCK_CAP:
                continue
            candidates = [
                other for other in block if other.key not in self.paired_bureau and near(record, other)
            ]
            if len(candidates) > 1:
                self._ambiguous(record, candidates, "counterparty+month")
            elif len(candidates) == 1:
                rivals = [
                    mine
                    for mine in by_ledger.get(key(record), ())
                    if near(mine, candidates[0])
                    and (mine.key not in self.paired_ledger or mine.key in self.undecided)
                ]
                if len(rivals) == 1:
                    self._pair(
                        "suspected",
                        record,
                        candidates[0],
                        "counterparty+month:suspected",
                        ("suspected_pair",),
                        _bureau_values(record, candidates[0], SUSPECT_FIELDS),
                    )
                else:
                    self._ambiguous(record, candidates, "counterparty+month")

    def _twin_key(self, record: InvoiceRecord) -> tuple:
        return self._counterparty(record), record.issue_date, record.total

    def _in_scope(self, day: date) -> bool:
        return day <= self.as_of and (self.period is None or self.period[0] <= day <= self.period[1])

    def rest(self) -> None:
        twins = {
            self._twin_key(record): record.key for record in self.ledger if record.key in self.paired_ledger
        }
        for record in self._free(self.ledger, self.paired_ledger):
            twin = twins.get(self._twin_key(record))
            if twin is not None:
                self.results.append(
                    Result("duplicate_in_ledger", record.key, None, rule="rest:twin", candidates=(twin,))
                )
                continue
            if not self._in_scope(record.issue_date):
                continue
            days = (self.as_of - record.issue_date).days
            category = "missing_in_bureau" if days > self.sync_lag_days else "pending_sync"
            flags = ("not_issued_to_company",) if record.own_tin(self.direction) != self.company_tin else ()
            self.results.append(
                Result(category, record.key, None, flags, rule=f"rest:{category}", days_missing=days)
            )
        for record in self._free(self.bureau, self.paired_bureau):
            self.results.append(Result("missing_in_ledger", None, record.key, rule="rest:missing_in_ledger"))


def reconcile(
    ledger: Sequence[InvoiceRecord],
    bureau: Sequence[InvoiceRecord],
    *,
    direction: str,
    company_tin: str,
    as_of: date,
    sync_lag_days: int = 3,
    period: tuple[date, date] | None = None,
    tolerance: Decimal = Decimal("0.06"),
) -> list[Result]:
    """Every record of both sides in exactly one Result (a record already linked as an ambiguous
    ledger record's candidate may also stand alone as missing_in_ledger)."""
    matcher = _Matcher(
        ledger,
        bureau,
        direction=direction,
        company_tin=company_tin,
        as_of=as_of,
        sync_lag_days=sync_lag_days,
        period=period,
        tolerance=tolerance,
    )
    matcher.by_identity()
    matcher.number_typos()
    matcher.tin_errors()
    matcher.suspects()
    matcher.rest()
    return matcher.results
