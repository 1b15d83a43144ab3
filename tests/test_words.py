"""No code names where a person reads: every page reachable from the home page of the demo (as
its admin, in Chinese and in English) and every export is searched for the words the code uses —
field names (`seller_name`), states (`needs_review`), identities (`052002100113:00008006`) and
namespaced keys (`identity:fields`). Times shown are in Beijing time, never UTC."""

import io
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from accounts.models import User

CODE_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # snake_case
IDENTITY = re.compile(r"\b\d{10,12}:\d{8}\b")
KEY = re.compile(r"\b[a-z]+:[a-z_]{3,}\b")
UTC_WORDS = re.compile(r"\bUTC\b|\+00:00|Z\b(?=\s|$)")
SKIPPED = ("/api/", "/admin/", "/accounts/logout", "/static/", "/i18n/", "/capture/files/")
MAX_PAGES = 160
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")


class VisibleText(HTMLParser):
    """The text a person sees: text nodes outside script and style, and the attributes read out."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        self.parts.extend(str(attributes[name]) for name in READ_ATTRIBUTES if attributes.get(name))
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data)


def code_words(text: str, codes: frozenset[str] = frozenset()) -> list[str]:
    """The code names in a text; `codes` adds single words that are codes in that language."""
    found = [match[0] for pattern in (CODE_WORD, IDENTITY, KEY) for match in pattern.finditer(text)]
    return found + [word for word in re.findall(r"(?<![\w.@/-])[a-z]{2,}(?![\w.@/-])", text) if word in codes]


def choice_codes() -> frozenset[str]:
    """The stored values of every choice the models know (states, kinds, roles, severities…): in
    the Chinese pages none of them may show as it is stored."""
    from django.apps import apps

    codes = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z]{2,}", value):
                    codes.add(value)
    return frozenset(codes)


def crawl(
    client: Client, start: str = "/", codes: frozenset[str] = frozenset()
) -> tuple[set[str], dict[str, list[str]]]:
    """The pages reached from `start`, and the code words each shows a person."""
    seen, queue, found = set(), [start], {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        words = code_words("\n".join(parser.parts), codes)
        if words:
            found[path] = sorted(set(words))
        for link in parser.links:
            target = urlsplit(urljoin(path, link))
            if target.netloc or not target.path.startswith("/") or target.path.startswith(SKIPPED):
                continue
            # One page of each list is enough; a query names a filter, kept once per path.
            queue.append(
                target.path + (f"?{target.query}" if target.query and "page=" not in target.query else "")
            )
    return seen, found


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    return User.objects.get(username="alice")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_shows_a_code_name(demo, language):
    client = Client()
    client.force_login(demo)
    client.cookies["django_language"] = language
    pages, found = crawl(client, codes=choice_codes() if language == "zh-hans" else frozenset())
    assert len(pages) > 60, sorted(
        pages
    )  # the ledger, its invoices, capture, reconciliation, dashboard, people
    assert found == {}


def test_the_search_finds_what_the_code_calls_things():
    shown = "销方：seller_name、identity:fields，发票 052002100113:00008006，状态 needs_review"
    assert code_words(shown) == ["seller_name", "needs_review", "052002100113:00008006", "identity:fields"]


def xlsx_words(data: bytes) -> list[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    text = "\n".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell
    )
    return code_words(text) + [match[0] for match in UTC_WORDS.finditer(text)]


def test_no_export_shows_a_code_name_or_a_utc_time(demo):
    client = Client()
    client.force_login(demo)
    exports = {}
    home = client.get("/").content.decode()
    for path in sorted(set(re.findall(r'href="([^"]+\.xlsx[^"]*)"', home))):
        exports[path] = client.get(path.replace("&amp;", "&"))
    exports["/dashboard/report.xlsx"] = client.get("/dashboard/report.xlsx")
    exports["/invoices/export.xlsx"] = client.get("/invoices/export.xlsx")
    found = {
        path: xlsx_words(response.content)
        for path, response in exports.items()
        if response.status_code == 200 and "spreadsheet" in response["Content-Type"]
    }
    assert "/dashboard/report.xlsx" in found
    assert {path: words for path, words in found.items() if words} == {}


def test_a_duplicates_refusal_names_the_number_and_the_time_in_beijing(company_a, bob):
    from datetime import UTC, datetime

    from invoices.models import Invoice
    from invoices.services import duplicate_error
    from tests.invoices.test_services import make_invoice

    first = make_invoice(company_a, bob)
    Invoice.objects.filter(pk=first.pk).update(
        code="044031900211", number="37820761", created_at=datetime(2026, 3, 31, 17, 30, tzinfo=UTC)
    )
    first.refresh_from_db()
    first.identity = "044031900211:37820761"
    with translation.override("zh-hans"):
        (message,) = duplicate_error(first).messages
        assert message == (
            "这张发票已在台账中：37820761（代码 044031900211），开票日期 2026-05-14，价税合计 1,130.00，"
            "由 bob 于 2026-04-01 01:30 录入。"
        )


def test_a_legacy_invoices_page_shows_its_number_and_code_not_the_matching_key(company_a, bob, browser_as):
    from invoices.models import Invoice
    from tests.invoices.test_services import make_invoice

    invoice = make_invoice(company_a, bob)
    Invoice.objects.filter(pk=invoice.pk).update(
        code="044031900211", number="37820761", digital_number="", identity="044031900211:37820761"
    )
    page = browser_as(bob).get(f"/invoices/{invoice.pk}/").content.decode()
    title = page[page.index("<title>") : page.index("</title>") + 8]
    assert title == "<title>37820761（代码 044031900211） · 发票台</title>"
    assert "044031900211:37820761" not in page
