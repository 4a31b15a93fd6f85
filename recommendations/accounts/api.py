"""The API's token exchange: a user name (handle or e-mail) and password for a token, under
the same log-in limits as the site's form."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, permissions
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from paperdaily.lib.api import JSONParser, errors
from paperdaily.lib.ratelimits import login_wait
from recommendations.accounts import serializers as s
from recommendations.accounts.forms import LoginForm


class LoginLimited(exceptions.Throttled):
    default_detail = gettext_lazy(
        "That was a lot of log-in attempts in a short time. Please wait a while and try again."
    )


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TokenObtain(APIView):
    """The log-in form's rules (handle or e-mail, the same messages, the same rate limit) answering with a token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser, parsers.FormParser]

    @extend_schema(
        operation_id="auth_token_obtain",
        summary="Get my API token",
        description=(
            "Log in with a handle (or e-mail address) and password; answers the account's API token, making "
            "one if there is none. The same token is shown, replaced and revoked on the account's "
            "'API token' page. Counts against the log-in page's rate limit."
        ),
        request=s.TokenObtainSerializer,
        responses={200: s.TokenSerializer, **errors(400, 429)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        # Parsed first: a body that is not JSON is a 400 of its own, not a cache failure inside
        # the limit's key (which would count it as a log-in by nobody).
        data = request.data
        if wait := login_wait(request):
            raise LoginLimited(wait=wait)
        serializer = s.TokenObtainSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        form = LoginForm(request._request, data=serializer.validated_data)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {
                    "non_field_errors" if name == NON_FIELD_ERRORS else name: list(messages)
                    for name, messages in form.errors.items()
                }
            )
        token, _created = Token.objects.get_or_create(user=form.get_user())
        return Response({"token": token.key})
