"""Invoice XML read into an Extraction: the 数电 `EInvoice` file and the legacy invoice XML that OFD
packages attach. Pure: no Django.

Implements docs/fapiao-rules.md:

- §XML: the 数电 `EInvoice` paths (never the SpecificInformation block of tolls and passenger transport)
  and the parser settings: no DTD, no entities, no external references, a 2 MB cap;
- §OFD, step 1: the XML an OFD package attaches, in the layouts the public samples show: the legacy
  `eInvoice` (namespace edrm.org.cn e-invoice/2019) and the Ministry of Finance XBRL instances
  (`inv:` ordinary invoices, `rai:` railway e-tickets);
- §Normalisation: the normal forms of ids, dates and amounts; §Kinds: kinds (one table per source, from
  invoices.fapiao), §Amounts: amounts in Decimal, with the `***` of a 免税 line read as a zero tax.

Elements are matched by local name, so a producer's namespace prefix never matters. The helpers that
read fields by path and put them in their normal form are shared with ofd.py.
"""

import codecs
import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ingest.extract.base import ExtractError, Extraction
from invoices.fapiao import (
    FapiaoParseError,
    Kind,
    kind_from_bureau_text,
    kind_from_invoice_code,
    normalize_id,
    normalize_text,
    parse_amount,
)

MAX_XML_BYTES = 2 * 1024 * 1024
ID_FIELDS = ("code", "number", "digital_number", "check_code", "seller_tin", "buyer_tin")
AMOUNT_FIELDS = ("amount", "tax", "total")
ZERO_TAX_MARK = "***"  # §Amounts: 免税 and 不征税 lines print the tax as ***

TextOf = Callable[[Element], str]
FieldPaths = tuple[tuple[str, str], ...]  # (field, path); a field named again is a fallback path

DIGITAL_FIELDS: FieldPaths = (
    ("number", "TaxSupervisionInfo/InvoiceNumber"),
    ("number", "Header/EIid"),
    ("issue_date", "TaxSupervisionInfo/IssueTime"),
    ("issue_date", "EInvoiceData/BasicInformation/RequestTime"),
    ("seller_name", "EInvoiceData/SellerInformation/SellerName"),
    ("seller_tin", "EInvoiceData/SellerInformation/SellerIdNum"),
    ("buyer_name", "EInvoiceData/BuyerInformation/BuyerName"),
    ("buyer_tin", "EInvoiceData/BuyerInformation/BuyerIdNum"),
    ("amount", "EInvoiceData/BasicInformation/TotalAmWithoutTax"),
    ("tax", "EInvoiceData/BasicInformation/TotalTaxAm"),
    ("total", "EInvoiceData/BasicInformation/TotalTax-includedAmount"),
    ("total_in_words", "EInvoiceData/BasicInformation/TotalTax-includedAmountInChinese"),
    ("drawer", "EInvoiceData/BasicInformation/Drawer"),
    ("remarks", "EInvoiceData/AdditionalInformation/Remark"),
)
DIGITAL_LINE_FIELDS = {
    "item_name": "ItemName",
    "tax_classification_code": "TaxClassificationCode",
    "spec": "SpecMod",
    "unit": "MeaUnits",
    "quantity": "Quantity",
    "unit_price": "UnPrice",
    "amount": "Amount",
    "rate": "TaxRate",
    "tax": "ComTaxAm",
}

# The legacy layout. OFD custom tags (Doc_0/Tags) use the same element names for their ObjectRefs.
LEGACY_FIELDS: FieldPaths = (
    ("code", "InvoiceCode"),
    ("number", "InvoiceNo"),
    ("issue_date", "IssueDate"),
    ("check_code", "InvoiceCheckCode"),
    ("seller_name", "Seller/SellerName"),
    ("seller_tin", "Seller/SellerTaxID"),
    ("buyer_name", "Buyer/BuyerName"),
    ("buyer_tin", "Buyer/BuyerTaxID"),
    ("amount", "TaxExclusiveTotalAmount"),
    ("tax", "TaxTotalAmount"),
    ("total", "TaxInclusiveTotalAmount"),
    ("drawer", "InvoiceClerk"),
    ("remarks", "Note"),
    ("qr_payload", "GraphCode"),
)
LEGACY_LINE_FIELDS = {
    "item_name": "Item",
    "spec": "Specification",
    "unit": "MeasurementDimension",
    "quantity": "Quantity",
    "unit_price": "Price",
    "amount": "Amount",
    "rate": "TaxScheme",
    "tax": "TaxAmount",
}

# XBRL facts are children of the root; the names of the inv: and rai: taxonomies do not clash.
XBRL_FIELDS: FieldPaths = (
    ("number", "NumberOfInvoice"),
    ("number", "ElectronicInvoiceRailwayETicketNumber"),
    ("code", "CodeOfInvoice"),
    ("issue_date", "DateOfIssue"),
    ("check_code", "IdentifyingCode"),
    ("seller_name", "NameOfSeller"),
    ("seller_tin", "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfSeller"),
    ("buyer_name", "NameOfPurchaser"),
    ("buyer_tin", "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfPurchaser"),
    ("buyer_tin", "UnifiedSocialCreditCodeOfPurchaser"),
    ("amount", "TotalAmountExcludingTax"),
    ("tax", "TotalTaxAmount"),
    ("tax", "TaxAmount"),
    ("total", "TaxIncludedAmountInFigures"),
    ("total", "Fare"),  # a railway ticket's fare is its 价税合计: 金额 + 税额
    ("total_in_words", "TaxIncludedAmountInWords"),
    ("drawer", "Issuer"),
    ("remarks", "Remarks"),
)
XBRL_LINE = "InformationOfTaxableGoodsOrServicesDetailItemsTuple"
XBRL_LINE_FIELDS = {
    "item_name": "NameOfTaxableGoodsOrServices",
    "spec": "Specification",
    "unit": "UnitOfGoodsOrServices",
    "quantity": "QuantityOfGoodsOrServices",
    "unit_price": "UnitPriceOfGoodsOrServices",
    "amount": "AmountExcludingTax",
    "rate": "TaxRate",
    "tax": "TaxAmount",
}

_DECLARED_ENCODING_RE = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"'](?P<name>[A-Za-z0-9._-]{1,40})"
)
_TITLE_RE = re.compile(
    r"电子发票\([^()]{2,16}\)|增值税电子(?:专用|普通)发票|增值税(?:专用|普通)发票(?:\(卷式\))?"
)
_MAX_NUMBER_TEXT = 40


def extract_xml(data: bytes) -> Extraction:
    """The fields of the invoice in a 数电 or legacy invoice XML file (source "xml")."""
    if not data:
        raise ExtractError("empty")
    if len(data) > MAX_XML_BYTES:
        raise ExtractError("too_large", size=str(len(data)))
    root = parse_xml(data)
    extraction = Extraction("xml")
    reader = _reader_for(root)
    if reader is not None:
        reader(root, extraction)
    if "number" not in extraction.fields:
        # Without its number an invoice cannot be recorded; XML of anything else ends here too.
        raise ExtractError("not_invoice")
    return extraction


def parse_xml(data: bytes) -> Element:
    """Untrusted XML parsed with no DTD, no entities and no external references (§XML)."""
    try:
        return fromstring(_as_utf8(data), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ExtractError("unsafe_xml") from None
    except (ParseError, ValueError, LookupError):
        raise ExtractError("corrupt") from None


def _as_utf8(data: bytes) -> bytes:
    """Chinese producers write GBK XML, and expat reads no multi-byte encoding other than UTF-8 and UTF-16."""
    declared = _DECLARED_ENCODING_RE.match(data)
    if declared is None:
        return data
    encoding = codecs.lookup(declared["name"].decode("ascii")).name
    if encoding in ("utf-8", "ascii"):
        return data
    start, end = declared.span("name")
    return data[:start] + b"UTF-8" + data[end:].decode(encoding).encode("utf-8")


def _reader_for(root: Element) -> Callable[[Element, Extraction], None] | None:
    name = local_name(root.tag)
    if name.lower() == "einvoice":
        is_digital = child(root, "EInvoiceData") is not None or child(root, "TaxSupervisionInfo") is not None
        return _read_digital if is_digital else _read_legacy
    if name == "xbrl":
        return _read_xbrl
    return None


def _read_digital(root: Element, extraction: Extraction) -> None:
    read_fields(root, DIGITAL_FIELDS, extraction)
    label = find_path(root, "Header/InherentLabel/GeneralOrSpecialVAT/LabelName")
    if label is not None:
        # The label says 增值税专用发票 or 普通发票; printed on a 数电 invoice the title is 电子发票（…）.
        extraction.put("kind", kind_from_title(f"电子发票({element_text(label)})"))
    invoice_data = child(root, "EInvoiceData")
    extraction.lines = read_lines(children(invoice_data, "IssuItemInformation"), DIGITAL_LINE_FIELDS)


def _read_legacy(root: Element, extraction: Extraction) -> None:
    read_fields(root, LEGACY_FIELDS, extraction)
    put_kind_from_code(extraction)
    extraction.lines = read_lines(children(child(root, "GoodsInfos"), "GoodsInfo"), LEGACY_LINE_FIELDS)


def _read_xbrl(root: Element, extraction: Extraction) -> None:
    read_fields(root, XBRL_FIELDS, extraction)
    put_kind_from_code(extraction)
    for title in (*children(root, "TypeOfInvoice"), *children(root, "TypeOfVoucher")):
        if "kind" not in extraction.fields:
            extraction.put("kind", kind_from_title(element_text(title)))
    extraction.lines = read_lines(children(root, XBRL_LINE), XBRL_LINE_FIELDS)


# Elements by local name.


def local_name(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((item for item in element if local_name(item.tag) == name), None)


def children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [item for item in element if local_name(item.tag) == name]


def find_path(element: Element | None, path: str) -> Element | None:
    for name in path.split("/"):
        element = child(element, name)
    return element


def element_text(element: Element) -> str:
    return "".join(element.itertext())


# Fields in the contract's normal forms.


def read_fields(
    root: Element, paths: FieldPaths, extraction: Extraction, text_of: TextOf = element_text
) -> None:
    """Each field from the first of its paths that holds a readable value."""
    for name, path in paths:
        element = find_path(root, path)
        if element is not None and name not in extraction.fields:
            put_normalized(extraction, name, text_of(element))


def put_normalized(extraction: Extraction, name: str, raw: str, confidence: float = 1.0) -> None:
    """Record a field in its normal form; a value that does not read as its type is left out."""
    extraction.put(name, normalized(name, raw), confidence)


def normalized(name: str, raw: str) -> str | None:
    if name in ID_FIELDS:
        return normalize_id(raw)
    if name in AMOUNT_FIELDS:
        return normalize_amount(raw)
    if name == "issue_date":
        return normalize_date(raw)
    if name == "qr_payload":
        return raw.strip()
    return collapse(raw)


def collapse(text: str) -> str:
    return " ".join(text.split())


def normalize_amount(raw: str) -> str | None:
    if raw.strip() == ZERO_TAX_MARK:
        return "0.00"
    try:
        return str(parse_amount(raw))
    except FapiaoParseError:
        return None


def normalize_date(raw: str) -> str | None:
    """YYYY-MM-DD from the forms invoices write: 2020年04月28日, 2024-05-28 14:17:33, 20170820,
    a 17-digit timestamp, or the official sample's "2017     8     20"."""
    groups = re.findall(r"[0-9]+", normalize_text(raw))
    if groups and len(groups[0]) >= 8:
        year, month, day = groups[0][:4], groups[0][4:6], groups[0][6:8]
    elif len(groups) >= 3 and len(groups[0]) == 4 and all(len(group) <= 2 for group in groups[1:3]):
        year, month, day = groups[:3]
    else:
        return None
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def put_kind_from_code(extraction: Extraction) -> None:
    if "code" in extraction.fields and "kind" not in extraction.fields:
        extraction.put("kind", kind_from_invoice_code(extraction.fields["code"].value))


def kind_from_title(text: str) -> Kind | None:
    """The kind an invoice title names, e.g. 浙江增值税电子普通发票 or 电子发票（增值税专用发票）.
    A 数电 invoice is titled 电子发票（…）, which the bureau's 票种 list calls 数电票（…）."""
    title = _TITLE_RE.search("".join(normalize_text(text).split()))
    if title is None:
        return None
    return kind_from_bureau_text(title[0]) or kind_from_bureau_text(title[0].replace("电子发票", "数电票", 1))


# Lines.


def read_lines(
    items: Iterable[Element], paths: dict[str, str], text_of: TextOf = element_text
) -> list[dict[str, str]]:
    lines = []
    for item in items:
        raw = {name: _text_or_empty(child(item, path), text_of) for name, path in paths.items()}
        line = _normalized_line(raw)
        if any(line.values()):
            lines.append(line)
    return lines


def _text_or_empty(element: Element | None, text_of: TextOf) -> str:
    return "" if element is None else text_of(element)


def _normalized_line(raw: dict[str, str]) -> dict[str, str]:
    tax = raw.get("tax", "")
    return {
        "item_name": collapse(raw.get("item_name", "")),
        "tax_classification_code": normalize_id(raw.get("tax_classification_code", "")),
        "spec": collapse(raw.get("spec", "")),
        "unit": collapse(raw.get("unit", "")),
        "quantity": _plain_number(raw.get("quantity", "")),
        "unit_price": _plain_number(raw.get("unit_price", "")),
        "amount": normalize_amount(raw.get("amount", "")) or "",
        "rate": _normalized_rate(raw.get("rate", ""), tax),
        "tax": normalize_amount(tax) or "",
    }


def _normalized_rate(raw: str, tax: str) -> str:
    """0.13 for "13%", "13.00%" or "0.13"; 免税 and 不征税 as words, as invoices.drafts reads rates."""
    text = "".join(normalize_text(raw).split())
    if text in ("免税", "不征税"):
        return text
    if tax.strip() == ZERO_TAX_MARK:
        return "免税"
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        return ""
    if len(text) > _MAX_NUMBER_TEXT or not value.is_finite() or not 0 <= value < 1:
        return ""
    return format(value.normalize(), "f")


def _plain_number(raw: str) -> str:
    """A quantity or unit price as printed ("1.000000", "9.91150442"), or "" when it is no number."""
    text = "".join(normalize_text(raw).split()).replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return ""
    return format(value, "f") if len(text) <= _MAX_NUMBER_TEXT and value.is_finite() else ""
