"""Where printed text sits on a page: characters grouped into words and rows by their boxes. Pure: no Django.

Shared by the readers of page text (a PDF's text layer, an OFD's TextObjects): each turns its page
into Glyphs, boxes in one unit with y growing upwards, and nothing after that depends on the order
the characters were drawn in. Real files defeat reading order: some print every label first and
every value after, some put a space between all glyphs, some draw a title's glyphs out of order.
"""

import unicodedata
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from invoices.lookalikes import unify_lookalikes

# Distances in units of the glyph height (about one em).
RUN_GAP = 2.2  # glyphs drawn one after another this far apart still form a word (letter-spaced: 1.9)
TOUCH_GAP = 0.3  # glyphs of different runs this close form one word (a title drawn glyph by glyph)
COLUMN_BREAK = 0.5  # a gap this much wider than a word's usual gap separates two table cells
SAME_LINE = 0.35  # the least vertical overlap, as a share of the smaller height, of two boxes on one line


@dataclass(frozen=True, slots=True)
class Glyph:
    text: str  # the character as labels are matched: half-width (NFKC) when that is one character
    printed: str  # the character as printed; a radical look-alike (⽅, ⻓) is the character it shows
    x0: float
    y0: float
    x1: float
    y1: float
    order: int  # position among the printed characters of the page, as drawn
    spaced: bool  # a real (not generated) space was drawn before it

    @classmethod
    def drawn(cls, char: str, box: tuple[float, float, float, float], order: int, spaced: bool) -> "Glyph":
        """A printed character and its box (x0, y0, x1, y1). Fonts of some platforms map glyphs to
        radical code points (购买⽅, ⻓ for 长): those are taken for the characters they show."""
        printed = unify_lookalikes(char)
        normal = unicodedata.normalize("NFKC", printed)
        return cls(normal if len(normal) == 1 else printed, printed, *box, order, spaced)

    @property
    def height(self) -> float:
        return self.y1 - self.y0


class Box:
    """A rectangle on the page (PDF points, OFD millimetres), y growing upwards."""

    __slots__ = ("x0", "x1", "y0", "y1")

    def __init__(self, x0: float, y0: float, x1: float, y1: float):
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def centre_x(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def centre_y(self) -> float:
        return (self.y0 + self.y1) / 2


def bounds(glyphs: list[Glyph]) -> Box:
    return Box(
        min(glyph.x0 for glyph in glyphs),
        min(glyph.y0 for glyph in glyphs),
        max(glyph.x1 for glyph in glyphs),
        max(glyph.y1 for glyph in glyphs),
    )


def line_overlap(a: Glyph | Box, b: Glyph | Box) -> float:
    """How much two boxes overlap vertically, as a share of the smaller height."""
    return (min(a.y1, b.y1) - max(a.y0, b.y0)) / min(a.height, b.height)


def same_line(a: Glyph | Box, b: Glyph | Box) -> bool:
    """Boxes overlapping vertically by a third of the smaller height: a label and a value printed
    in different sizes or on different baselines (one file lifts its values by half a line) still
    share a line, while the next line, a full line height away, does not."""
    return line_overlap(a, b) >= SAME_LINE


class Word(Box):
    """Glyphs printed as one piece of text, left to right. `text` is normalised for matching and
    `printed` is as printed, character for character; `owners` gives each character's glyph (None
    for a space put back between two glyphs)."""

    __slots__ = ("glyphs", "owners", "printed", "text")

    def __init__(self, glyphs: list[Glyph]):
        self.glyphs = sorted(glyphs, key=lambda glyph: glyph.x0)
        box = bounds(self.glyphs)
        super().__init__(box.x0, box.y0, box.x1, box.y1)
        self.owners: list[Glyph | None] = []
        for previous, glyph in zip([None, *self.glyphs], self.glyphs, strict=False):
            # A real space between two glyphs of the same text run is part of the text ("ABC Ltd").
            if previous is not None and glyph.spaced and glyph.order == previous.order + 1:
                self.owners.append(None)
            self.owners.append(glyph)
        self.text = "".join(" " if owner is None else owner.text for owner in self.owners)
        self.printed = "".join(" " if owner is None else owner.printed for owner in self.owners)


def _runs(glyphs: list[Glyph]) -> Iterator[list[Glyph]]:
    """Stretches of glyphs drawn one after another on one line, left to right, without a big jump."""
    run: list[Glyph] = []
    for glyph in glyphs:
        if run and not _continues(run[-1], glyph):
            yield run
            run = []
        run.append(glyph)
    if run:
        yield run


def _continues(previous: Glyph, glyph: Glyph) -> bool:
    size = max(previous.height, glyph.height)
    gap = glyph.x0 - previous.x1
    return same_line(previous, glyph) and -0.5 * size <= gap <= RUN_GAP * size


def _cells(run: list[Glyph]) -> Iterator[list[Glyph]]:
    """A run cut where a gap is clearly wider than the run's usual spacing: one text object can
    hold several table cells ("50.18 13%"), while letter-spaced text keeps a wide but even pitch."""
    glyphs = sorted(run, key=lambda glyph: glyph.x0)
    gaps = [b.x0 - a.x1 for a, b in pairwise(glyphs)]
    usual = median(gaps) if len(gaps) > 1 else float("inf")
    cell = [glyphs[0]]
    for gap, glyph in zip(gaps, glyphs[1:], strict=True):
        size = max(cell[-1].height, glyph.height)
        if gap > usual + COLUMN_BREAK * size and gap > TOUCH_GAP * size:
            yield cell
            cell = []
        cell.append(glyph)
    yield cell


def words(glyphs: list[Glyph]) -> list[Word]:
    """Cells that touch (or overlap) on one line become one word, whatever their stream order."""
    pieces = sorted(
        (cell for run in _runs(glyphs) for cell in _cells(run)), key=lambda cell: min(g.x0 for g in cell)
    )
    merged: list[tuple[Box, list[Glyph]]] = []
    reachable: list[tuple[Box, list[Glyph]]] = []
    for piece in pieces:
        box = bounds(piece)
        reachable = [entry for entry in reachable if entry[0].x1 + TOUCH_GAP * entry[0].height >= box.x0]
        target = next((entry for entry in reachable if _touches(entry[0], box)), None)
        if target is None:
            target = (box, [])
            merged.append(target)
            reachable.append(target)
        else:
            target[0].x1 = max(target[0].x1, box.x1)
            target[0].y0, target[0].y1 = min(target[0].y0, box.y0), max(target[0].y1, box.y1)
        target[1].extend(piece)
    return [Word(glyphs) for _, glyphs in merged]


def _touches(left: Box, right: Box) -> bool:
    return same_line(left, right) and right.x0 - left.x1 <= TOUCH_GAP * max(left.height, right.height)


def _stacked(group: list[Word], word: Word) -> bool:
    return any(min(other.x1, word.x1) - max(other.x0, word.x0) > TOUCH_GAP * word.height for other in group)


class Row:
    """Words on one line, left to right, their texts joined by single spaces (`text` to match,
    `printed` to read values from, offset for offset)."""

    def __init__(self, words: list[Word]):
        self.anchor = words[0]
        self.words = sorted(words, key=lambda word: word.x0)
        self.text = " ".join(word.text for word in self.words)
        self.printed = " ".join(word.printed for word in self.words)
        self.word_at: list[int] = []
        self.word_ends: list[int] = []
        self.owners: list[Glyph | None] = []
        for index, word in enumerate(self.words):
            if index:
                self.word_at.append(index - 1)
                self.owners.append(None)
            self.word_at.extend([index] * len(word.text))
            self.owners.extend(word.owners)
            self.word_ends.append(len(self.word_at))


def rows(words: list[Word]) -> list[Row]:
    """Words grouped into lines, top line first. The longest words found the lines and each
    shorter word joins the line it overlaps most: a glyph of a vertical 购买方 mark, half a line
    off, then cannot pull the line's label and value apart. A line never holds two words one above
    the other, so a tall title cannot join the two short lines beside it."""
    reach = max((word.height for word in words), default=0.0)
    groups: list[list[Word]] = []
    by_height: list[tuple[float, int]] = []  # (anchor centre, group index), sorted: try only nearby lines
    for word in sorted(words, key=lambda word: -len(word.text)):
        low = bisect_left(by_height, (word.centre_y - reach, -1))
        high = bisect_right(by_height, (word.centre_y + reach, len(groups)))
        nearby = (groups[index] for _, index in by_height[low:high])
        fitting = [group for group in nearby if same_line(group[0], word) and not _stacked(group, word)]
        if fitting:
            max(fitting, key=lambda group: line_overlap(group[0], word)).append(word)
        else:
            insort(by_height, (word.centre_y, len(groups)))
            groups.append([word])
    return sorted((Row(group) for group in groups), key=lambda row: -row.anchor.centre_y)
