"""OFD (GB/T 33190) invoice packages read into an Extraction. Pure: no Django.

Implements RULES.md §10: the package is a ZIP, checked before anything is read (no absolute paths or
`..`, at most 500 members, 50 MB uncompressed in all, no member compressed more than 200 to 1), and
its sources are read in this order, an earlier source winning each field:

1. `Doc_0/Attachs/*.xml`, the structured invoice, read by xml_einvoice (§9, §10);
2. `Doc_0/Tags/*.xml`, custom tags whose values are ObjectRefs to the pages' TextObjects;
3. `OFD.xml` DocInfo/CustomDatas, where 合计金额 is the tax-exclusive amount;
4. the pages' text, read with the formats of §1 for what is still missing (confidence 0.9).

Every XML member is parsed as xml_einvoice parses untrusted XML: no DTD, no entities.
"""

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.etree.ElementTree import Element

from ingest.extract.base import ExtractError, Extraction
from ingest.extract.xml_einvoice import (
    LEGACY_FIELDS,
    LEGACY_LINE_FIELDS,
    FieldPaths,
    TextOf,
    children,
    collapse,
    element_text,
    extract_xml,
    find_path,
    kind_from_title,
    local_name,
    parse_xml,
    put_kind_from_code,
    put_normalized,
    read_fields,
    read_lines,
)
from invoices.fapiao import FapiaoParseError, words_to_decimal

MAX_MEMBERS = 500
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_MEMBER_BYTES = 16 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed: page XML compresses about 10 to 1
PAGE_TEXT_CONFIDENCE = 0.9
DEFAULT_DOCUMENT = "Doc_0"

CUSTOM_DATA_FIELDS = {
    "发票代码": "code",
    "发票号码": "number",
    "开票日期": "issue_date",
    "校验码": "check_code",
    "购买方名称": "buyer_name",
    "购买方纳税人识别号": "buyer_tin",
    "销售方名称": "seller_name",
    "销售方纳税人识别号": "seller_tin",
    "合计金额": "amount",
    "合计税额": "tax",
    "价税合计": "total",
    "价税合计(大写)": "total_in_words",
}

# The pinyin tags of the official 增值税电子普通发票 OFD sample (fp:TAX_TICKET, e-invoice.gov.cn/2017).
TAX_TICKET_FIELDS: FieldPaths = (
    ("code", "COMMON_ZZS/HEAD/FP_DM"),
    ("number", "COMMON_ZZS/HEAD/FP_HM"),
    ("issue_date", "COMMON_ZZS/HEAD/KPRQ"),
    ("check_code", "COMMON_ZZS/HEAD/JYM"),
    ("buyer_name", "COMMON_ZZS/BUYER/GMF/MC"),
    ("buyer_tin", "COMMON_ZZS/BUYER/GMF/NSRSBH"),
    ("seller_name", "COMMON_ZZS/SALE/XSF/XSF_MC"),
    ("seller_tin", "COMMON_ZZS/SALE/XSF/XSF_NSRSBH"),
    ("amount", "COMMON_ZZS/MXHJ/HJJE"),
    ("tax", "COMMON_ZZS/MXHJ/HJSE"),
    ("total", "COMMON_ZZS/JSHJ/JSHJ_XX"),
    ("total_in_words", "COMMON_ZZS/JSHJ/JSHJ_DX"),
    ("drawer", "COMMON_ZZS/TAIL/KPR"),
    ("remarks", "COMMON_ZZS/SALE/BZ"),
)
TAX_TICKET_LINE_FIELDS = {
    "item_name": "XMMC",
    "spec": "GGXH",
    "unit": "DW",
    "quantity": "XMSL",
    "unit_price": "XMDJ",
    "amount": "XMJE",
    "rate": "SL",
    "tax": "SE",
}

_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
)
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
# Some producers write the tag root as `<:eInvoice xmlns:="">` and use the ofd: prefix undeclared.
_TAG_PREFIX_RE = re.compile(rb"<(/?)[\w.-]*:")
_NAMESPACE_DECLARATION_RE = re.compile(rb"\sxmlns(?::[\w.-]*)?\s*=\s*(?:\"[^\"]*\"|'[^']*')")


def extract_ofd(data: bytes) -> Extraction:
    """The fields of the invoice in an OFD package (source "ofd")."""
    if not data:
        raise ExtractError("empty")
    members = _read_package(data)
    ofd_root = parse_xml(members["OFD.xml"])
    document = _document_folder(ofd_root)
    pages = _read_pages(members, document)
    extraction = Extraction("ofd")
    for reading in (
        _from_attachments(members, document),
        _from_custom_tags(members, document, pages.objects),
        _from_custom_datas(ofd_root),
        _from_page_text(pages),
    ):
        _merge_into(extraction, reading)
    if "number" not in extraction.fields:
        raise ExtractError("not_invoice")
    return extraction


def _merge_into(extraction: Extraction, reading: Extraction) -> None:
    for name, found in reading.fields.items():
        if name not in extraction.fields:
            extraction.put(name, found.value, found.confidence)
    if not extraction.lines:
        extraction.lines = reading.lines


# The package.


def _read_package(data: bytes) -> dict[str, bytes]:
    """The XML members of a checked package, by name; OFD.xml under that exact name."""
    if not data.startswith(b"PK"):
        raise ExtractError("unknown_format")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_members(infos)
            root_names = [info.filename for info in infos if info.filename.lower() == "ofd.xml"]
            if not root_names:
                raise ExtractError("unknown_format")  # a ZIP, but not an OFD package
            members = {info.filename: _read_member(archive, info) for info in infos if _is_xml(info)}
    except _ZIP_ERRORS:
        raise ExtractError("corrupt") from None
    members["OFD.xml"] = members[root_names[0]]
    return members


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ExtractError("unsafe_archive", members=str(len(infos)))
    for info in infos:
        if _leaves_package(info.filename):
            raise ExtractError("unsafe_archive", member=info.filename)
        if info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ExtractError("unsafe_archive", member=info.filename)
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        raise ExtractError("unsafe_archive", size=str(total))


def _leaves_package(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or bool(_DRIVE_RE.match(name))


def _is_xml(info: zipfile.ZipInfo) -> bool:
    return not info.is_dir() and info.filename.lower().endswith(".xml")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MEMBER_BYTES:
        raise ExtractError("too_large", member=info.filename)
    with archive.open(info) as member:
        # zipfile stops at the declared size; the cap also holds should that ever change.
        content = member.read(MAX_MEMBER_BYTES + 1)
    if len(content) > MAX_MEMBER_BYTES:
        raise ExtractError("too_large", member=info.filename)
    return content


def _document_folder(ofd_root: Element) -> str:
    doc_root = find_path(ofd_root, "DocBody/DocRoot")
    location = "" if doc_root is None else element_text(doc_root).strip().lstrip("/")
    return posixpath.dirname(location) or DEFAULT_DOCUMENT


def _members_under(members: dict[str, bytes], folder: str, index_name: str) -> list[str]:
    """The XML files of a folder of the document, without the folder's index file."""
    prefix = f"{folder}/"
    return sorted(name for name in members if name.startswith(prefix) and name != prefix + index_name)


# Pages.


@dataclass(frozen=True)
class _Pages:
    objects: dict[str, str]  # TextObject ID -> its text, for the tags' ObjectRefs
    text: str  # the pages' TextObjects in order, one a line
    template_text: str  # the template pages' labels and titles


def _read_pages(members: dict[str, bytes], document: str) -> _Pages:
    page_re = re.compile(rf"{re.escape(document)}/Pages/Page_([0-9]{{1,6}})/Content\.xml")
    template_re = re.compile(rf"{re.escape(document)}/(?:Tpls|Temps)/[^/]+/Content\.xml")
    numbered = sorted((int(match[1]), name) for name in members if (match := page_re.fullmatch(name)))
    objects: dict[str, str] = {}
    lines: list[str] = []
    for _, name in numbered:
        for object_id, text in _text_objects(parse_xml(members[name])):
            objects.setdefault(object_id, text)
            lines.append(collapse(text))
    templates = [
        collapse(text)
        for name in sorted(members)
        if template_re.fullmatch(name)
        for _, text in _text_objects(parse_xml(members[name]))
    ]
    return _Pages(objects, "\n".join(lines), "\n".join(templates))


def _text_objects(page: Element) -> list[tuple[str, str]]:
    return [
        (element.get("ID", ""), "".join(element_text(code) for code in children(element, "TextCode")))
        for element in page.iter()
        if local_name(element.tag) == "TextObject"
    ]


# Source 1: the attached invoice XML.


def _from_attachments(members: dict[str, bytes], document: str) -> Extraction:
    reading = Extraction("ofd")
    for name in _members_under(members, f"{document}/Attachs", "Attachments.xml"):
        try:
            _merge_into(reading, extract_xml(members[name]))
        except ExtractError as error:
            # Packages attach other XML too; only an unsafe or oversized one stops the reading.
            if error.code not in ("not_invoice", "corrupt"):
                raise
    return reading


# Source 2: custom tags.


def _from_custom_tags(members: dict[str, bytes], document: str, objects: dict[str, str]) -> Extraction:
    reading = Extraction("ofd")

    def referenced_text(element: Element) -> str:
        refs = (ref for ref in element.iter() if local_name(ref.tag) == "ObjectRef")
        return "".join(objects.get(element_text(ref).strip(), "") for ref in refs)

    for name in _members_under(members, f"{document}/Tags", "CustomTags.xml"):
        root = _parse_tag_file(members[name])
        if root is None:
            continue
        read_tag = _read_tax_ticket if local_name(root.tag) == "TAX_TICKET" else _read_legacy_tag
        lines = read_tag(root, reading, referenced_text)
        reading.lines = reading.lines or lines
    put_kind_from_code(reading)
    return reading


def _read_legacy_tag(root: Element, reading: Extraction, text_of: TextOf) -> list[dict[str, str]]:
    """The eInvoice element names. Lines come only from GoodsInfo groups: the flat Item, Amount and
    TaxAmount tags of Suwell 数电 files hold every line's objects together and cannot be split."""
    read_fields(root, LEGACY_FIELDS, reading, text_of)
    return read_lines(children(find_path(root, "GoodsInfos"), "GoodsInfo"), LEGACY_LINE_FIELDS, text_of)


def _read_tax_ticket(root: Element, reading: Extraction, text_of: TextOf) -> list[dict[str, str]]:
    read_fields(root, TAX_TICKET_FIELDS, reading, text_of)
    put_kind_from_code(reading)
    title = find_path(root, "COMMON_ZZS/HEAD/FP_BT")
    if title is not None and "kind" not in reading.fields:
        reading.put("kind", kind_from_title(text_of(title)))
    items = children(find_path(root, "COMMON_ZZS/DETAIL"), "COMMOM_FPKJ_XMXX")  # sic: the sample spells it so
    return read_lines(items, TAX_TICKET_LINE_FIELDS, text_of)


def _parse_tag_file(data: bytes) -> Element | None:
    """A tag file, repaired when it is the malformed kind some producers write; None when unreadable,
    as the tags are only an index of the page text."""
    root = _parsed_or_none(data)
    return root if root is not None else _parsed_or_none(_without_namespaces(data))


def _parsed_or_none(data: bytes) -> Element | None:
    try:
        return parse_xml(data)
    except ExtractError as error:
        if error.code != "corrupt":
            raise
        return None


def _without_namespaces(data: bytes) -> bytes:
    return _TAG_PREFIX_RE.sub(rb"<\1", _NAMESPACE_DECLARATION_RE.sub(b"", data))


# Source 3: OFD.xml CustomDatas.


def _from_custom_datas(ofd_root: Element) -> Extraction:
    reading = Extraction("ofd")
    for data in children(find_path(ofd_root, "DocBody/DocInfo/CustomDatas"), "CustomData"):
        name = CUSTOM_DATA_FIELDS.get(_label(data.get("Name", "")))
        if name is not None and name not in reading.fields:
            put_normalized(reading, name, element_text(data))
    put_kind_from_code(reading)
    return reading


def _label(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")")


# Source 4: the page text, by the §1 formats and the labels printed next to the values.

_AMOUNT = r"(-?[0-9][0-9,]*\.[0-9]{2})(?![0-9])"
# A label preceded by another character is part of a longer one: 原发票号码, 蓝字数电发票号码, 所属…发票代码.
_NUMBER_RE = re.compile(r"(?<![\u4e00-\u9fff])发票号码\s*[:：]\s*([0-9]{20}|[0-9]{8})(?![0-9])")
_CODE_RE = re.compile(r"(?<![\u4e00-\u9fff])发票代码\s*[:：]\s*([0-9]{12}|[0-9]{10})(?![0-9])")
_DIGITAL_NUMBER_LINE_RE = re.compile(r"[0-9]{20}")
_LEGACY_CODE_LINE_RE = re.compile(r"[0-9]{12}|[0-9]{10}")
_LABELLED_DATE_RE = re.compile(r"开票日期\s*[:：]\s*([0-9]{4}\s*[年-]\s*[0-9]{1,2}\s*[月-]\s*[0-9]{1,2})")
_DATE_RE = re.compile(r"[0-9]{4}\s*年\s*[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日")
_CHECK_CODE_RE = re.compile(r"校\s*验\s*码\s*[:：]\s*((?:[0-9] ?){19}[0-9])(?![0-9])")
_PARTY_RE = re.compile(r"(?P<buyer>购\s*买\s*方|购\s*方)|(?P<seller>销\s*售\s*方|销\s*方)")
_TIN_RE = re.compile(r"(?:统一社会信用代码|纳税人识别号)[^:：\n]{0,12}[:：]\s*([0-9A-Z]{15,20})(?![0-9A-Z])")
_NAME_RE = re.compile(r"名\s*称\s*[:：][^\S\n]*\n?[^\S\n]*([^\n:：]+)")
_TOTAL_RE = re.compile(rf"[(（]\s*小\s*写\s*[)）]\s*[¥￥]?\s*{_AMOUNT}")
_AMOUNT_RE = re.compile(rf"(?<![税价])金\s*额\s*[:：]\s*[¥￥]?\s*{_AMOUNT}")
_TAX_RE = re.compile(rf"税\s*额\s*[:：]\s*[¥￥]?\s*{_AMOUNT}")
_SUM_ROW_RE = re.compile(rf"合\s*计\s*[¥￥]?\s*{_AMOUNT}\s*[¥￥]?\s*(?:{_AMOUNT}|(\*\*\*))")
_WORDS_RE = re.compile(
    r"(?:[(（]负数[)）])?[零壹贰叁肆伍陆柒捌玖拾佰仟万亿]+[圆元][零壹贰叁肆伍陆柒捌玖角分整正]*"
)


def _from_page_text(pages: _Pages) -> Extraction:
    reading = Extraction("ofd")
    text = pages.text
    _put_first(reading, "number", _NUMBER_RE, text)
    if "number" not in reading.fields:
        reading.put("number", _digital_number_line(text), PAGE_TEXT_CONFIDENCE)
    _put_first(reading, "code", _CODE_RE, text)
    _put_first(reading, "issue_date", _LABELLED_DATE_RE, text)
    if "issue_date" not in reading.fields:
        _put_first(reading, "issue_date", _DATE_RE, text, group=0)
    _put_first(reading, "check_code", _CHECK_CODE_RE, text)
    _put_by_party(reading, "tin", _TIN_RE, text)
    _put_by_party(reading, "name", _NAME_RE, text)
    _put_amounts(reading, text)
    _put_words(reading, text)
    put_kind_from_code(reading)
    reading.put("kind", kind_from_title(f"{text}\n{pages.template_text}"), PAGE_TEXT_CONFIDENCE)
    return reading


def _put_first(reading: Extraction, name: str, pattern: re.Pattern, text: str, group: int = 1) -> None:
    for match in pattern.finditer(text):
        if name in reading.fields:
            return
        put_normalized(reading, name, match[group], PAGE_TEXT_CONFIDENCE)


def _digital_number_line(text: str) -> str | None:
    """A line of 20 digits alone is the 数电 number, but only on a page without a 发票代码: legacy
    invoices print their 20-digit 校验码 the same way."""
    lines = text.splitlines()
    if any(_LEGACY_CODE_LINE_RE.fullmatch(line) for line in lines):
        return None
    return next((line for line in lines if _DIGITAL_NUMBER_LINE_RE.fullmatch(line)), None)


def _put_by_party(reading: Extraction, suffix: str, pattern: re.Pattern, text: str) -> None:
    """A labelled value belongs to the party (购买方 or 销售方) named last before its label."""
    for match in pattern.finditer(text):
        party = _party_before(text, match.start())
        if party is not None and f"{party}_{suffix}" not in reading.fields:
            put_normalized(reading, f"{party}_{suffix}", match[1], PAGE_TEXT_CONFIDENCE)


def _party_before(text: str, position: int) -> str | None:
    party = None
    for match in _PARTY_RE.finditer(text, 0, position):
        party = "buyer" if match["buyer"] else "seller"
    return party


def _put_amounts(reading: Extraction, text: str) -> None:
    _put_first(reading, "total", _TOTAL_RE, text)
    _put_first(reading, "amount", _AMOUNT_RE, text)
    _put_first(reading, "tax", _TAX_RE, text)
    row = _SUM_ROW_RE.search(text)  # the 合计 row: amount, then tax (*** when 免税)
    if row is not None:
        for name, value in (("amount", row[1]), ("tax", row[2] or row[3])):
            if name not in reading.fields:
                put_normalized(reading, name, value, PAGE_TEXT_CONFIDENCE)


def _put_words(reading: Extraction, text: str) -> None:
    for match in _WORDS_RE.finditer(text):
        try:
            words_to_decimal(match[0])
        except FapiaoParseError:
            continue
        reading.put("total_in_words", match[0], PAGE_TEXT_CONFIDENCE)
        return
