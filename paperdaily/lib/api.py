"""What every API endpoint shares: the error body, pagination, throttling, schema helpers.

Every error the API answers has one shape, whatever raised it::

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"writeup": ["…"]}}}

``fields`` is present only when inputs were refused, keyed by input name (the same names
the recommend form uses). ``code`` is a stable machine-readable word; ``message`` is for
people and is translated.

Query parameters are checked by a serializer (``validated_query``), pagination's included:
a malformed value is a 400 naming it, never a silent default or a 500.
"""

import logging
from datetime import datetime

from django.core.exceptions import (
    ImproperlyConfigured,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, pagination, parsers, serializers, throttling
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.response import Response
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


def error_body(*, status, code, message, fields=None):
    error = {"status": status, "code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    return {"error": error}


def django_validation_error_fields(error: DjangoValidationError):
    """A service's ValidationError -> {input name: [message, ...]}; errors without a name go under non_field_errors."""
    if hasattr(error, "error_dict"):
        return {
            name: [message for item in items for message in item.messages] for name, items in error.error_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


# No input of the API comes near this; Python's decoder would recurse until RecursionError.
MAX_JSON_DEPTH = 64


def _nested_deeper_than(value, limit):
    """True when lists and objects in ``value`` are nested more than ``limit`` levels (walked without recursion)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        container, depth = stack.pop()
        if depth > limit:
            return True
        children = container.values() if isinstance(container, dict) else container
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested more than ``MAX_JSON_DEPTH`` levels with a 400.

    Without it a body such as ``[[[[…`` a few thousand deep stops the decoder with a
    RecursionError: a 500 on every endpoint that reads JSON, before any check of who asks.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        message = _("JSON nested more than %(limit)d levels deep is refused.") % {"limit": MAX_JSON_DEPTH}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(message) from None
        if _nested_deeper_than(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(message)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing a body that holds no part at all with a 400.

    Django's parser reads such a body (``--boundary\r\nNone--boundary--``, say) as an empty
    form, so a malformed request would pass as one that left every field out.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        request = (parser_context or {}).get("request")
        sent = request is not None and request.META.get("CONTENT_LENGTH", "") not in ("", "0")
        if sent and not result.data and not result.files:
            raise exceptions.ParseError(_("The multipart body holds no part."))
        return result


class PageQuerySerializer(serializers.Serializer):
    """``page`` and ``page_size``, checked: a bad value is a 400 naming the input, not a silent default."""

    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of ``page_size`` rows (20 unless asked, at most 100); a page past the end is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()

    def paginate_queryset(self, queryset, request, view=None):
        query = validated_query(PageQuerySerializer, request)
        self.page_size = query.get("page_size", self.page_size)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        return self.page_size  # already checked and set from the query in paginate_queryset

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "next", "previous", "results"]
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


def validated_query(serializer_class, request) -> dict:
    """The request's query parameters checked by ``serializer_class``; refused ones raise a 400."""
    # A plain dict: as a QueryDict, DRF would read a missing boolean as "false" (HTML form rules).
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def last_modified(response, *moments: datetime | None):
    """Set ``Last-Modified`` to the latest of ``moments``: ConditionalGetMiddleware then answers
    If-Modified-Since with 304 until something shown changes."""
    moments = [moment for moment in moments if moment is not None]
    if moments:
        response["Last-Modified"] = http_date(max(moments).timestamp())
    return response


def _dig(value, path):
    for attribute in path.split("."):
        value = getattr(value, attribute)
    return value


@extend_schema_field(OpenApiTypes.URI)
class LinkField(serializers.Field):
    """An absolute link to a named URL, its arguments read from the object (dotted paths allowed).

    ``LinkField("api:paper-detail", pk="paper_id")`` works as well for a Paper as for a card
    that only knows its paper's id.
    """

    def __init__(self, view_name, **lookups):
        self.view_name = view_name
        self.lookups = lookups
        super().__init__(source="*", read_only=True)

    def to_representation(self, value):
        kwargs = {name: _dig(value, path) for name, path in self.lookups.items()}
        url = reverse(self.view_name, kwargs=kwargs)
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class _CountedRate(throttling.BaseThrottle):
    """The API's rate for ``scope``, counted in a fixed window by django-ratelimit: one counter in
    the cache per reader and window, added to once a request. DRF's own throttles keep the time
    of every request in the window and write the whole list back on each one, a cost that grows
    with the rate. With the cache unreachable the request goes through (and is not counted)."""

    scope = ""
    key = ""

    def applies(self, request) -> bool:
        return True

    def allow_request(self, request, view):
        if not self.applies(request):
            return True
        # Read when the request comes, so that a changed REST_FRAMEWORK setting (a test's) applies.
        try:
            rate = api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as error:
            raise ImproperlyConfigured(f"No API rate set for the scope {self.scope!r}.") from error
        try:
            usage = get_usage(request, group=f"api-{self.scope}", key=self.key, rate=rate, increment=True)
        except Exception:  # noqa: BLE001 - any cache failure: serve rather than fail
            logger.warning("API throttle not counted: the cache is unreachable", exc_info=True)
            return True
        if usage is None or (usage["limit"] == 0 and usage["time_left"] == -1):  # the cache did not answer
            return True
        self.time_left = max(1, usage["time_left"])
        return not usage["should_limit"]

    def wait(self):
        return getattr(self, "time_left", None)


class AnonRateThrottle(_CountedRate):
    """Readers without an account, by address."""

    scope = "anon"
    key = "ip"

    def applies(self, request) -> bool:
        return not (request.user and request.user.is_authenticated)


class UserRateThrottle(_CountedRate):
    """Signed-in readers, by account. (DRF's counts everyone else by address too, against a rate
    the anonymous one always reaches first: here each request is counted once.)"""

    scope = "user"
    key = "user"

    def applies(self, request) -> bool:
        return bool(request.user and request.user.is_authenticated)


def cached_answer_allowed(request) -> bool:
    """Whether a read API answer from the page cache may go to ``request``: the API's throttles
    (DEFAULT_THROTTLE_CLASSES) let it through, and then it counted against the reader's rate as
    a rendered answer would. The page cache asks this before answering; on False, the view runs
    and answers 429."""
    return all(throttle().allow_request(request, None) for throttle in api_settings.DEFAULT_THROTTLE_CLASSES)


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


def read_errors(*statuses):
    """``errors`` for the public reading endpoints, where a 403 can only mean refused credentials.

    A wrong token is answered 403, not 401: session authentication comes first in the
    settings, and it names no ``WWW-Authenticate`` scheme for a 401 to carry.
    """
    responses = errors(*statuses)
    if 403 in responses:
        responses[403] = OpenApiResponse(
            ErrorSerializer, description="Credentials were sent and refused (a wrong token); none are needed here."
        )
    return responses


def conflict(error):
    """A service's refusal that depends on the current state (a published issue, a reviewed recommendation)."""
    body = error_body(status=409, code=getattr(error, "code", None) or "conflict", message=" ".join(error.messages))
    return Response(body, status=409)


# The writing endpoints' schemes. Token first, so that an anonymous request answers 401 with
# ``WWW-Authenticate: Token``; browser sessions work too, with DRF's CSRF check.
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField would take 12 for "12", which a typed client never means."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: not "12", not 12.0, not true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)
