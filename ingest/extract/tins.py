"""Taxpayer IDs as OCR reads them (docs/fapiao-rules.md §Identifiers, §TaxpayerIDs): a 统一社会信用代码
repaired only where its check character proves the repair, and a doubt on every ID nothing proves.
Pure: no Django.

A seal printed over the seller's block (legacy invoices are stamped there with the seller's
发票专用章) hides characters: OCR then drops a run of them, or reads others in their place. An
18-character USCC that lost three characters looks like a 15-character legacy ID, one that lost one
like a 17-character one, one with a character replaced fails its check, and one read with a
character too many checks, if at all, by chance. So an ID read by OCR is
certain only when it checks as a USCC as read, or with a letter the alphabet forbids made its
digit; one that checks only after a B/8 or D/0 swap, and any other, carries a doubt for the reviewer
(the pipeline lifts it when the ID is one the company already knows, see ingest/doubts.py).
"""

import re

from rapidfuzz.distance import Levenshtein

from ingest.extract.reading import REPAIRED, UNPROVEN, Reading
from invoices.fapiao import LEGACY_TIN_LENGTHS, USCC_CHARS, uscc_check_char

USCC_LENGTH = 18
TIN_RUN_RE = re.compile(r"[0-9A-Z]{15,}")
_REPLACED = 2  # characters a smudge or a seal may replace in an ID still read at its length
SWAPPED = 0.8  # confidence factor: one B/8 or D/0 swapped so that the check character matches


def tin_reading(text: str, confidence: float) -> Reading | None:
    """The taxpayer ID at the start of the first run of 15 or more ID characters in `text`."""
    run = TIN_RUN_RE.search(text.upper())
    if not run:
        return None
    tin = run.group()
    if len(tin) >= USCC_LENGTH and (repaired := repair_uscc(tin[:USCC_LENGTH])):
        code, factor = repaired
        reading = Reading(code, confidence, factor)
        if len(tin) > USCC_LENGTH:  # a character too many: which 18 are the ID is a guess
            return reading.doubted("tin_extra", factor=UNPROVEN, length=str(len(tin)))
        if factor == UNPROVEN:
            return reading.doubted("tin_check_failed", factor=1.0, expected=uscc_check_char(code[:17]))
        if factor == SWAPPED:
            # A damaged code holding k of B, 8, D and 0 checks after some swap about k times in 31.
            return reading.doubted("tin_swapped", factor=1.0, read=tin[:USCC_LENGTH])
        return reading
    if len(tin) in LEGACY_TIN_LENGTHS:
        return Reading(tin, confidence).doubted("tin_unproven", factor=UNPROVEN, length=str(len(tin)))
    return None


def fits(damaged: str, whole: str) -> bool:
    """Whether `damaged` could be `whole` with a run of characters lost and a few replaced, as a
    seal or a smudge leaves an ID: within that many edits of it."""
    lost = max(0, len(whole) - len(damaged))
    return Levenshtein.distance(damaged, whole) <= lost + _REPLACED


# In a USCC, positions 3-8 are the area code: digits only. Elsewhere O, I, S, V and Z are not in the
# alphabet (USCC_CHARS), so reading one is a slip; B and 8 are both legal there and only the check
# character can tell them apart.
_USCC_DIGIT_POSITIONS = range(2, 8)
_FORCED_REPAIRS = {"O": "0", "I": "1", "Z": "2", "S": "5"}
_DIGIT_REPAIRS = {**_FORCED_REPAIRS, "B": "8"}
_AMBIGUOUS = {"B": "8", "8": "B", "0": "D", "D": "0"}


def repair_uscc(code: str) -> tuple[str, float] | None:
    """An 18-character 统一社会信用代码 as OCR read it, repaired where the rules allow: (code, 1.0)
    when it checks as read, (code, REPAIRED) when a letter the alphabet forbids was made its digit
    and it then checks, (code, SWAPPED) when one B/8 or D/0 swapped makes it check, (code, UNPROVEN)
    when it fits the layout but fails the check (some real pilot codes do, §TaxpayerIDs), None when it cannot
    be a USCC."""
    forced = _forced(code)
    if forced is None:
        return None
    if uscc_check_char(forced[:17]) == forced[17]:
        return forced, REPAIRED if forced != code else 1.0
    proven = [
        candidate
        for position, char in enumerate(forced)
        if char in _AMBIGUOUS and position not in _USCC_DIGIT_POSITIONS
        for candidate in [forced[:position] + _AMBIGUOUS[char] + forced[position + 1 :]]
        if uscc_check_char(candidate[:17]) == candidate[17]
    ]
    if len(proven) == 1:
        return proven[0], SWAPPED
    return forced, UNPROVEN


def _forced(code: str) -> str | None:
    chars = []
    for position, char in enumerate(code):
        if position in _USCC_DIGIT_POSITIONS:
            char = _DIGIT_REPAIRS.get(char, char)
            if not char.isdigit():
                return None
        else:
            char = _FORCED_REPAIRS.get(char, char)
            if char not in USCC_CHARS:
                return None
        chars.append(char)
    return "".join(chars)
