from datetime import datetime, time

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.redirects import MAX_ROW_ID
from reconcile.decisions import ACTIONS, fitting_action, possible_actions
from reconcile.messages import ACTION_LABELS, CATEGORY_LABELS, as_of_problem
from reconcile.models import Discrepancy
from reconcile.sellers import ERROR_CATEGORIES


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Bureau export (XLSX, XLS or CSV)"))
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[
            ("", _("Tell from the file")),
            ("purchase", _("Purchases (进项)")),
            ("sales", _("Sales (销项)")),
        ],
    )
    as_of = forms.DateField(
        label=_("Bureau data as of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "When the export was taken. Left empty, the export time in the file's title row (导出时间) "
            "is taken, else the moment of upload; a day entered here wins over the file's."
        ),
    )

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        problem = day and as_of_problem(day)
        if problem:
            raise forms.ValidationError(problem, code="as_of_out_of_range")
        return day

    def as_of_moment(self) -> datetime | None:
        day = self.cleaned_data.get("as_of")
        return timezone.make_aware(datetime.combine(day, time(23, 59))) if day else None


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"), choices=[(action, ACTION_LABELS[action]) for action in ACTIONS]
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    counterpart = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ROW_ID, widget=forms.HiddenInput
    )

    @classmethod
    def for_case(cls, discrepancy: Discrepancy, *, can_link: bool) -> "DecisionForm":
        """The decisions that can apply to this discrepancy, the one fitting its case chosen."""
        form = cls(initial={"action": fitting_action(discrepancy, can_link=can_link)})
        offered = [action for action in possible_actions(discrepancy) if action != "link" or can_link]
        form.fields["action"].choices = [(action, ACTION_LABELS[action]) for action in offered]
        return form


class DiscrepancyFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(
        label=_("Category"),
        choices=list(CATEGORY_LABELS.items()),
        empty_label=_("All but matched"),
        method="filter_category",
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=Discrepancy.State.choices, empty_label=_("Any")
    )
    counterparty = django_filters.CharFilter(label=_("Counterparty"), method="filter_counterparty")
    group = django_filters.ChoiceFilter(
        label=_("Kind"),
        choices=[("errors", _("The bureau's record disagrees"))],
        empty_label=_("Any"),
        method="filter_group",
    )
    min_days = django_filters.NumberFilter(
        label=_("Missing for at least (days)"), field_name="days_missing", lookup_expr="gte"
    )

    def filter_category(self, queryset, name, value):
        return queryset.filter(category=value)

    def filter_group(self, queryset, name, value):
        return queryset.filter(category__in=ERROR_CATEGORIES)

    def filter_counterparty(self, queryset, name, value):
        term = value.strip()
        return queryset.filter(counterparty_tin=term.upper()) | queryset.filter(
            counterparty_name__icontains=term
        )

    @property
    def qs(self):
        result = super().qs
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("category")):
            result = result.exclude(category="matched")
        return result.order_by("category", "-tax_at_risk", "identity")
