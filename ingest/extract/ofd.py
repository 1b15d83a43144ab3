"""OFD (GB/T 33190) invoice packages read into an Extraction. Pure: no Django.

Implements docs/fapiao-rules.md §OFD: the package is a ZIP, checked before anything is read (no absolute paths
or `..`, at most 500 members, 50 MB uncompressed in all, no member compressed more than 200 to 1), and its
sources are read in this order, an earlier source winning each field:

1. `Doc_0/Attachs/*.xml`, the structured invoice, read by xml_einvoice (§XML, §OFD);
2. `Doc_0/Tags/*.xml`, custom tags whose values are ObjectRefs to the pages' TextObjects;
3. `OFD.xml` DocInfo/CustomDatas, where 合计金额 is the tax-exclusive amount;
4. the pages' text, each page drawn over its template, every label paired with the value printed
   beside it whatever order the page was drawn in (ofd_glyphs.py, page_fields.py), for what is still
   missing (confidence at most 0.9).

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
from ingest.extract.geometry import Glyph
from ingest.extract.ofd_glyphs import page_glyphs, template_ids
from ingest.extract.page_fields import read_page
from ingest.extract.xml_einvoice import (
    LEGACY_FIELDS,
    LEGACY_LINE_FIELDS,
    FieldPaths,
    TextOf,
    children,
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
from invoices.fapiao import normalize_text

MAX_MEMBERS = 500
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_MEMBER_BYTES = 16 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed: page XML compresses about 10 to 1
PAGE_TEXT_CONFIDENCE = 0.9
DEFAULT_DOCUMENT = "Doc_0"
A4 = (210.0, 297.0)  # millimetres: a page whose document gives no size

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
    document_root = _document_root(ofd_root)
    document = posixpath.dirname(document_root) or DEFAULT_DOCUMENT
    pages = _read_pages(members, document_root)
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


def page_layout(data: bytes) -> tuple[tuple[float, float], list[list[Glyph]]]:
    """The page size in millimetres (Document.xml PageArea PhysicalBox) and each page's characters
    where they sit, for a picture of the pages."""
    members = _read_package(data)
    document_root = _document_root(parse_xml(members["OFD.xml"]))
    document = _parsed_or_none(members[document_root]) if document_root in members else None
    box = find_path(document, "CommonData/PageArea/PhysicalBox")
    numbers = [float(part) for part in element_text(box).split()] if box is not None else []
    size = (
        (numbers[2], numbers[3])
        if len(numbers) == 4 and 10 < numbers[2] < 2000 and 10 < numbers[3] < 2000
        else A4
    )
    return size, _read_pages(members, document_root).glyphs


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


def _document_root(ofd_root: Element) -> str:
    """The member name of the document's Document.xml, as OFD.xml DocBody/DocRoot gives it."""
    doc_root = find_path(ofd_root, "DocBody/DocRoot")
    location = "" if doc_root is None else element_text(doc_root)
    return _member_name("", location) if location.strip() else f"{DEFAULT_DOCUMENT}/Document.xml"


def _members_under(members: dict[str, bytes], folder: str, index_name: str) -> list[str]:
    """The XML files of a folder of the document, without the folder's index file."""
    prefix = f"{folder}/"
    return sorted(name for name in members if name.startswith(prefix) and name != prefix + index_name)


# Pages.


@dataclass(frozen=True)
class _Pages:
    objects: dict[str, str]  # TextObject ID -> its text, for the tags' ObjectRefs
    glyphs: list[list[Glyph]]  # each page's characters where they sit, over its templates


def _read_pages(members: dict[str, bytes], document_root: str) -> _Pages:
    document = posixpath.dirname(document_root) or DEFAULT_DOCUMENT
    page_re = re.compile(rf"{re.escape(document)}/Pages/Page_([0-9]{{1,6}})/Content\.xml")
    numbered = sorted((int(match[1]), name) for name in members if (match := page_re.fullmatch(name)))
    templates = _templates(members, document_root)
    objects: dict[str, str] = {}
    glyphs: list[list[Glyph]] = []
    for _, name in numbered:
        page = parse_xml(members[name])
        for object_id, text in _text_objects(page):
            objects.setdefault(object_id, text)
        drawn_over = [templates[template] for template in template_ids(page) if template in templates]
        glyphs.append(page_glyphs([*drawn_over, page]))
    return _Pages(objects, glyphs)


def _templates(members: dict[str, bytes], document_root: str) -> dict[str, Element]:
    """The template pages Document.xml declares, by ID; those that do not read are left out, as
    only their printed labels are wanted."""
    document = _parsed_or_none(members[document_root]) if document_root in members else None
    found = {}
    for template in children(find_path(document, "CommonData"), "TemplatePage"):
        location = _member_name(posixpath.dirname(document_root), template.get("BaseLoc", ""))
        content = _parsed_or_none(members[location]) if location in members else None
        if content is not None:
            found[template.get("ID", "")] = content
    return found


def _member_name(folder: str, location: str) -> str:
    """A BaseLoc as the package's member name: relative to the folder of the file that names it,
    or to the package's root when it starts with /."""
    location = location.strip().replace("\\", "/")
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, location))


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
    """A CustomData name as the table spells it: half-width, look-alikes unified, no spaces."""
    return "".join(normalize_text(text).split())


# Source 4: the page text, each label paired with the value printed beside it (page_fields.py).


def _from_page_text(pages: _Pages) -> Extraction:
    reading = Extraction("ofd")
    for index, glyphs in enumerate(pages.glyphs):
        page = read_page(glyphs, source="ofd", index=index)
        for name, found in page.fields.items():
            if name not in reading.fields:
                reading.put(name, found.value, min(found.confidence, PAGE_TEXT_CONFIDENCE))
        reading.lines.extend(page.lines)
    return reading
