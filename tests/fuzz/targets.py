"""Every parser of untrusted input as a fuzz target: what it is fed (valid seeds from the project's
generators), how a case is mutated, and which errors are the parser's own clear refusals. Anything
else raised, or a case that runs past HANG_SECONDS, is a defect.

Used by tests/fuzz/test_parsers.py (a few hundred cases a parser, in `make test`) and by
bench/fuzz.py (ten thousand a parser, in `make bench`)."""

import io
import random
import signal
import zipfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from django.core.exceptions import ValidationError

from ingest.extract.base import ExtractError
from ingest.extract.ofd import extract_ofd
from ingest.extract.pdf_text import extract_pdf_text
from ingest.extract.xml_einvoice import extract_xml
from invoices.drafts import clean_draft
from invoices.fapiao import FapiaoParseError, decimal_to_words, parse_qr, words_to_decimal
from invoices.ledger_file import COLUMNS, EXPORT_COLUMNS, ledger_row
from invoices.spreadsheets import SpreadsheetError, read_table, write_xlsx
from reconcile.importers import BureauFileError, read_bureau_file

HANG_SECONDS = 10
COMPANY_TIN = "91310115MA1K4D8X0B"
# Tokens that tend to reach the corners of parsers.
TOKENS = (
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    b"&e;", b"]]>", b"<![CDATA[", b"-1", b"1e309", b"NaN", b"99999999999999999999", b"0.000001",
    b",", b"\"", b"'", "壹仟零伍拾圆整".encode(), "（负数）".encode(), b"=cmd|' /C calc'!A0",
    b"%PDF-1.7", b"PK\x03\x04", b"\r\n", b"obj", b"endobj", b"stream", b"/Length 999999",
    b"2026-02-30", b"1900-01-01", b"../../etc/passwd",
)  # fmt: skip
TEXT_TOKENS = (
    *(token.decode("utf-8", "replace") for token in TOKENS),
    "零" * 40,
    "圆圆",
    "万亿",
    "角分",
)


class Hang(Exception):
    """A case ran past HANG_SECONDS."""


@dataclass(frozen=True)
class Target:
    name: str
    parse: Callable  # takes bytes (or str for a text target)
    refusals: tuple[type[BaseException], ...]  # the parser's own clear errors
    seeds: Callable[[], list]  # valid inputs to start from
    text: bool = False  # str input, mutated as text
    archive: bool = False  # a zip whose members are worth mutating one by one (XLSX seeds always are)


def mutate_bytes(data: bytes, rng: random.Random, rounds: int | None = None) -> bytes:
    """`data` after one to four random edits: flipped bytes, a range deleted, repeated or moved, a
    token spliced in, a truncation."""
    buffer = bytearray(data)
    for _round in range(rounds or rng.randint(1, 4)):
        size = len(buffer)
        at = rng.randrange(size + 1)
        operation = rng.randrange(7)
        if operation == 0 and size:
            for _flip in range(rng.randint(1, 8)):
                buffer[rng.randrange(size)] = rng.randrange(256)
        elif operation == 1 and size:
            del buffer[at : at + rng.randint(1, max(1, size // 8))]
        elif operation == 2 and size:
            piece = buffer[at : at + rng.randint(1, 64)]
            buffer[at:at] = piece * rng.randint(1, 50)
        elif operation == 3:
            buffer[at:at] = rng.choice(TOKENS)
        elif operation == 4 and size:
            del buffer[rng.randrange(size) :]
        elif operation == 5:
            buffer[at:at] = bytes(rng.randrange(256) for _byte in range(rng.randint(1, 32)))
        elif size:
            start = rng.randrange(size)
            piece = bytes(buffer[start : start + rng.randint(1, 256)])
            buffer[at:at] = piece
    return bytes(buffer)


def mutate_text(text: str, rng: random.Random) -> str:
    characters = list(text)
    for _round in range(rng.randint(1, 4)):
        at = rng.randrange(len(characters) + 1)
        operation = rng.randrange(5)
        if operation == 0 and characters:
            characters[rng.randrange(len(characters))] = chr(
                rng.choice((rng.randrange(32, 127), rng.randrange(0x4E00, 0x9FA5)))
            )
        elif operation == 1 and characters:
            del characters[at : at + rng.randint(1, 6)]
        elif operation == 2:
            characters[at:at] = rng.choice(TEXT_TOKENS)
        elif operation == 3 and characters:
            characters[at:at] = characters[at : at + rng.randint(1, 10)] * rng.randint(1, 30)
        else:
            characters[at:at] = [chr(rng.randrange(0x110000 if rng.random() < 0.1 else 0x3000)) or " "]
    return "".join(characters).replace("\ud800", "")


def mutate_archive(data: bytes, rng: random.Random) -> bytes:
    """A zip with one member mutated, another dropped or one added; the bytes of the zip itself
    mutated now and then."""
    if rng.random() < 0.2:
        return mutate_bytes(data, rng)
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {name: source.read(name) for name in source.namelist()}
    names = sorted(members)
    choice = rng.random()
    if choice < 0.75:
        name = rng.choice(names)
        members[name] = mutate_bytes(members[name], rng)
    elif choice < 0.9:
        del members[rng.choice(names)]
    else:
        members[rng.choice(("../evil.xml", "Doc_0/Attachs/big.xml", "OFD.xml"))] = mutate_bytes(
            members[rng.choice(names)], rng
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


def mutate(target: Target, seed, rng: random.Random):
    if rng.random() < 0.03:  # now and then no seed at all
        if target.text:
            return "".join(chr(rng.randrange(0x20, 0x3000)) for _index in range(rng.randint(0, 80)))
        return bytes(rng.randrange(256) for _index in range(rng.randint(0, 2048)))
    if target.text:
        return mutate_text(seed, rng)
    if target.archive or seed[:4] == b"PK\x03\x04":
        return mutate_archive(seed, rng)
    return mutate_bytes(seed, rng)


def run_case(target: Target, case) -> str:
    """Feed one case; returns "ok" or "refused". Raises Hang, or whatever the parser let escape."""

    def stop(_signum, _frame):
        raise Hang(f"{target.name}: over {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(HANG_SECONDS)
    try:
        target.parse(case)
        return "ok"
    except target.refusals:
        return "refused"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# The parsers


def parse_ledger(data: bytes) -> None:
    """A ledger spreadsheet the way the import reads it, short of writing: the table, each row, and
    the draft the row makes (a bad row is reported, never raised)."""
    for row in read_table(data, COLUMNS).rows:
        parsed = ledger_row(row, direction="auto", company_tin=COMPANY_TIN)
        if not parsed.problems:
            with suppress(ValidationError):  # a bad row: reported to the user, not raised
                clean_draft(parsed.values)


def parse_bureau(data: bytes) -> None:
    read_bureau_file(data, company_tin=COMPANY_TIN)


@cache
def _qr_seeds() -> list[str]:
    """Generated payloads of both kinds, and those of the shared samples that parse when the corpus
    is there (its file also lists strings that must not)."""
    from tests.fixtures.einvoices import DIGITAL_SPEC, LEGACY_SPEC
    from tests.fixtures.samples import have_samples, samples_dir

    payloads = [DIGITAL_SPEC.qr_payload, LEGACY_SPEC.qr_payload]
    if have_samples():
        lines = (samples_dir() / "qr_payloads.txt").read_text(encoding="utf-8").splitlines()
        payloads += [line.split("\t")[0] for line in lines if line and not line.startswith("#")]
    readable = []
    for payload in payloads:
        with suppress(FapiaoParseError):
            parse_qr(payload)
            readable.append(payload)
    return readable[:40]


@cache
def _words_seeds() -> list[str]:
    rng = random.Random(7)  # noqa: S311 (test data)
    values = [Decimal("0.05"), Decimal("10.00"), Decimal("1005.40"), Decimal("-3.20")]
    values += [Decimal(rng.randrange(1, 10**12)) / 100 for _index in range(12)]
    return [decimal_to_words(value) for value in values] + ["人民币壹仟贰佰柒拾贰圆整", "（负数）伍角整"]


@cache
def _xml_seeds() -> list[bytes]:
    from tests.fixtures.einvoices import digital_invoice_xml, legacy_invoice_xml

    return [digital_invoice_xml(), legacy_invoice_xml()]


@cache
def _ofd_seeds() -> list[bytes]:
    from tests.fixtures.einvoices import ofd_with_attachment, ofd_with_custom_datas, ofd_with_custom_tag

    return [ofd_with_attachment(), ofd_with_custom_tag(), ofd_with_custom_datas()]


@cache
def _pdf_seeds() -> list[bytes]:
    from tests.fixtures.invoice_pdfs import standard_pdf

    return [standard_pdf(name).data for name in ("digital_special", "legacy", "digital_rotated_page")]


@cache
def _bureau_seeds() -> list[bytes]:
    from tests.fixtures.spreadsheets import bureau_csv, bureau_xls, bureau_xlsx

    return [
        bureau_xlsx(6, seed=1),
        bureau_csv(6, seed=2),
        bureau_csv(6, seed=3, encoding="gbk"),
        bureau_xls(4, seed=4),
    ]


LEDGER_ROWS = [
    [1, "进项", "", "", "26312000000000000001", "91330100MA27XY1234", "杭州纸业有限公司", COMPANY_TIN,
     "甲商贸有限公司", date(2026, 1, 5), Decimal("1000.00"), Decimal("130.00"), Decimal("1130.00"),
     "数电发票（增值税专用发票）", "正常", "是", "王五", "", "", "", "未勾选", ""],
    [2, "销项", "3100204130", "12345678", "", COMPANY_TIN, "甲商贸有限公司", "91110000MA00ABCD1X", "乙公司",
     date(2026, 2, 28), Decimal("-88.50"), Decimal("-11.51"), Decimal("-100.01"), "增值税专用发票", "正常",
     "否", "", "12345678901234567890", "对应正数发票代码:3100204130号码:12345677", "", "", ""],
]  # fmt: skip


@cache
def _ledger_seeds() -> list[bytes]:
    header = ",".join(column.name for column in EXPORT_COLUMNS)
    lines = [",".join("" if value is None else str(value) for value in row) for row in LEDGER_ROWS]
    return [write_xlsx(EXPORT_COLUMNS, LEDGER_ROWS), "\n".join([header, *lines]).encode("utf-8-sig")]


TARGETS = {
    target.name: target
    for target in (
        Target("qr_payload", parse_qr, (FapiaoParseError,), _qr_seeds, text=True),
        Target("amount_in_words", words_to_decimal, (FapiaoParseError,), _words_seeds, text=True),
        Target("einvoice_xml", extract_xml, (ExtractError,), _xml_seeds),
        Target("ofd", extract_ofd, (ExtractError,), _ofd_seeds, archive=True),
        Target("pdf", extract_pdf_text, (ExtractError,), _pdf_seeds),
        Target("bureau_spreadsheet", parse_bureau, (BureauFileError,), _bureau_seeds),
        Target("ledger_spreadsheet", parse_ledger, (SpreadsheetError,), _ledger_seeds),
    )
}
