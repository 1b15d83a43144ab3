"""Uploads are streamed to temporary files on disk, never held in memory, and refused as soon as
they pass the limit of the page or API that receives them (settings.UPLOAD_LIMITS): a file larger
than its limit is not read past the limit, and a request announcing more bytes than the limit
is refused before its first file is read. The view then answers with the reason (a form error on
a page, a 413 from the API) and keeps nothing.

A view names its limit with `upload_limit = "capture"` (on a function view: `@upload_limit("capture")`);
a view that names none takes no file larger than the "other" limit."""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.core.handlers.wsgi import LimitedStream
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

MB = 1024 * 1024
# The form fields and multipart boundaries around the files of a request.
FORM_ALLOWANCE = MB

FILE_TOO_LARGE = _("%(name)s is larger than %(limit)s MB.")
REQUEST_TOO_LARGE = _("The files sent together are larger than %(limit)s MB; send them in several uploads.")


@dataclass(frozen=True)
class Refusal:
    name: str  # the file being received when the limit was passed, "" when none had started
    limit: int  # bytes
    whole_request: bool
    code = "too_large"

    @property
    def params(self) -> dict:
        return {"name": self.name, "limit": self.limit // MB}

    @property
    def message(self) -> str:
        template = REQUEST_TOO_LARGE if self.whole_request else FILE_TOO_LARGE
        return str(template % self.params)


def upload_limit(name: str):
    """Give a function view the upload limit `name` of settings.UPLOAD_LIMITS."""

    def decorator(view):
        view.upload_limit = name
        return view

    return decorator


def _limit_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "other"
    view = getattr(match.func, "view_class", match.func)  # an API view's class, or the function
    return getattr(view, "upload_limit", "other")


def limits_for(request) -> tuple[int, int]:
    """(largest file, largest request) in bytes for this request's view."""
    per_file, total = settings.UPLOAD_LIMITS[_limit_name(request)]
    return per_file, total


def refusal(request) -> Refusal | None:
    """Why the request's files were refused, None when they were not. Reads the upload first."""
    request.FILES  # noqa: B018 - the upload is parsed (and perhaps refused) on first access
    return getattr(request, "upload_refused", None)


def refuse_in_form(request, form, field: str) -> bool:
    """Show a refused upload as the only error of the form's file field; True when it was refused."""
    refused = refusal(request)
    if refused is None:
        return False
    form.is_valid()
    form.errors[field] = form.error_class([refused.message], renderer=form.renderer)
    return True


def refused_response(request, field: str):
    """The API's answer to a refused upload (413, its reason as a finding like any refused write's),
    None when the upload was not refused."""
    from rest_framework.response import Response

    refused = refusal(request)
    if refused is None:
        return None
    finding = {
        "code": refused.code,
        "severity": "error",
        "field": field,
        "params": {key: str(value) for key, value in refused.params.items()},
        "message": refused.message,
    }
    return Response({"findings": [finding]}, status=413)


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Every file to a temporary file, in 64 KiB chunks; the request stops being read once a file
    or the whole passes its limit."""

    def __init__(self, request=None):
        super().__init__(request)
        self.per_file, self.total = limits_for(request)
        self.announced_too_much = False
        self.file_bytes = self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.announced_too_much = content_length > self.total + FORM_ALLOWANCE
        return None

    def new_file(self, field_name, file_name, *args, **kwargs):
        if self.announced_too_much:
            single = self.per_file >= self.total
            self._refuse(file_name if single else "", self.per_file if single else self.total, not single)
        self.file_bytes = 0
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.file_bytes += len(raw_data)
        self.received += len(raw_data)
        if self.file_bytes > self.per_file:
            self._refuse(self.file_name, self.per_file, False)
        if self.received > self.total:
            self._refuse("", self.total, True)
        return super().receive_data_chunk(raw_data, start)

    def _refuse(self, name: str, limit: int, whole_request: bool):
        self.request.upload_refused = Refusal(name or "", limit, whole_request)
        # The development server reads whatever the application left of a request, whole, once it
        # has answered; tell it nothing is left. (Gunicorn closes the connection instead.)
        server_input = self.request.META.get("wsgi.input")
        if isinstance(server_input, LimitedStream):
            server_input.limit = server_input._pos
        raise StopUpload(connection_reset=True)
