"""OCR text boxes as the field readers match them: the text normalised (NFKC, radical look-alikes,
letter-spaced runs closed up) and where each box sits relative to another. Pure: no Django."""

import re
import unicodedata
from dataclasses import dataclass

from ingest.extract.engines import TextBox
from invoices.lookalikes import unify_lookalikes


@dataclass(frozen=True)
class OcrText:
    """A box's text normalised for matching: half-width (NFKC), and `compact` without whitespace."""

    spaced: str
    compact: str
    confidence: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


_LETTER_SPACED_RE = re.compile(r"(?<!\S)\S(?: \S){3,}(?!\S)")


def ocr_text(box: TextBox) -> OcrText:
    spaced = " ".join(unicodedata.normalize("NFKC", unify_lookalikes(box.text)).split())
    # Some PDFs print every character apart ("2 1 5 0 . 6 3"); OCR keeps the gaps as spaces.
    spaced = _LETTER_SPACED_RE.sub(lambda match: match.group().replace(" ", ""), spaced)
    return OcrText(spaced, "".join(spaced.split()), box.confidence, *box.box)


def label_pattern(*words: str) -> re.Pattern[str]:
    """A label in spaced text: any whitespace between its characters, and an optional colon after."""
    alternatives = "|".join(r"\s*".join(map(re.escape, word)) for word in words)
    return re.compile(rf"(?:{alternatives})\s*:?\s*")


def same_row(a: OcrText, b: OcrText) -> bool:
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap >= 0.5 * min(a.height, b.height)


def right_of(label: OcrText, texts: list[OcrText], *, max_gap: float) -> list[OcrText]:
    """The boxes after `label` on its row, nearest first, up to the first gap wider than max_gap
    heights."""
    after = label.x1 - label.height
    row = sorted(
        (text for text in texts if text is not label and same_row(label, text) and text.x0 >= after),
        key=lambda text: text.x0,
    )
    chain, edge = [], label.x1
    for text in row:
        if text.x0 - edge > max_gap * label.height:
            break
        chain.append(text)
        edge = text.x1
    return chain


def below(label: OcrText, texts: list[OcrText]) -> list[OcrText]:
    """The boxes just under `label` and starting within its width."""
    return sorted(
        (
            text
            for text in texts
            if 0 <= text.y0 - label.y1 + label.height / 2 < 2 * label.height
            and label.x0 - label.height <= text.x0 <= label.x1 + label.height
        ),
        key=lambda text: text.y0,
    )
