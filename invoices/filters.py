"""The ledger's list filters, shared by the list page, its exports and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from invoices.fapiao import normalize_id, normalize_text
from invoices.models import KIND_CHOICES, Deduction, Direction, Status
from invoices.selectors import counterparty_named, invoices_matching
from reconcile.ages import BY_KEY, MISSING_BUCKETS
from reconcile.selectors import held_by_bureau, missing_from_bureau

ANY = _("Any")
BUREAU_CHOICES = [("missing", _("Missing from the bureau's data")), ("held", _("In the bureau's data"))]
HAS_CHOICES = [("errors", _("Errors")), ("warnings", _("Warnings")), ("clean", _("No errors or warnings"))]


# <input type=date> takes only yyyy-mm-dd, whatever the language's date format.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def looks_like_identifier(text: str) -> bool:
    return len(text) >= 8 and text.isalnum() and any(char.isdigit() for char in text)


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        help_text=_("Any part of a number or taxpayer ID, an amount, a name, drawer, item or remark"),
    )
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=Direction.choices, empty_label=ANY)
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind"), choices=KIND_CHOICES, distinct=False, widget=forms.CheckboxSelectMultiple
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, empty_label=ANY)
    deduction = django_filters.ChoiceFilter(label=_("Deduction"), choices=Deduction.choices, empty_label=ANY)
    date_from = django_filters.DateFilter(
        label=_("Issued from"), field_name="issue_date", lookup_expr="gte", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        label=_("Issued until"), field_name="issue_date", lookup_expr="lte", widget=DATE_INPUT
    )
    counterparty = django_filters.CharFilter(label=_("Counterparty"), method="filter_counterparty")
    total_min = django_filters.NumberFilter(label=_("Total from"), field_name="total", lookup_expr="gte")
    total_max = django_filters.NumberFilter(label=_("Total up to"), field_name="total", lookup_expr="lte")
    has = django_filters.ChoiceFilter(
        label=_("Findings"), choices=HAS_CHOICES, method="filter_has", empty_label=ANY
    )
    bureau = django_filters.ChoiceFilter(
        label=_("Bureau's data"), choices=BUREAU_CHOICES, method="filter_bureau", empty_label=ANY
    )
    missing_days = django_filters.ChoiceFilter(
        label=_("Missing from the bureau's data for (days)"),
        choices=[(bucket.key, bucket.label) for bucket in MISSING_BUCKETS],
        method="filter_missing_days",
        empty_label=ANY,
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Issue date (newest first)"),
        fields=(
            ("issue_date", "issue_date"),
            ("total", "total"),
            ("number", "number"),
            ("counterparty_name", "counterparty"),
            ("created_at", "created_at"),
        ),
        choices=[
            ("issue_date", _("Issue date (oldest first)")),
            ("-total", _("Total (largest first)")),
            ("total", _("Total (smallest first)")),
            ("number", _("Number (ascending)")),
            ("-number", _("Number (descending)")),
            ("counterparty", _("Counterparty (A to Z)")),
            ("-counterparty", _("Counterparty (Z to A)")),
            ("-created_at", _("Entered (newest first)")),
            ("created_at", _("Entered (oldest first)")),
        ],
    )

    def filter_search(self, queryset, name, value):
        return queryset.filter(invoices_matching(company=self.request.company, text=value))

    def filter_counterparty(self, queryset, name, value):
        term = normalize_id(value)
        if looks_like_identifier(term):
            return queryset.filter(counterparty_tin=term)
        return queryset.filter(counterparty_named(company=self.request.company, text=normalize_text(value)))

    def filter_has(self, queryset, name, value):
        if value == "errors":
            return queryset.filter(error_count__gt=0)
        if value == "warnings":
            return queryset.filter(warning_count__gt=0)
        return queryset.filter(error_count=0, warning_count=0)

    def filter_missing_days(self, queryset, name, value):
        """Invoices missing from the bureau's data (as filter_bureau) for this many days."""
        return missing_from_bureau(queryset, company=self.request.company, bucket=BY_KEY[value])

    def filter_bureau(self, queryset, name, value):
        """Purchase invoices the latest purchase reconciliation found missing from the bureau's data
        and nobody has decided yet (reconcile.selectors.missing_in_bureau), or that an export holds."""
        company = self.request.company
        if value == "missing":
            return missing_from_bureau(queryset, company=company)
        return queryset.filter(direction=Direction.PURCHASE).filter(held_by_bureau(company=company))

    @property
    def qs(self):
        """The filtered invoices; none at all while a filter cannot be read (a malformed date, an
        unknown choice), so that a list never passes for filtered when it is not."""
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        result = super().qs
        chosen = self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("ordering")
        if not chosen:
            result = result.order_by("-issue_date", "-id")
        return result
