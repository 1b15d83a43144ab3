"""How long an invoice has been missing from the bureau's data, in the one set of age buckets the
run page, the dashboard's chart and the ledger's filter all use. Pure: no Django. The age is the
run's days_missing: days from issue to the moment the bureau's export was taken."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Bucket:
    key: str  # as a query parameter: "8-15", "181-"
    label: str  # as a chart writes it: "8–15", ">180"
    low: int
    high: int | None  # None: no end

    def holds(self, days: int) -> bool:
        return days >= self.low and (self.high is None or days <= self.high)


MISSING_BUCKETS = tuple(
    Bucket(f"{low}-{'' if high is None else high}", label, low, high)
    for label, low, high in (
        ("0–7", 0, 7), ("8–15", 8, 15), ("16–30", 16, 30), ("31–60", 31, 60),
        ("61–90", 61, 90), ("91–180", 91, 180), (">180", 181, None),
    )
)  # fmt: skip
BY_KEY = {bucket.key: bucket for bucket in MISSING_BUCKETS}


def bucket_of(days: int) -> Bucket:
    """The bucket of an age; a negative age (an invoice dated after the export) counts as 0."""
    return next(bucket for bucket in MISSING_BUCKETS if bucket.holds(max(days, 0)))


def bucket_counts(ages: Iterable[tuple[int, int]]) -> list[int]:
    """How many fall in each bucket, from (days, how many) pairs."""
    counts = dict.fromkeys(MISSING_BUCKETS, 0)
    for days, count in ages:
        counts[bucket_of(days)] += count
    return list(counts.values())
