"""Forms of the ledger pages. They only carry what the user typed: invoices.drafts cleans it and
the services decide; errors come back onto these forms by field name."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from invoices.drafts import LINE_FIELDS
from invoices.fapiao import Kind
from invoices.models import KIND_CHOICES, Deduction, Direction, NotDeductibleReason, Status


def _text(label, **attrs):
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))


def _money(label, **attrs):
    return _text(label, inputmode="decimal", autocomplete="off", **attrs)


class InvoiceForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    code = _text(_("Invoice code"), inputmode="numeric", autocomplete="off")
    number = _text(_("Invoice number"), inputmode="numeric", autocomplete="off")
    digital_number = _text(_("数电 number (paper 数电 invoices)"), inputmode="numeric", autocomplete="off")
    # <input type=date> takes only yyyy-mm-dd, whatever the language's date format.
    issue_date = forms.CharField(
        label=_("Issue date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    seller_name = _text(_("Seller name"))
    seller_tin = _text(_("Seller taxpayer ID"), autocapitalize="characters", spellcheck="false")
    buyer_name = _text(_("Buyer name"))
    buyer_tin = _text(_("Buyer taxpayer ID"), autocapitalize="characters", spellcheck="false")
    amount = _money(_("Amount excl. tax"), **{"data-sum": "amount"})
    tax = _money(_("Tax"), **{"data-sum": "tax"})
    total = _money(_("Total (价税合计)"), **{"data-total": ""})
    total_in_words = _text(_("Total in words (大写), as printed"))
    check_code = _text(_("Check code (校验码)"), inputmode="numeric", autocomplete="off")
    drawer = _text(_("Drawer (开票人)"))
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_red = forms.BooleanField(label=_("Red invoice (红字发票)"), required=False)
    blue_identity = _text(_("Number of the blue original"), inputmode="numeric", autocomplete="off")
    reason = _text(_("Reason for the change"))


class LineForm(forms.Form):
    item_name = _text(_("Item"))
    tax_classification_code = _text(_("Tax code"), inputmode="numeric")
    spec = _text(_("Specification"))
    unit = _text(_("Unit"))
    quantity = _money(_("Quantity"), **{"data-line": "quantity"})
    unit_price = _money(_("Unit price"), **{"data-line": "unit_price"})
    amount = _money(_("Amount"), **{"data-line": "amount"})
    rate = _text(_("Rate"), list="rates", **{"data-line": "rate"})
    tax = _money(_("Tax"), **{"data-line": "tax"})

    def values(self) -> dict | None:
        """What was typed on this line, or None for a line left empty."""
        values = {name: self.data.get(self.add_prefix(name), "").strip() for name in LINE_FIELDS}
        return values if any(values.values()) else None


LineFormSet = forms.formset_factory(LineForm, extra=0, max_num=500)


def attach_errors(form: InvoiceForm, line_forms: list[LineForm], error: ValidationError) -> None:
    """Put a cleaning or service error onto the field it names (`lines[2].tax` is line 3's tax)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if name.startswith("lines["):
            position, field = name[len("lines[") :].split("].", 1)
            line_forms[int(position)].add_error(field, errors)
        else:
            form.add_error(name if name in form.fields else None, errors)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class BulkDeductionForm(forms.Form):
    deduction = forms.ChoiceField(
        label=_("Deduction"),
        choices=Deduction.choices,
        help_text=_(
            "Only purchase special, toll and motor vehicle invoices that are not voided or red are "
            "ticked; the others are left as they are, each with the reason."
        ),
    )
    period = forms.DateField(
        label=_("Tax period"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    not_deductible_reason = forms.ChoiceField(
        label=_("Reason not deductible"), required=False, choices=[("", "—"), *NotDeductibleReason.choices]
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (XLSX, XLS or CSV)"))
    direction = forms.ChoiceField(
        label=_("Rows without a 方向 column are"),
        choices=[
            ("auto", _("Sales when the seller is this company, otherwise purchases")),
            ("purchase", _("Purchases (进项)")),
            ("sales", _("Sales (销项)")),
        ],
        initial="auto",
    )
    default_kind = forms.ChoiceField(
        label=_("Kind of rows whose 票种 and 发票代码 do not tell"),
        required=False,
        choices=[
            ("", _("数电 invoice, special or ordinary to be confirmed later")),
            *((value, label) for value, label in KIND_CHOICES if value != Kind.DIGITAL_UNKNOWN),
        ],
        help_text=_(
            "A ledger without a 票种 column: its 数电 rows are imported as 数电 invoices and the kind is "
            "filled in from the bureau's export or the original; choose a kind if you know it for the "
            "whole file."
        ),
    )
