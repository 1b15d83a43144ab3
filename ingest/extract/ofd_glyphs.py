"""Where each character of an OFD page sits (GB/T 33190 §11, text objects), as geometry Glyphs.
Pure: no Django.

A TextObject places its text inside its Boundary ("x y width height", millimetres from the page's
top left): each TextCode starts at X, Y (the baseline) within it, its characters advanced by DeltaX
and DeltaY ("g 4 1.5875" repeats 1.5875 four times), the whole drawn through the object's CTM when it
has one. A character without a DeltaX advances by its own width, which only the font knows: a
full-width character is taken to be one font size wide and any other half of that. The boxes span
one font size from just below the baseline up, so that characters of one line line up whatever
their size; y is turned to grow upwards as geometry.py counts it.

A page is drawn over the template pages it names (Page/Template TemplateID, declared in
Document.xml CommonData/TemplatePage): legacy invoices print their labels on the template and their
values on the page, so both are read as one.
"""

import math
import re
import unicodedata
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from ingest.extract.geometry import Glyph
from ingest.extract.xml_einvoice import children, element_text, local_name

MAX_PAGE_CHARS = 20_000  # an invoice page has a few thousand; a page with more is not one
DESCENT = 0.2  # the share of the font size below the baseline
NARROW = 0.5  # the width of a half-width character, in font sizes

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)  # a CTM "a b c d e f": x' = a x + c y + e, y' = b x + d y + f
# Line breaks and indentation around a TextCode's text come from pretty-printing, not from the page.
_FORMATTING_RE = re.compile(r"^\s*\n\s*|\s*\n\s*$")


def page_glyphs(layers: list[Element]) -> list[Glyph]:
    """The characters of the given page contents (templates first, then the page), in the order
    they are drawn; [] for a page with more characters than an invoice has."""
    glyphs: list[Glyph] = []
    for layer in layers:
        for element in layer.iter():
            if local_name(element.tag) != "TextObject":
                continue
            for char, box, spaced in _characters(element):
                if len(glyphs) >= MAX_PAGE_CHARS:
                    return []
                if not (all(map(math.isfinite, box)) and box[3] > box[1]):
                    continue  # numbers too large to place, or a glyph of no height: no line to belong to
                glyphs.append(Glyph.drawn(char, box, len(glyphs), spaced))
    return glyphs


def template_ids(page: Element) -> list[str]:
    """The IDs of the template pages a page is drawn over."""
    return [template.get("TemplateID", "") for template in children(page, "Template")]


def _characters(text_object: Element) -> Iterator[tuple[str, tuple[float, float, float, float], bool]]:
    """Each printed character of a text object with its box (x0, y0, x1, y1, y up) and whether a
    space was drawn before it. An object whose numbers do not read is skipped whole."""
    boundary = _numbers(text_object.get("Boundary", ""))
    size = _numbers(text_object.get("Size", ""))
    matrix = _numbers(text_object.get("CTM", "")) or IDENTITY
    if len(boundary) != 4 or len(size) != 1 or size[0] <= 0 or len(matrix) != 6:
        return
    left, top = boundary[0], boundary[1]
    size = size[0]
    x = y = 0.0
    for code in children(text_object, "TextCode"):
        x = _number(code.get("X"), x)
        y = _number(code.get("Y"), y)
        text = _FORMATTING_RE.sub("", element_text(code))
        deltas_x = _deltas(code.get("DeltaX", ""))
        deltas_y = _deltas(code.get("DeltaY", ""))
        spaced = False
        for index, char in enumerate(text):
            advance = _width(char, size)
            delta_x = deltas_x[index] if index < len(deltas_x) else None
            if not char.isspace() and char.isprintable():
                width = advance if delta_x is None or delta_x <= 0 else min(advance, delta_x)
                box = _box(matrix, x, y + DESCENT * size, x + width, y - (1 - DESCENT) * size)
                # Page y grows downwards; geometry's grows upwards.
                yield char, (left + box[0], -(top + box[3]), left + box[2], -(top + box[1])), spaced
                spaced = False
            else:
                spaced = spaced or char == " " or char == "\u3000"
            x += advance if delta_x is None else delta_x
            y += deltas_y[index] if index < len(deltas_y) else 0.0


def _width(char: str, size: float) -> float:
    return size if unicodedata.east_asian_width(char) in ("W", "F") else NARROW * size


def _box(
    matrix: list[float], x0: float, y0: float, x1: float, y1: float
) -> tuple[float, float, float, float]:
    """The bounds (x0, y0, x1, y1) of a rectangle drawn through the matrix."""
    a, b, c, d, e, f = matrix
    if b == 0 and c == 0:  # no rotation or skew, as nearly always
        xs, ys = (a * x0 + e, a * x1 + e), (d * y0 + f, d * y1 + f)
    else:
        corners = [(a * x + c * y + e, b * x + d * y + f) for x in (x0, x1) for y in (y0, y1)]
        xs, ys = tuple(x for x, _ in corners), tuple(y for _, y in corners)
    return min(xs), min(ys), max(xs), max(ys)


def _numbers(text: str) -> list[float]:
    """The numbers of an attribute; [] when one of them is not a finite number."""
    try:
        values = [float(part) for part in text.split()]
    except ValueError:
        return []
    return values if all(math.isfinite(value) for value in values) else []


def _number(text: str | None, default: float) -> float:
    values = _numbers(text or "")
    return values[0] if len(values) == 1 else default


def _deltas(text: str) -> list[float]:
    """A DeltaX or DeltaY list with its "g count value" runs expanded; [] when it does not read."""
    parts = text.split()
    deltas: list[float] = []
    index = 0
    while index < len(parts):
        if parts[index] == "g" and index + 2 < len(parts):
            count, value = _numbers(parts[index + 1]), _numbers(parts[index + 2])
            if len(count) != 1 or len(value) != 1 or not 0 < count[0] <= MAX_PAGE_CHARS:
                return []
            deltas.extend([value[0]] * int(count[0]))
            index += 3
            continue
        value = _numbers(parts[index])
        if len(value) != 1:
            return []
        deltas.append(value[0])
        index += 1
    return deltas
