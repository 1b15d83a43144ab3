from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from accounts.models import Company
from invoices.fapiao import one_edit_apart
from invoices.models import Counterparty, Invoice, InvoiceEvent, InvoiceLine, LedgerImport, Status
from invoices.search_terms import search_terms


def invoice_queryset(*, company: Company) -> QuerySet[Invoice]:
    return Invoice.objects.of(company)


def invoice_none() -> QuerySet[Invoice]:
    """No invoices: what the API schema generator inspects, having no company to ask for."""
    return Invoice.objects.none()


def invoice_get(*, company: Company, pk: int) -> Invoice:
    return get_object_or_404(
        invoice_queryset(company=company).select_related(
            "blue_original", "created_by", "updated_by", "original_file"
        ),
        pk=pk,
    )


def invoice_get_by_identity(*, company: Company, identity: str) -> Invoice | None:
    return invoice_queryset(company=company).filter(identity=identity).select_related("created_by").first()


def invoice_events(*, invoice: Invoice) -> QuerySet[InvoiceEvent]:
    return invoice.events.select_related("user").order_by("seq")


def live_red_invoices(*, blue: Invoice) -> QuerySet[Invoice]:
    """The red invoices that flush a blue one (a voided red invoice flushes nothing)."""
    return blue.red_invoices.exclude(status=Status.VOIDED)


def near_duplicate_identities(
    *, company: Company, seller_tin: str, issue_date: date, total: Decimal, number: str, identity: str
) -> list[str]:
    """Invoices of the same seller, date and total whose number is one character away: the same
    paper entered twice with a typo, or a re-upload read differently."""
    candidates = (
        invoice_queryset(company=company)
        .filter(seller_tin=seller_tin, issue_date=issue_date, total=total)
        .exclude(identity=identity)
        .values_list("identity", "number")
    )
    return [other for other, other_number in candidates if one_edit_apart(number, other_number)]


def invoice_totals(queryset: QuerySet[Invoice]) -> dict:
    """Count and sums of a filtered list, in one query."""
    return queryset.order_by().aggregate(
        count=Count("pk"), amount=Sum("amount"), tax=Sum("tax"), total=Sum("total")
    )


def counterparty_named(*, company: Company, text: str) -> Q:
    """A filter for invoices whose counterparty's name contains `text`. The name is looked up in the
    company's small counterparty table; the invoices are then found by taxpayer ID, through an index."""
    named = Counterparty.objects.of(company).filter(name__icontains=text).values_list("tin", "name")
    tins = {tin for tin, _name in named if tin}
    names_without_tin = {name for tin, name in named if not tin}
    return Q(counterparty_tin__in=tins) | Q(counterparty_tin="", counterparty_name__in=names_without_tin)


IDENTIFIER_FIELDS = ("number", "digital_number", "code", "counterparty_tin")
WORD_FIELDS = ("drawer", "remarks")
AMOUNT_FIELDS = ("amount", "tax", "total")


def invoices_matching(*, company: Company, text: str) -> Q:
    """A filter for the company's invoices that a search finds: any part of the number, 数电 number,
    code or counterparty's taxpayer ID; an amount, tax or total equal to the amount typed; the
    counterparty's name, the drawer, a line's item or the remarks containing the words (one or two
    characters: starting with them, see invoices.search_terms).

    Each kind of match is its own query on its own index (trigram indexes on PostgreSQL, migration
    0005), and the invoices are those any of them finds: one OR over every column would read the
    whole ledger."""
    terms = search_terms(text)
    if terms.empty:
        return Q(company=company)
    invoices = invoice_queryset(company=company).order_by()
    words = "istartswith" if terms.short else "icontains"
    # An item reads "*category*name": a short word is looked for where either starts. The lines
    # are not joined to their invoices here; the company filter below applies to what they find.
    item = f"*{terms.words}" if terms.short else terms.words
    found = [
        invoices.filter(counterparty_named(company=company, text=terms.words)).values("pk"),
        *(invoices.filter(**{f"{name}__{words}": terms.words}).values("pk") for name in WORD_FIELDS),
        InvoiceLine.objects.filter(item_name__icontains=item).order_by().values("invoice_id"),
    ]
    if terms.identifier and not terms.short:
        found += [
            invoices.filter(**{f"{name}__{lookup}": terms.identifier}).values("pk")
            for name in IDENTIFIER_FIELDS
            if (lookup := _identifier_lookup(name, terms.identifier))
        ]
    if terms.amount is not None:
        found += [invoices.filter(**{name: terms.amount}).values("pk") for name in AMOUNT_FIELDS]
    return Q(company=company, pk__in=found[0].union(*found[1:], all=True))


def _identifier_lookup(name: str, identifier: str) -> str:
    """A whole number (as long as the column) is looked up through its B-tree index: its trigrams
    are shared by most numbers of a series. A longer text cannot be in the column at all."""
    max_length = Invoice._meta.get_field(name).max_length
    if len(identifier) > max_length:
        return ""
    return "exact" if len(identifier) == max_length else "contains"


def known_tins(*, company: Company, tins: list[str]) -> set[str]:
    """Which of `tins` the company knows: its own, or a counterparty its invoices name."""
    wanted = {tin for tin in tins if tin}
    counterparties = Counterparty.objects.of(company).filter(tin__in=wanted).values_list("tin", flat=True)
    return (wanted & {company.tin}) | set(counterparties)


def tins_named(*, company: Company, name: str) -> set[str]:
    """The taxpayer IDs the company knows under this exact name: its own, or its counterparties'."""
    counterparties = Counterparty.objects.of(company).filter(name=name).exclude(tin="")
    own = {company.tin} if name == company.name else set()
    return set(counterparties.values_list("tin", flat=True)) | own


def ledger_import_get(*, company: Company, pk: int) -> LedgerImport:
    """One of the company's ledger imports; 404 for another company's."""
    return get_object_or_404(LedgerImport.objects.of(company), pk=pk)
