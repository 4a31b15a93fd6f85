"""The API's exception handler: every error, whatever raised it, in the one error body.

Apart from paperdaily/lib/api.py because DRF builds its APIView from the settings, which name
classes of that module; this one imports rest_framework.views, which would make a cycle there.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from paperdaily.lib.api import django_validation_error_fields, error_body


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _lazy("The request body is too large.")
    default_code = "too_large"


def _field_messages(detail):
    """DRF's nested error detail -> {name: [message, ...]} (nested names joined by '.')."""
    fields = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and value and all(not isinstance(item, (dict, list)) for item in value):
            fields.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in value)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), item)
        else:
            fields.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return fields


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_validation_error_fields(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Over DATA_UPLOAD_MAX_MEMORY_SIZE: Django's own answer would be the site's HTML 400 page.
        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handler answers (in JSON under /api/)
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_messages(exc.detail)
        message = _("Some inputs were refused; see fields.")
        if list(fields) == ["non_field_errors"]:
            message = " ".join(fields["non_field_errors"])
        body = error_body(status=response.status_code, code="invalid", message=message, fields=fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if isinstance(code, (dict, list)):
            code = "error"
        body = error_body(status=response.status_code, code=code, message=detail)
    response.data = body
    return response
