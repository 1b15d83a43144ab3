"""The worklist: a company's anomalies, the most money at stake first, filtered by kind, severity,
assignee, counterparty, state and the month they were first seen."""

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from invoices.fapiao import normalize_id
from invoices.periods import month_bounds
from monitor.alerts import alert_members
from monitor.messages import TITLES
from monitor.models import Anomaly, AnomalyEvent, Severity

ANY = _("Any")
SEVERITY_ORDER = Case(
    *(When(severity=severity, then=Value(rank)) for rank, severity in enumerate(reversed(Severity.values))),
    output_field=IntegerField(),
)
STATE_CHOICES = [
    ("open", _("Open")),
    ("acknowledged", _("Acknowledged")),
    ("resolved", _("Resolved")),
    ("all", _("All")),
]


def worklist_queryset(*, company: Company) -> QuerySet[Anomaly]:
    return (
        Anomaly.objects.of(company)
        .select_related("assignee", "state_by")
        .order_by("-money_at_stake", SEVERITY_ORDER, "-last_seen", "pk")
    )


def anomaly_get(*, company: Company, pk: int) -> Anomaly:
    return get_object_or_404(worklist_queryset(company=company), pk=pk)


def anomaly_events(*, anomaly: Anomaly) -> QuerySet[AnomalyEvent]:
    return anomaly.events.select_related("user").order_by("seq")


class AnomalyFilter(django_filters.FilterSet):
    """Without a state, the live ones (open and acknowledged)."""

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=list(TITLES.items()), empty_label=ANY)
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Severity.choices, empty_label=ANY)
    assignee = django_filters.ChoiceFilter(label=_("Assigned to"), method="filter_assignee", empty_label=ANY)
    counterparty = django_filters.CharFilter(label=_("Counterparty"), method="filter_counterparty")
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=STATE_CHOICES, method="filter_state", empty_label=_("Open or acknowledged")
    )
    seen = django_filters.DateFilter(
        label=_("First seen in"),
        method="filter_seen",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        people = [(str(user.pk), user.get_username()) for user in alert_members(company=company)]
        self.filters["assignee"].extra["choices"] = [("me", _("Me")), ("none", _("Nobody")), *people]

    def filter_assignee(self, queryset, name, value):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        return queryset.filter(assignee_id=value)

    def filter_counterparty(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(Q(counterparty=normalize_id(term)) | Q(details__seller_name__icontains=term))

    def filter_state(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(state=value)

    def filter_seen(self, queryset, name, value):
        return queryset.filter(first_seen__date__range=month_bounds(value))

    @property
    def qs(self):
        result = super().qs
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("state")):
            result = result.exclude(state=Anomaly.State.RESOLVED)
        return result


class AssignForm(forms.Form):
    assignee = forms.IntegerField(required=False, min_value=1)  # a user's id; empty: nobody
