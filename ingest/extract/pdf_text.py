"""The text layer of a PDF e-invoice, read from where each character sits on the page. Pure: no Django.

Implements, for PDF files, RULES.md §1 (identifier formats; labels matched on half-width text, ids
and amounts without spaces, names left as printed as base.py asks), §5 (the kind, from the 发票代码
when there is one, else from the printed title) and §6 (amounts as two-place Decimal text; the 大写
kept only when it reads as an amount; a 免税 tax printed as *** is 0).

Real files defeat reading order: some print every label first and every value after, some put a
space between all glyphs, some draw a title's glyphs out of order. So nothing here trusts the order
of the text. Characters are grouped into words and rows by their boxes, each label (名称,
纳税人识别号, 发票号码, 价税合计 …) takes the value nearest to its right on its row (or just below it),
buyer and seller are told apart by the 购买方/销售方 marks beside their blocks, and line cells are
placed under the table's column headings.

One invoice per page, unless a page shows no invoice number of its own (a 销货清单, the second page
of a long line list) or repeats the number of the invoice before it: then it continues that invoice,
its lines appended and its fields filling what the earlier pages lacked.
"""

import re
import unicodedata
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from statistics import median

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.extract.base import LINE_FIELD_NAMES, ExtractError, Extraction
from invoices.fapiao import (
    FapiaoParseError,
    Kind,
    is_check_code,
    is_digital_number,
    is_legacy_code,
    is_legacy_number,
    kind_from_bureau_text,
    kind_from_invoice_code,
    normalize_id,
    normalize_text,
    parse_amount,
    words_to_decimal,
)

SOURCE = "pdf_text"
PATTERN_ONLY = 0.8  # the confidence of a field known by its shape alone; one read beside its label has 1.0

# Distances in units of the glyph height (about one em).
RUN_GAP = 2.2  # glyphs in a row of the content stream this far apart still form a word (letter-spaced: 1.9)
TOUCH_GAP = 0.3  # glyphs of different runs this close form one word (a title drawn glyph by glyph)
COLUMN_BREAK = 0.5  # a gap this much wider than a word's usual gap separates two table cells
SAME_LINE = 0.35  # the least vertical overlap, as a share of the smaller height, of two boxes on one line
BELOW_REACH = 2.5  # a value printed under its label starts within this distance
MAX_PAGE_CHARS = 20_000  # an invoice page has a few thousand; a page with more is not one (a map, a drawing)
PDF_HEAD_WINDOW = 1024  # readers accept junk before %PDF- and after %%EOF within about this much
PDF_TAIL_WINDOW = 2048


@dataclass(frozen=True, slots=True)
class Glyph:
    text: str  # the NFKC form of the character when that is one character, else the character itself
    printed: str  # the character as printed
    x0: float
    y0: float
    x1: float
    y1: float
    order: int  # position among the printed characters of the content stream
    spaced: bool  # a real (not generated) space stood before it in the content stream

    @property
    def height(self) -> float:
        return self.y1 - self.y0


class Box:
    """A rectangle in page points, y growing upwards."""

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


def _bounds(glyphs: list[Glyph]) -> Box:
    return Box(
        min(glyph.x0 for glyph in glyphs),
        min(glyph.y0 for glyph in glyphs),
        max(glyph.x1 for glyph in glyphs),
        max(glyph.y1 for glyph in glyphs),
    )


def _line_overlap(a: Glyph | Box, b: Glyph | Box) -> float:
    """How much two boxes overlap vertically, as a share of the smaller height."""
    return (min(a.y1, b.y1) - max(a.y0, b.y0)) / min(a.height, b.height)


def _same_line(a: Glyph | Box, b: Glyph | Box) -> bool:
    """Boxes overlapping vertically by a third of the smaller height: a label and a value printed
    in different sizes or on different baselines (one file lifts its values by half a line) still
    share a line, while the next line, a full line height away, does not."""
    return _line_overlap(a, b) >= SAME_LINE


class Word(Box):
    """Glyphs printed as one piece of text, left to right. `text` is normalised for matching and
    `printed` is as printed, character for character; `owners` gives each character's glyph (None
    for a space put back between two glyphs)."""

    __slots__ = ("glyphs", "owners", "printed", "text")

    def __init__(self, glyphs: list[Glyph]):
        self.glyphs = sorted(glyphs, key=lambda glyph: glyph.x0)
        box = _bounds(self.glyphs)
        super().__init__(box.x0, box.y0, box.x1, box.y1)
        self.owners: list[Glyph | None] = []
        for previous, glyph in zip([None, *self.glyphs], self.glyphs, strict=False):
            # A real space between two glyphs of the same text run is part of the text ("ABC Ltd").
            if previous is not None and glyph.spaced and glyph.order == previous.order + 1:
                self.owners.append(None)
            self.owners.append(glyph)
        self.text = "".join(" " if owner is None else owner.text for owner in self.owners)
        self.printed = "".join(" " if owner is None else owner.printed for owner in self.owners)


# Reading the page.


def _page_glyphs(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[Glyph]:
    """The printed characters in content-stream order, with their loose boxes (the font's full
    height, so that glyphs of one line line up whatever their shape), as the page is shown."""
    upright = _upright(page)
    box = pdfium_c.FS_RECTF()
    glyphs: list[Glyph] = []
    spaced = False
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count > MAX_PAGE_CHARS:
        return []
    for index in range(count):
        char = _char(pdfium_c.FPDFText_GetUnicode(textpage, index))
        if char.isspace():
            spaced = spaced or not pdfium_c.FPDFText_IsGenerated(textpage, index)
            continue
        if not char or not char.isprintable():
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(textpage, index, box):
            continue
        x0, y0, x1, y1 = upright(box.left, box.bottom, box.right, box.top)
        if not y1 > y0:  # a glyph of no height (or a box of NaNs) has no line to belong to
            continue
        normal = unicodedata.normalize("NFKC", char)
        text = normal if len(normal) == 1 else char
        glyphs.append(Glyph(text, char, x0, y0, x1, y1, len(glyphs), spaced))
        spaced = False
    return glyphs


def _upright(page: pdfium.PdfPage):
    """Turns a box from the page's own coordinates into those of the page as shown: a page with
    /Rotate 90 holds a landscape invoice whose text runs up the unrotated page."""
    left, bottom, right, top = page.get_cropbox()
    rotation = page.get_rotation()
    if rotation == 90:
        return lambda x0, y0, x1, y1: (y0 - bottom, right - x1, y1 - bottom, right - x0)
    if rotation == 180:
        return lambda x0, y0, x1, y1: (right - x1, top - y1, right - x0, top - y0)
    if rotation == 270:
        return lambda x0, y0, x1, y1: (top - y1, x0 - left, top - y0, x1 - left)
    return lambda x0, y0, x1, y1: (x0, y0, x1, y1)


def _char(code: int) -> str:
    """The character pdfium reports; "" for a lone surrogate or a value beyond Unicode, which
    broken ToUnicode maps produce."""
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return ""
    return chr(code)


def _runs(glyphs: list[Glyph]) -> Iterator[list[Glyph]]:
    """Stretches of the content stream printed on one line, left to right, without a big jump."""
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
    return _same_line(previous, glyph) and -0.5 * size <= gap <= RUN_GAP * size


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


def _words(glyphs: list[Glyph]) -> list[Word]:
    """Cells that touch (or overlap) on one line become one word, whatever their stream order."""
    pieces = sorted(
        (cell for run in _runs(glyphs) for cell in _cells(run)), key=lambda cell: min(g.x0 for g in cell)
    )
    merged: list[tuple[Box, list[Glyph]]] = []
    reachable: list[tuple[Box, list[Glyph]]] = []
    for piece in pieces:
        box = _bounds(piece)
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
    return _same_line(left, right) and right.x0 - left.x1 <= TOUCH_GAP * max(left.height, right.height)


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


def _rows(words: list[Word]) -> list[Row]:
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
        fitting = [group for group in nearby if _same_line(group[0], word) and not _stacked(group, word)]
        if fitting:
            max(fitting, key=lambda group: _line_overlap(group[0], word)).append(word)
        else:
            insort(by_height, (word.centre_y, len(groups)))
            groups.append([word])
    return sorted((Row(group) for group in groups), key=lambda row: -row.anchor.centre_y)


# Labels.


def _spaced(*labels: str) -> str:
    """An alternation of labels that also matches them printed with spaces between the glyphs."""
    return "|".join(r"\s*".join(re.escape(char) for char in label) for label in labels)


LABELS = {
    "code": _spaced("发票代码"),
    "number": _spaced("发票号码"),
    "issue_date": _spaced("开票日期"),
    "check_code": _spaced("校验码"),
    "name": _spaced("名称"),
    "tin": _spaced("统一社会信用代码/纳税人识别号", "纳税人识别号", "统一社会信用代码"),
    "sum": _spaced("合计"),
    "grand_total": _spaced("价税合计"),
    "in_words": _spaced("(大写)"),
    "in_figures": _spaced("(小写)"),
    "drawer": _spaced("开票人"),
    "remarks": _spaced("备注"),
}
_LABEL_RES = {name: re.compile(f"(?:{pattern})\\s*:?\\s*") for name, pattern in LABELS.items()}
_OTHER_LABELS = _spaced("地址", "开户行", "机器编号", "收款人", "复核", "销售方", "购买方", "密码区")
# A word starting with a label is never a value: values stop there.
_LABEL_START_RE = re.compile(f"(?:{'|'.join(LABELS.values())}|{_OTHER_LABELS})")
# "名称" and "合计" are also the ends of longer labels: 项目名称, 货物名称, 价税合计.
_NOT_BEFORE = {"name": "目务物品)", "sum": "税"}
_EXPLICIT_PARTY_RES = (
    ("buyer", re.compile(r"(?:购买方|购方)\s*$")),
    ("seller", re.compile(r"(?:销售方|销方)\s*$")),
)
_MARKS = {
    "购": "buyer",
    "购方": "buyer",
    "购买方": "buyer",
    "购买方信息": "buyer",
    "销": "seller",
    "销方": "seller",
    "销售方": "seller",
    "销售方信息": "seller",
}


@dataclass(frozen=True)
class Hit:
    """A label found in a row: `start` and `end` are offsets in row.text, `end` past its colon."""

    row: Row
    start: int
    end: int

    @property
    def box(self) -> Box:
        glyphs = [owner for owner in self.row.owners[self.start : self.end] if owner is not None]
        return _bounds(glyphs)

    @property
    def before(self) -> str:
        """The text before the label inside its own word."""
        word_start = self.start
        while word_start and self.row.word_at[word_start - 1] == self.row.word_at[self.start]:
            word_start -= 1
        return self.row.text[word_start : self.start]


class Layout:
    """The words and rows of one page, and the questions the field readers ask of them."""

    def __init__(self, glyphs: list[Glyph]):
        self.words = _words(glyphs)
        self.rows = _rows(self.words)
        self._hits: dict[str, list[Hit]] = {}

    def hits(self, label: str) -> list[Hit]:
        if label not in self._hits:
            self._hits[label] = list(self._find(label))
        return self._hits[label]

    def _find(self, label: str) -> Iterator[Hit]:
        excluded = _NOT_BEFORE.get(label, "")
        for row in self.rows:
            for match in _LABEL_RES[label].finditer(row.text):
                previous = row.text[: match.start()].rstrip()[-1:]
                if not (previous and previous in excluded):
                    yield Hit(row, match.start(), match.end())

    def after(self, hit: Hit, count: int = 4) -> list[str]:
        """The texts to the right of a label on its row, nearest first: what follows the label in
        its own word, then the next words, up to the next label."""
        row = hit.row
        label_word = row.word_at[hit.end - 1]
        texts = [row.printed[hit.end : row.word_ends[label_word]]]
        for word in row.words[label_word + 1 :]:
            if len(texts) > count or _LABEL_START_RE.match(word.text):
                break
            texts.append(word.printed)
        return [text for text in texts if text.strip()]

    def below(self, hit: Hit) -> str:
        """The first word printed just under a label, starting no further left than the label."""
        box = hit.box
        index = self.rows.index(hit.row)
        for row in self.rows[index + 1 : index + 3]:
            for word in row.words:
                near = box.y0 - word.y1 <= BELOW_REACH * box.height
                if near and box.x0 - box.height <= word.x0 <= box.x1 + 4 * box.height:
                    return "" if _LABEL_START_RE.match(word.text) else word.printed
        return ""

    def values(self, hit: Hit) -> list[str]:
        """The candidates for a label's value: to its right, else below it."""
        return self.after(hit) or [text for text in [self.below(hit)] if text]

    def marks(self) -> list[tuple[str, Word]]:
        return [(_MARKS[word.text], word) for word in self.words if word.text in _MARKS]


# Field readers. Each returns the value as the contract writes it, or None.


def _compact(text: str) -> str:
    return "".join(normalize_text(text).split())


def _digits_value(texts: list[str], lengths: tuple[int, ...]) -> str | None:
    """Digits that may be printed in groups ("16707 18454 …") or letter-spaced, up to the
    longest length that fits."""
    digits, found = "", None
    for text in texts:
        piece = _compact(text)
        if not piece.isascii() or not piece.isdigit():
            break
        digits += piece
        if len(digits) in lengths:
            found = digits
        if len(digits) >= max(lengths):
            break
    return found


def _tin_value(texts: list[str]) -> str | None:
    """A taxpayer id, possibly split in pieces ("9 1110108…"): the longest run of letters and
    digits of a legal length (15, 17, 18 or 20)."""
    tin, found = "", None
    for text in texts:
        piece = normalize_id(text)
        if not piece.isascii() or not piece.isalnum():
            break
        tin += piece
        if len(tin) in (15, 17, 18, 20):
            found = tin
        if len(tin) >= 20:
            break
    return found


_DATE_RE = re.compile(r"((?:19|20)\d\d)\D{0,2}?(\d{1,2})\D{0,2}?(\d{1,2})")


def _date_value(texts: list[str]) -> str | None:
    match = _DATE_RE.search(_compact("".join(texts)))
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return None


def _name_value(texts: list[str]) -> str | None:
    """A party's name: text with at least one letter (the 密码区 cipher has none), never a label."""
    if not texts:
        return None
    name = " ".join(texts[0].split())
    if not any(char.isalpha() for char in name) or "<" in name or ">" in name:
        return None
    return None if _LABEL_START_RE.match(normalize_text(name)) else name


def _money(text: str) -> Decimal | None:
    try:
        return parse_amount(text)
    except FapiaoParseError:
        return None


def _is_stars(text: str) -> bool:
    """The *** a 免税 or 不征税 line prints in place of its tax."""
    compact = _compact(text)
    return bool(compact) and set(compact) == {"*"}


_WORDS_CHARS = frozenset("零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正负数()（）")


def _words_value(texts: list[str]) -> str | None:
    """The 大写 amount, without the ⓧ mark or other print around it, when it reads as an amount."""
    words = "".join(char for char in "".join(texts) if char in _WORDS_CHARS)
    try:
        words_to_decimal(words)
    except FapiaoParseError:
        return None
    return words


def _first_money(texts: list[str]) -> str | None:
    for text in texts:
        value = _money(text)
        if value is not None:
            return str(value)
    return None


def _person_value(texts: list[str]) -> str | None:
    """A drawer's name: short text with letters, no digits."""
    if not texts:
        return None
    name = " ".join(texts[0].split())
    if 0 < len(name) <= 20 and any(char.isalpha() for char in name) and not any(c.isdigit() for c in name):
        return name
    return None


# The invoice's fields on one page.


def _labelled(layout: Layout, label: str, read) -> str | None:
    for hit in layout.hits(label):
        value = read(layout.values(hit))
        if value is not None:
            return value
    return None


def _read_ids(layout: Layout, reading: Extraction) -> None:
    code = _labelled(layout, "code", lambda texts: _digits_value(texts, (10, 12)))
    number = _labelled(layout, "number", lambda texts: _digits_value(texts, (8, 20)))
    if number is not None and not (is_legacy_number(number) or is_digital_number(number)):
        number = None
    reading.put("code", code if code and is_legacy_code(code) else None)
    if number is not None:
        reading.put("number", number)
    else:
        reading.put("number", _unlabelled_digital_number(layout), PATTERN_ONLY)
    check_code = _labelled(layout, "check_code", lambda texts: _digits_value(texts, (20,)))
    reading.put("check_code", check_code if check_code and is_check_code(check_code) else None)
    issued = _labelled(layout, "issue_date", _date_value)
    if issued is not None:
        reading.put("issue_date", issued)
    else:
        reading.put("issue_date", _unlabelled_date(layout), PATTERN_ONLY)


def _unlabelled_digital_number(layout: Layout) -> str | None:
    numbers = (_compact(word.text) for word in layout.words)
    return next((number for number in numbers if is_digital_number(number)), None)


_CHINESE_DATE_RE = re.compile(r"(?:19|20)\d\d年\d{1,2}月\d{1,2}日")


def _unlabelled_date(layout: Layout) -> str | None:
    for row in layout.rows:
        match = _CHINESE_DATE_RE.search(_compact(row.text))
        if match:
            return _date_value([match.group()])
    return None


_TITLE_RE = re.compile(
    r"(?:电子发票|数电发票|全电发票|数电票|数电纸质发票)\((?:增值税专用发票|普通发票)\)"
    r"|增值税(?:电子)?(?:专用|普通)发票(?:\(卷式\))?|机动车销售统一发票|二手车销售统一发票"
)


def _read_kind(layout: Layout, reading: Extraction) -> None:
    """The 发票代码 says the kind precisely (a 通行费 code ends in 12); without one, the title
    does: the largest text naming a kind of invoice."""
    code = reading.fields.get("code")
    from_code = kind_from_invoice_code(code.value) if code else None
    if from_code not in (None, Kind.OTHER):
        reading.put("kind", from_code.value)
        return
    titles = [(word.height, _compact(word.text)) for word in layout.words]
    titles = [(height, text) for height, text in titles if _TITLE_RE.search(text)]
    if not titles:
        return
    title = max(titles)[1]
    kind = Kind.TOLL if "通行费" in title else kind_from_bureau_text(_TITLE_RE.search(title).group())
    reading.put("kind", kind.value if kind else None, PATTERN_ONLY)


def _party_of(layout: Layout, hit: Hit) -> str | None:
    """Whose block a label is in: a prefix (购买方名称) says so; else the nearest 购/销 mark to its
    left (legacy: 购 above 销 at the left edge; 数电: the two blocks side by side)."""
    for party, prefix in _EXPLICIT_PARTY_RES:
        if prefix.search(hit.before):
            return party
    box = hit.box
    candidates = [
        (box.x0 - mark.x1 + abs(box.centre_y - mark.centre_y), party)
        for party, mark in layout.marks()
        if mark.x1 <= box.x0 + box.height
    ]
    return min(candidates)[1] if candidates else None


def _by_party(layout: Layout, label: str) -> dict[str, Hit]:
    hits = layout.hits(label)
    parties = [_party_of(layout, hit) for hit in hits]
    if None in parties or len(set(parties)) != len(parties):
        # No marks to go by: the buyer's block comes first, left of or above the seller's.
        ordered = sorted(hits, key=lambda hit: (-round(hit.box.centre_y / hit.box.height), hit.box.x0))
        parties = ["buyer", "seller"][: len(ordered)]
        hits = ordered[:2]
    return dict(zip(parties, hits, strict=False))


def _read_parties(layout: Layout, reading: Extraction) -> None:
    for party, hit in _by_party(layout, "name").items():
        reading.put(f"{party}_name", _name_value(layout.values(hit)))
    for party, hit in _by_party(layout, "tin").items():
        reading.put(f"{party}_tin", _tin_value(layout.values(hit)))


def _read_totals(layout: Layout, reading: Extraction, columns: list["Column"]) -> None:
    amount, tax = _sum_row(layout, columns)
    reading.put("amount", amount)
    reading.put("tax", tax)
    total = _labelled(layout, "in_figures", _first_money)
    if total is None:
        total = _labelled(layout, "grand_total", lambda texts: _first_money(texts[::-1]))
    reading.put("total", total)
    reading.put("total_in_words", _labelled(layout, "in_words", _words_value))


def _sum_row(layout: Layout, columns: list["Column"]) -> tuple[str | None, str | None]:
    """合计 金额 and 税额: the amounts right of 合计, placed under the 金额 and 税额 headings when the
    table has them, else first and last."""
    for hit in layout.hits("sum"):
        amounts = [(word, value) for word, value in _money_words(layout, hit) if value is not None]
        if not amounts:
            continue
        headings = {column.field: column for column in columns if column.field in ("amount", "tax")}
        if len(headings) == 2:
            placed = {
                min(headings.values(), key=lambda c: abs(c.centre_x - word.centre_x)).field: value
                for word, value in amounts
            }
            return placed.get("amount"), placed.get("tax")
        return amounts[0][1], amounts[-1][1] if len(amounts) > 1 else None
    return None, None


def _money_words(layout: Layout, hit: Hit) -> Iterator[tuple[Box, str | None]]:
    row = hit.row
    for word in row.words[row.word_at[hit.end - 1] + 1 :]:
        if _is_stars(word.text):
            yield word, "0.00"
        else:
            value = _money(word.text)
            yield word, None if value is None else str(value)


def _read_footer(layout: Layout, reading: Extraction) -> None:
    reading.put("drawer", _labelled(layout, "drawer", _person_value))
    reading.put("remarks", _remarks(layout))


def _remarks(layout: Layout) -> str | None:
    """The text in the 备注 box: right of its label (printed across, or 备 over 注 down the box's
    left edge), between the label's top and bottom."""
    for top, bottom in _remarks_labels(layout):
        reach = top.height
        texts = [
            word.printed
            for row in layout.rows
            for word in row.words
            if word.x0 > top.x1
            and bottom.y0 - reach <= word.centre_y <= top.y1 + reach
            and word is not top
            and word is not bottom
            and not _LABEL_START_RE.match(word.text)
        ]
        if texts:
            return " ".join(" ".join(text.split()) for text in texts)
    return None


def _remarks_labels(layout: Layout) -> Iterator[tuple[Word, Word]]:
    for word in layout.words:
        if _compact(word.text) == "备注":
            yield word, word
        elif word.text == "备":
            below = [
                other
                for other in layout.words
                if other.text == "注"
                and abs(other.x0 - word.x0) < word.height
                and 0 < word.y0 - other.y1 < 8 * word.height
            ]
            if below:
                yield word, max(below, key=lambda other: other.y1)


# Lines.

_COLUMN_LABELS = (
    ("item_name", ("项目名称", "货物或应税劳务、服务名称", "货物或应税劳务名称", "货物(劳务)名称")),
    ("spec", ("规格型号",)),
    ("unit", ("单位",)),
    ("quantity", ("数量",)),
    ("unit_price", ("单价",)),
    ("amount", ("金额",)),
    ("rate", ("税率/征收率", "征收率", "税率")),
    ("tax", ("税额",)),
    ("", ("车牌号", "类型", "通行日期起", "通行日期止")),  # 通行费 columns the contract has no field for
)
_COLUMN_RE = re.compile(
    "|".join(f"(?P<c{index}>{_spaced(*labels)})" for index, (_, labels) in enumerate(_COLUMN_LABELS))
)
_RATE_RE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})?%|免税|不征税|免征|出口零税)$")
_AMOUNT_AND_RATE_RE = re.compile(r"^(-?[\d,]+\.\d{2})(\d{1,2}(?:\.\d{1,2})?%)$")


@dataclass(frozen=True)
class Column:
    field: str  # a LINE_FIELD_NAMES name, "" for a column the contract does not keep
    x0: float
    x1: float

    @property
    def centre_x(self) -> float:
        return (self.x0 + self.x1) / 2


def _columns(row: Row) -> list[Column]:
    columns = []
    for match in _COLUMN_RE.finditer(row.text):
        index = int(match.lastgroup[1:])
        glyphs = [owner for owner in row.owners[match.start() : match.end()] if owner is not None]
        box = _bounds(glyphs)
        columns.append(Column(_COLUMN_LABELS[index][0], box.x0, box.x1))
    return columns


def _table(layout: Layout) -> tuple[list[Column], list[Row]]:
    """The line table's headings and the rows under them, down to 合计 (or the page's end)."""
    for index, row in enumerate(layout.rows):
        columns = _columns(row)
        fields = {column.field for column in columns}
        if {"item_name", "amount", "tax"} <= fields:
            body = []
            for below in layout.rows[index + 1 :]:
                if _LABEL_RES["sum"].search(below.text) or _LABEL_RES["grand_total"].search(below.text):
                    break
                body.append(below)
            return columns, body
    return [], []


def _read_lines(columns: list[Column], body: list[Row]) -> list[dict[str, str]]:
    lines: list[dict[str, str]] = []
    name_edge = _name_edge(columns)
    for row in body:
        line = _line(row, columns, name_edge)
        if line is not None:
            lines.append(line)
        elif lines and all(word.x0 < name_edge for word in row.words):
            # A long item name wraps onto the next row of its cell.
            lines[-1]["item_name"] += "".join("".join(word.printed.split()) for word in row.words)
    return lines


def _name_edge(columns: list[Column]) -> float:
    ordered = sorted(columns, key=lambda column: column.x0)
    for column, following in pairwise(ordered):
        if column.field == "item_name":
            return (column.x1 + following.x0) / 2
    return float("-inf")


def _line(row: Row, columns: list[Column], name_edge: float) -> dict[str, str] | None:
    """One line, read from the right, where its cells are least ambiguous: 税额, 税率, 金额; then
    the name on the left; then the cells between, each under the nearest heading."""
    cells = _split_amount_and_rate([(word, _compact(word.text)) for word in row.words])
    if len(cells) < 3:
        return None
    (_, amount_text), (_, rate_text), (_, tax_text) = cells[-3:]
    amount = _money(amount_text)
    tax = Decimal("0.00") if _is_stars(tax_text) else _money(tax_text)
    if amount is None or tax is None or not _RATE_RE.match(rate_text):
        return None
    line = dict.fromkeys(LINE_FIELD_NAMES, "")
    line.update(amount=str(amount), rate=rate_text, tax=str(tax))
    rest = cells[:-3]
    line["item_name"] = " ".join(" ".join(word.printed for word, _ in rest if word.x0 < name_edge).split())
    middle = [(word, text) for word, text in rest if word.x0 >= name_edge]
    for field, word, text in _placed(middle, columns):
        if field in ("quantity", "unit_price"):
            line[field] = text if _is_number(text) else ""
        elif field:
            line[field] = " ".join(word.printed.split())
    return line


def _split_amount_and_rate(cells: list[tuple[Word, str]]) -> list[tuple[Word, str]]:
    """An amount and a rate printed too close to tell apart by their spacing ("50.1813%")."""
    if len(cells) >= 2:
        match = _AMOUNT_AND_RATE_RE.match(cells[-2][1])
        if match:
            box = cells[-2][0]
            return [*cells[:-2], (box, match.group(1)), (box, match.group(2)), cells[-1]]
    return cells


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def _placed(cells: list[tuple[Word, str]], columns: list[Column]) -> list[tuple[str, Word, str]]:
    """Cells between the name and the 金额, each under a distinct heading, keeping their left-to-
    right order, so that the total distance from cell to heading is least."""
    middle = sorted(
        (column for column in columns if column.field not in ("item_name", "amount", "rate", "tax")),
        key=lambda column: column.x0,
    )
    if not cells or len(cells) > len(middle):
        return []
    best = _assign(tuple(box.centre_x for box, _ in cells), tuple(column.centre_x for column in middle))
    return [(middle[index].field, word, text) for index, (word, text) in zip(best, cells, strict=True)]


def _assign(cells: tuple[float, ...], headings: tuple[float, ...]) -> list[int]:
    """Indices of headings for the cells, increasing, minimising the summed distances."""
    table: dict[tuple[int, int], tuple[float, list[int]]] = {}

    def cost(cell: int, heading: int) -> tuple[float, list[int]]:
        if cell == len(cells):
            return 0.0, []
        if len(headings) - heading < len(cells) - cell:
            return float("inf"), []
        if (cell, heading) not in table:
            here, rest = cost(cell + 1, heading + 1)
            take = (abs(cells[cell] - headings[heading]) + here, [heading, *rest])
            skip = cost(cell, heading + 1)
            table[cell, heading] = min(take, skip, key=lambda option: option[0])
        return table[cell, heading]

    return cost(0, 0)[1]


# The document.


def _read_page(glyphs: list[Glyph], index: int) -> Extraction:
    layout = Layout(glyphs)
    reading = Extraction(source=SOURCE, pages=(index,))
    columns, body = _table(layout)
    _read_ids(layout, reading)
    _read_kind(layout, reading)
    _read_parties(layout, reading)
    _read_totals(layout, reading, columns)
    _read_footer(layout, reading)
    reading.lines = _read_lines(columns, body)
    return reading


def _continues_invoice(invoice: Extraction, page: Extraction) -> bool:
    """A page without a number of its own, or repeating the number of the invoice before it."""
    number, invoice_number = page.fields.get("number"), invoice.fields.get("number")
    return number is None or (invoice_number is not None and number.value == invoice_number.value)


def _grouped(pages: list[Extraction]) -> list[Extraction]:
    invoices: list[Extraction] = []
    for page in pages:
        if invoices and _continues_invoice(invoices[-1], page):
            invoice = invoices[-1]
            invoice.pages = (*invoice.pages, *page.pages)
            invoice.lines.extend(page.lines)
            for name, value in page.fields.items():
                invoice.fields.setdefault(name, value)
        elif page.fields:
            invoices.append(page)
    return invoices


def _looks_like_pdf(data: bytes) -> bool:
    """A PDF header near the start and an end-of-file mark near the end: a file cut short in
    transfer lacks the mark, and pdfium would otherwise quietly read what is left."""
    return b"%PDF-" in data[:PDF_HEAD_WINDOW] and b"%%EOF" in data[-PDF_TAIL_WINDOW:]


def _open(data: bytes) -> pdfium.PdfDocument:
    if not data:
        raise ExtractError("empty")
    if not _looks_like_pdf(data):
        raise ExtractError("corrupt")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ExtractError("encrypted") from None
        raise ExtractError("corrupt") from None


def _document_glyphs(document: pdfium.PdfDocument) -> Iterator[list[Glyph]]:
    for index in range(len(document)):
        page = document[index]
        try:
            textpage = page.get_textpage()
            try:
                yield _page_glyphs(page, textpage)
            finally:
                textpage.close()
        finally:
            page.close()


def extract_pdf_text(data: bytes, *, max_pages: int = 50) -> list[Extraction]:
    """The invoices in a PDF's text layer, one Extraction (source "pdf_text") each, with the pages
    it spans. A PDF without a text layer (a scan) gives [], for the pipeline to render and OCR.

    Raises ExtractError: "empty", "corrupt" (not a PDF, truncated or damaged), "encrypted" (a user
    password is needed) or "too_large" (more than `max_pages` pages)."""
    document = _open(data)
    try:
        if len(document) > max_pages:
            raise ExtractError("too_large", pages=len(document), limit=max_pages)
        pages = [_read_page(glyphs, index) for index, glyphs in enumerate(_document_glyphs(document))]
    except pdfium.PdfiumError:
        raise ExtractError("corrupt") from None
    finally:
        document.close()
    return _grouped(pages)
