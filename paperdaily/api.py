"""What every API endpoint shares: the error body, pagination, throttling, schema helpers.

Every error the API answers has one shape, whatever raised it::

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"writeup": ["…"]}}}

``fields`` is present only when inputs were refused, keyed by input name (the same names
the recommend form uses). ``code`` is a stable machine-readable word; ``message`` is for
people and is translated.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, pagination, serializers, throttling

logger = logging.getLogger(__name__)


def error_body(*, status, code, message, fields=None):
    error = {"status": status, "code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    return {"error": error}


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


def django_validation_error_fields(error: DjangoValidationError):
    """A service's ValidationError -> {input name: [message, ...]}; errors without a name go under non_field_errors."""
    if hasattr(error, "error_dict"):
        return {
            name: [message for item in items for message in item.messages] for name, items in error.error_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def exception_handler(exc, context):
    # Imported here: rest_framework.views reads the settings that name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_validation_error_fields(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
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


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class _FailOpen:
    """A throttle that lets the request through when the cache (Redis) is unreachable."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - any cache failure: serve rather than fail
            logger.warning("API throttle not counted: the cache is unreachable", exc_info=True)
            return True


class AnonRateThrottle(_FailOpen, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_FailOpen, throttling.UserRateThrottle):
    pass


# --- Schema: the error body, described once and referred to by every endpoint.

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()), required=False
                ),
            },
        )
    },
)

_ERROR_TEXT = {
    400: "Inputs were refused; `error.fields` says which and why.",
    401: "Not logged in: send a session cookie or `Authorization: Token <key>`.",
    403: "Logged in, but not allowed to do this.",
    404: "No such object, or not published.",
    405: "Method not allowed here.",
    409: "Conflicts with the current state (for example, already recommended).",
    429: "Too many requests; `Retry-After` says when to try again.",
}


def errors(*statuses):
    """Schema responses for the given error statuses, all with the one error body."""
    return {status: OpenApiResponse(ErrorSerializer, description=_ERROR_TEXT[status]) for status in statuses}
