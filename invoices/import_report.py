"""What a ledger import did with each row of its file, and the summary its result page shows:
how many rows went in, why the others did not (grouped by reason, with their row numbers)."""

from collections import Counter
from dataclasses import dataclass, field

from invoices.fapiao import Kind

SHOWN_REFUSALS = 100  # refused rows listed on the page; the download holds them all
SHOWN_NOTES = 10


@dataclass(frozen=True)
class Reason:
    key: str  # what groups refusals: a problem code with its column, "duplicate", …
    label: str  # the reason as the group's heading
    message: str  # the reason as it applies to this row


@dataclass
class RowOutcome:
    row: int
    identity: str  # the number the row carries, as read (also when it was refused)
    added: bool
    reasons: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was read otherwise than the row said
    invoice_id: int | None = None
    kind: str = ""
    errors: int = 0
    warnings: int = 0

    @property
    def messages(self) -> list[str]:
        return [reason.message for reason in self.reasons]


@dataclass(frozen=True)
class ReasonGroup:
    label: str
    count: int
    rows: tuple[int, ...]


@dataclass
class ImportReport:
    format: str
    sheet: str
    ignored_columns: tuple[str, ...]
    rows: list[RowOutcome]  # one per row that holds an invoice, refused or not
    summary_rows: tuple[int, ...] = ()  # 合计/小计 rows, skipped: they hold no invoice
    blank_rows: int = 0
    import_id: int | None = None  # the LedgerImport, whose refused rows can be downloaded

    @property
    def added(self) -> int:
        return sum(outcome.added for outcome in self.rows)

    @property
    def skipped(self) -> int:
        return len(self.rows) - self.added

    @property
    def refused_rows(self) -> list[RowOutcome]:
        return [outcome for outcome in self.rows if not outcome.added]

    @property
    def shown_refusals(self) -> list[RowOutcome]:
        return self.refused_rows[:SHOWN_REFUSALS]

    @property
    def groups(self) -> list[ReasonGroup]:
        """Each reason with how many rows it refused, the most common first; a row refused for
        two reasons counts in both."""
        labels, rows = {}, {}
        counts: Counter = Counter()
        for outcome in self.refused_rows:
            for reason in {reason.key: reason for reason in outcome.reasons}.values():
                labels.setdefault(reason.key, reason.label)
                rows.setdefault(reason.key, []).append(outcome.row)
                counts[reason.key] += 1
        return [ReasonGroup(labels[key], count, tuple(rows[key])) for key, count in counts.most_common()]

    @property
    def kind_to_confirm(self) -> int:
        """Imported 数电 invoices whose 专票/普票 is not known yet."""
        return sum(outcome.added and outcome.kind == Kind.DIGITAL_UNKNOWN for outcome in self.rows)

    @property
    def noted_rows(self) -> list[RowOutcome]:
        return [outcome for outcome in self.rows if outcome.added and outcome.notes]

    @property
    def with_notes(self) -> int:
        return len(self.noted_rows)

    @property
    def shown_notes(self) -> list[RowOutcome]:
        return self.noted_rows[:SHOWN_NOTES]

    @property
    def level(self) -> str:
        """ "ok" when every row went in, "warn" when some did not, "bad" when most did not."""
        if not self.skipped:
            return "ok"
        return "bad" if self.skipped * 2 > len(self.rows) else "warn"
