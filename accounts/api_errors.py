from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    """DRF's handler, plus the services' Django ValidationError answered as a 400 whose body maps
    each field (or `non_field_errors`) to its messages and codes, like a serializer's errors."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_detail(exc))
    return exception_handler(exc, context)


def _detail(exc: DjangoValidationError) -> dict:
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: _messages(exc.error_list)}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: _messages(errors)
        for field, errors in exc.error_dict.items()
    }


def _messages(errors: list[DjangoValidationError]) -> list[ErrorDetail]:
    return [ErrorDetail(text, code=error.code or "invalid") for error in errors for text in error]
