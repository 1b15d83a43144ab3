from django import forms
from django.utils.translation import gettext_lazy as _

from ingest.models import JobState
from ingest.services import Upload
from ingest.sources import SOURCE_LABELS

MAX_FILES = 500


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files; an empty one is let through, for the upload to refuse it alone and by name
    (ingest.services.receive_files) instead of refusing the whole selection."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, allow_empty_file=True, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files if file]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Invoice files"),
        help_text=_(
            "PDF, OFD, 数电 XML, JPEG, PNG or TIFF files, or ZIP archives of them; up to 50 MB each."
        ),
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if not files:
            raise forms.ValidationError(_("Choose at least one file."), code="required")
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("At most %(max)d files at a time; put more in a ZIP."),
                code="too_many",
                params={"max": MAX_FILES},
            )
        return files

    def uploads(self) -> list[Upload]:
        return [Upload(name=file.name, data=file) for file in self.cleaned_data["files"]]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why is this not an invoice to keep?"), max_length=500)


class JobFilterForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any")), *SOURCE_LABELS.items()]
    )
    state = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", _("Any")), *JobState.choices])
    month = forms.DateField(
        label=_("Received in"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
