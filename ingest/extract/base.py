"""What every extractor returns, and the one error it raises. Pure: no Django.

An extractor reads one source (数电 XML, OFD, a PDF's text layer, a QR code, OCR) and returns, per
invoice it finds, the fields it could read, each with the source and a confidence. The pipeline
merges the sources field by field (precedence xml > ofd > pdf_text > qr > ocr) and cross-checks them.

Field values are normalised text, so that sources compare equal when they agree:
- kind: a invoices.fapiao.Kind value;
- code, number, digital_number, check_code, seller_tin, buyer_tin: as invoices.fapiao.normalize_id
  makes them (number is the 20-digit number for 数电 invoices; digital_number only when a 数电
  paper invoice carries both a legacy code/number and a 数电 number);
- issue_date: "YYYY-MM-DD";
- amount, tax, total: Decimal text with two places ("1234.50", "-12.30");
- seller_name, buyer_name, drawer, remarks, total_in_words: text as printed, whitespace collapsed;
- qr_payload: the decoded QR text, unchanged.
"""

from dataclasses import dataclass, field

from invoices.lookalikes import unify_lookalikes

SOURCES = ("xml", "ofd", "pdf_text", "qr", "ocr")  # in precedence order, most trusted first

FIELD_NAMES = (
    "kind",
    "code",
    "number",
    "digital_number",
    "issue_date",
    "seller_name",
    "seller_tin",
    "buyer_name",
    "buyer_tin",
    "amount",
    "tax",
    "total",
    "total_in_words",
    "check_code",
    "drawer",
    "remarks",
    "qr_payload",
)
KEY_FIELDS = (
    "kind",
    "code",
    "number",
    "issue_date",
    "seller_name",
    "seller_tin",
    "buyer_name",
    "buyer_tin",
    "amount",
    "tax",
    "total",
    "check_code",
)
LINE_FIELD_NAMES = (
    "item_name",
    "tax_classification_code",
    "spec",
    "unit",
    "quantity",
    "unit_price",
    "amount",
    "rate",
    "tax",
)


@dataclass(frozen=True)
class Doubt:
    """Why a reading is not certain, for the reviewer: a stable code (ingest/doubts.py words it) and
    the values its message names."""

    code: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Field:
    value: str
    source: str  # one of SOURCES
    confidence: float  # 0..1; 1.0 for structured sources (XML, OFD, text layer, QR)
    doubt: Doubt | None = None  # set when a check the value should pass failed or could not be made


@dataclass
class Extraction:
    """What one source read of one invoice."""

    source: str
    fields: dict[str, Field] = field(default_factory=dict)
    lines: list[dict[str, str]] = field(default_factory=list)  # LINE_FIELD_NAMES -> text ("" when absent)
    pages: tuple[int, ...] = (0,)  # 0-based pages of the file this invoice is on (PDF, TIFF)

    def put(self, name: str, value: str | None, confidence: float = 1.0, doubt: Doubt | None = None) -> None:
        """Record a field when it has a value (empty text means "not found", never "empty")."""
        if name not in FIELD_NAMES:
            raise ValueError(f"unknown field {name!r}")
        if value is not None and str(value).strip():
            # Every source passes here: a radical look-alike (⽅, ⻓) becomes the character it prints as.
            self.fields[name] = Field(unify_lookalikes(str(value).strip()), self.source, confidence, doubt)


class ExtractError(Exception):
    """A file that cannot be read for a reason a clerk should be told. `code` is stable and names
    the reason; `params` (str values) fill the message. The pipeline turns it into a failed job."""

    CODES = (
        "empty",  # no bytes
        "unknown_format",  # not a file type Fapiao Desk reads
        "corrupt",  # the format is right but the file is damaged or truncated
        "encrypted",  # a password-protected PDF
        "too_large",  # over a size, page or pixel cap
        "unsafe_archive",  # a zip or OFD bomb, or paths leaving the archive
        "unsafe_xml",  # DTDs, entities, external references
        "not_invoice",  # readable, but no invoice in it
        "unsafe_file",  # its reader crashed or ran out of memory or time (sandbox/): refused
    )

    def __init__(self, code: str, **params: str):
        if code not in self.CODES:
            raise ValueError(f"unknown extraction error code {code!r}")
        self.code = code
        self.params = {key: str(value) for key, value in params.items()}
        super().__init__(f"{code}: {self.params}" if self.params else code)
