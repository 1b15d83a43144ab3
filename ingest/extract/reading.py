"""A value read from OCR text, with how sure the reading is. Pure: no Django.

The box's score says how sure the engine was of the characters; the factor says how much the rules
back the value (a repair they prove, a check that could not be made); a doubt says, for the
reviewer, which check failed."""

from dataclasses import dataclass, replace

from ingest.extract.base import Doubt

REPAIRED = 0.9  # confidence factor: a value changed by a repair the rules prove
UNCONFIRMED = 0.7  # confidence factor: a value no check confirms, or derived from two others
UNPROVEN = 0.6  # confidence factor: a TIN whose check character fails even after repairs


@dataclass(frozen=True)
class Reading:
    value: str
    confidence: float
    factor: float = 1.0  # REPAIRED, UNCONFIRMED or UNPROVEN when the value is less than sure
    doubt: Doubt | None = None

    @property
    def score(self) -> float:
        return self.confidence * self.factor

    def doubted(self, code: str, factor: float = UNCONFIRMED, **params: str) -> "Reading":
        """This reading, less sure by `factor`, with the reason for the reviewer."""
        return replace(self, factor=self.factor * factor, doubt=Doubt(code, tuple(sorted(params.items()))))
