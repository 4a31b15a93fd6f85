"""The writing API: recommending a paper, the caller's own recommendations, and the editors' issue desk.

Each endpoint is a thin shell around the service the web pages use: the recommend form's
``recommendation_submit`` (same rules, same messages, same rate-limit counter), and the
admin issue desk's ``issue_*`` functions. Nothing here decides whether an input or a step
is acceptable; it translates names (a tag's slug, an area's code, an issue's number) into
rows and the services' refusals into the API's error body.

Token authentication is listed first so that an anonymous request answers 401 with
``WWW-Authenticate: Token``; browser sessions work too, with DRF's CSRF check.
"""

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.core import get_usage
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, parsers, permissions, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from paperdaily.api import JSONParser, django_validation_error_fields, error_body, errors
from paperdaily.ratelimits import KEYS, login_wait, over_limit
from papers.models import Area, Tag
from recommendations import write_serializers as s
from recommendations.account_forms import LoginForm
from recommendations.models import Issue, IssueEntry, Recommendation, Recommender
from recommendations.recommend_views import RECOMMEND_LIMITS
from recommendations.services import issues
from recommendations.services.submission import AlreadyRecommended, recommendation_submit, recommendation_withdraw

AUTHENTICATION = [TokenAuthentication, SessionAuthentication]
# Issue numbers are PositiveIntegerFields; anything bigger names no issue.
MAX_NUMBER = 2**31 - 1
# The draft's page lists this many accepted recommendations waiting for an issue, as the admin does.
WAITING_LISTED = 100


def _row_number(value, *, maximum):
    """A path segment as a positive int, or None: only digits within the column's range name a row."""
    if value.isascii() and value.isdigit() and 0 < int(value) <= maximum:
        return int(value)
    return None


# --- Recommending


class NoProfile(exceptions.PermissionDenied):
    default_code = "no_profile"


class RecommendLimited(exceptions.Throttled):
    default_detail = gettext_lazy(
        "That was a lot of recommendations in a short time. Nothing you had saved is lost; "
        "please wait a while and try again."
    )


def _retry_after(request):
    """Seconds until every exceeded recommend limit has a new window, or None when unknown."""
    waits = []
    for key, setting_name in RECOMMEND_LIMITS:
        try:
            usage = get_usage(
                request,
                group=f"recommend:{key}",  # paperdaily.ratelimits.over_limit's group names
                key=KEYS[key],
                rate=getattr(settings, setting_name),
                method="POST",
            )
        except Exception:  # noqa: BLE001 - the 429 stands without a Retry-After
            return None
        if usage and usage["should_limit"]:
            waits.append(usage["time_left"])
    return max(waits) if waits else None


def _own_recommendations(user):
    return (
        Recommendation.objects.filter(recommender__user=user)
        .select_related("paper", "tag", "issue_entry__issue")
        .prefetch_related("figures")
        .order_by("-created_at", "-pk")
    )


def _topic_arguments(data):
    """The service's ``tag``/``proposed_*`` arguments from a tag slug or an area code, and lookup errors.

    A slug that names no topic becomes an unsaved, unapproved tag: the service refuses it
    with the form's own message ("Choose a topic from the list.") while it checks every
    other input, so the answer lists all mistakes at once, as the form's page does.
    """
    slug = data["tag"].strip()
    if slug:
        tag = Tag.objects.filter(slug=slug).first() or Tag(approved=False)
        return {"tag": tag, "proposed_topic": "", "proposed_area": None}, {}
    code = data["proposed_area"].strip()
    area, unknown = None, {}
    if code:
        area = Area.objects.filter(code__iexact=code).first()
        if area is None:
            codes = ", ".join(Area.objects.order_by("position", "code").values_list("code", flat=True))
            unknown["proposed_area"] = [
                _("There is no area with the code %(code)s; use one of: %(codes)s.")
                % {"code": code[:20], "codes": codes}
            ]
    return {"tag": None, "proposed_topic": data["proposed_topic"], "proposed_area": area}, unknown


def _refused_whole(error):
    """One refusal about the whole submission (the pending cap), with the service's code."""
    messages = list(error.messages)
    body = error_body(
        status=400,
        code=getattr(error, "code", None) or "invalid",
        message=" ".join(messages),
        fields={"non_field_errors": messages},
    )
    return Response(body, status=400)


class RecommendationCreate(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, parsers.MultiPartParser]

    @extend_schema(
        operation_id="recommendations_create",
        summary="Recommend a paper",
        description=(
            "The recommend form's inputs and rules: refused inputs come back under `error.fields`, "
            "keyed by input name, with the form's messages. JSON, or `multipart/form-data` to attach a figure. "
            "`tag` is an approved topic's **slug**; leave it out and give `proposed_topic` and `proposed_area` "
            "(an area code) to propose a new topic. The web form and the API share one rate limit per person. "
            "Needs a recommender profile (a handle), chosen once on the profile page."
        ),
        request={
            "application/json": s.RecommendInputSerializer,
            "multipart/form-data": s.RecommendMultipartSerializer,
        },
        responses={
            201: OpenApiResponse(s.SubmittedSerializer, description="Saved; `Location` is its URL."),
            409: OpenApiResponse(
                s.DuplicateErrorSerializer,
                description="Already recommended: `error.recommendation` is the earlier one's id.",
            ),
            **errors(400, 401, 403, 429),
        },
        tags=["recommending"],
    )
    def post(self, request):
        if over_limit(request, group="recommend", limits=RECOMMEND_LIMITS):
            raise RecommendLimited(wait=_retry_after(request))
        recommender = Recommender.objects.filter(user=request.user).first()
        if recommender is None:
            raise NoProfile(
                _("Choose a handle for your profile first, at %(url)s; your recommendations appear under it.")
                % {"url": request.build_absolute_uri(reverse("profile"))}
            )
        serializer = s.RecommendMultipartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        topic, unknown = _topic_arguments(data)
        try:
            submitted = recommendation_submit(
                recommender=recommender,
                paper_link=data["paper_link"],
                code_links=data["code_links"],
                dataset_link=data["dataset_link"],
                writeup=data["writeup"],
                figure=data.get("figure"),
                figure_caption=data["figure_caption"],
                **topic,
            )
        except AlreadyRecommended as error:
            body = error_body(
                status=409,
                code="duplicate",
                message=" ".join(error.messages),
                fields=django_validation_error_fields(error),
            )
            body["error"]["recommendation"] = error.existing.pk
            return Response(body, status=409)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused_whole(error)
            # Keyed by input name: the exception handler puts them under error.fields.
            raise exceptions.ValidationError({**django_validation_error_fields(error), **unknown}) from None
        recommendation = _own_recommendations(request.user).get(pk=submitted.recommendation.pk)
        recommendation.featured_in = [issue.number for issue in submitted.featured_in]
        location = request.build_absolute_uri(reverse("api:recommendation-mine-detail", args=[recommendation.pk]))
        body = s.SubmittedSerializer(recommendation, context={"request": request}).data
        return Response(body, status=201, headers={"Location": location})


class MyRecommendationList(generics.ListAPIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.OwnRecommendationSerializer

    def get_queryset(self):
        return _own_recommendations(self.request.user)

    @extend_schema(
        operation_id="recommendations_mine_list",
        summary="My recommendations",
        description="The caller's own recommendations in every status, newest first.",
        responses={200: s.OwnRecommendationSerializer(many=True), **errors(400, 401, 404)},
        tags=["recommending"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The recommendation's id.")


class MyRecommendationDetail(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]

    def _own(self, request, value):
        number = _row_number(value, maximum=s.MAX_ID)
        recommendation = _own_recommendations(request.user).filter(pk=number).first() if number else None
        if recommendation is None:
            raise exceptions.NotFound()
        return recommendation

    @extend_schema(
        operation_id="recommendations_mine_retrieve",
        summary="One of my recommendations",
        description="Poll it after submitting: `paper.metadata_status` turns `ok` once the paper's details arrive.",
        parameters=[_ID],
        responses={200: s.OwnRecommendationSerializer, **errors(401, 404)},
        tags=["recommending"],
    )
    def get(self, request, id):  # noqa: A002 - the path names it "id"
        return Response(s.OwnRecommendationSerializer(self._own(request, id), context={"request": request}).data)

    @extend_schema(
        operation_id="recommendations_mine_withdraw",
        summary="Withdraw one of my recommendations",
        description="Deletes it and its figures, as long as no editor has reviewed it (409 once one has).",
        parameters=[_ID],
        request=None,
        responses={204: OpenApiResponse(description="Withdrawn."), **errors(401, 404, 409)},
        tags=["recommending"],
    )
    def delete(self, request, id):  # noqa: A002
        try:
            recommendation_withdraw(recommendation=self._own(request, id))
        except ValidationError as error:
            return _conflict(error)
        return Response(status=204)


# --- A token for a script, in exchange for the password


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


# --- The editors' issue desk


class IssueDesk(permissions.BasePermission):
    """Staff holding the model permissions the admin asks for the same step (the Editors group has them)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        if request.method in permissions.SAFE_METHODS:
            # The admin shows an issue to whoever may view or change issues.
            return user.has_perm("recommendations.view_issue") or user.has_perm("recommendations.change_issue")
        return user.has_perm(view.desk_permission)


class DeskView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IssueDesk]
    desk_permission = "recommendations.change_issue"

    def issue(self, number):
        value = _row_number(number, maximum=MAX_NUMBER)
        issue = Issue.objects.filter(number=value).first() if value else None
        if issue is None:
            raise exceptions.NotFound(_("There is no issue with this number."))
        return issue


def _conflict(error):
    """A service's refusal that depends on the current state (a published issue, a reviewed recommendation)."""
    body = error_body(status=409, code=getattr(error, "code", None) or "conflict", message=" ".join(error.messages))
    return Response(body, status=409)


def _desk(issue, request):
    """Everything the admin's page of a draft shows, for the serializer."""
    entries = list(
        IssueEntry.objects.filter(issue=issue)
        .select_related("recommendation__paper", "recommendation__recommender")
        .order_by("position", "pk")
    )
    issue.entry_count = len(entries)
    issue.desk_entries = entries
    issue.desk_problems = [] if issue.is_published else issues.issue_publish_problems(issue=issue)
    progress = issues.issue_assembly_progress(issue=issue)
    issue.desk_assembly = progress.as_dict() if progress is not None else None
    issue.desk_waiting = (
        []
        if issue.is_published
        else list(
            Recommendation.objects.filter(status=Recommendation.Status.ACCEPTED, issue_entry__isnull=True)
            .select_related("paper", "recommender")
            .order_by("reviewed_at", "pk")[:WAITING_LISTED]
        )
    )
    return s.DeskIssueDetailSerializer(issue, context={"request": request}).data


def _log(request, issue, flag, message):
    # The admin's history of the issue shows API steps beside its own.
    LogEntry.objects.log_actions(request.user.pk, [issue], flag, change_message=message, single_object=True)


_NUMBER = OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH, description="The issue's number.")
_STATUS = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=Issue.Status.values,
    description="Only drafts, or only published issues.",
)


class IssueDeskList(DeskView, generics.ListAPIView):
    desk_permission = "recommendations.add_issue"
    serializer_class = s.DeskIssueSerializer

    def get_queryset(self):
        queryset = Issue.objects.with_entry_count()
        if "status" in self.request.query_params:
            wanted = self.request.query_params["status"]
            if wanted not in Issue.Status.values:
                raise exceptions.ValidationError({"status": [_("Use draft or published.")]})
            queryset = queryset.filter(status=wanted)
        return queryset

    @extend_schema(
        operation_id="editor_issues_list",
        summary="Issues, drafts included (editors)",
        description="Every issue, newest first, drafts and published alike; `status` narrows it.",
        parameters=[_STATUS],
        responses={200: s.DeskIssueSerializer(many=True), **errors(400, 401, 403, 404)},
        tags=["editors"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="editor_issues_create",
        summary="Create the next issue (editors)",
        description="A draft numbered one more than the highest issue so far, as the admin's 'Add issue'.",
        request=s.IssueCreateSerializer,
        responses={201: s.DeskIssueDetailSerializer, **errors(400, 401, 403)},
        tags=["editors"],
    )
    def post(self, request):
        serializer = s.IssueCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issue = issues.issue_create_next(**serializer.validated_data)
        _log(request, issue, ADDITION, [{"added": {}}])
        location = request.build_absolute_uri(reverse("api:editor-issue-detail", args=[issue.number]))
        return Response(_desk(issue, request), status=201, headers={"Location": location})


class IssueDeskDetail(DeskView):
    @extend_schema(
        operation_id="editor_issues_retrieve",
        summary="One issue on the desk (editors)",
        description=(
            "Its entries in order, what stands between the draft and its publication (`publish_problems`), "
            "the last assembly's progress, and the accepted recommendations waiting for an issue."
        ),
        parameters=[_NUMBER],
        responses={200: s.DeskIssueDetailSerializer, **errors(401, 403, 404)},
        tags=["editors"],
    )
    def get(self, request, number):
        return Response(_desk(self.issue(number), request))


class IssueDeskEntries(DeskView):
    @extend_schema(
        operation_id="editor_issues_entries_add",
        summary="Add accepted recommendations to a draft (editors)",
        description="Appends them in the given order; each one that cannot go in is listed under `refused` with why.",
        parameters=[_NUMBER],
        request=s.RecommendationIdsSerializer,
        responses={200: s.EntriesAddedSerializer, **errors(400, 401, 403, 404, 409)},
        tags=["editors"],
    )
    def post(self, request, number):
        issue = self.issue(number)
        serializer = s.RecommendationIdsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data["recommendation_ids"]
        try:
            added, refused = issues.issue_add_recommendations(issue_id=issue.pk, recommendation_ids=ids)
        except ValidationError as error:
            return _conflict(error)
        refused = [{"id": recommendation.pk, "reason": reason} for recommendation, reason in refused]
        # The service passes over ids that name nothing; the caller should hear of them.
        answered = {entry.recommendation_id for entry in added} | {item["id"] for item in refused}
        for pk in dict.fromkeys(ids):
            if pk not in answered:
                refused.append({"id": pk, "reason": _("There is no recommendation with this id.")})
        return Response(s.EntriesAddedSerializer({"added": added, "refused": refused}).data)


class IssueDeskPublish(DeskView):
    @extend_schema(
        operation_id="editor_issues_publish",
        summary="Publish a draft (editors)",
        description=(
            "Checks the draft and publishes it, or refuses with 409 and every problem listed. "
            "`incomplete_ok` names entries to publish with incomplete metadata (it overrides the problems "
            "marked `overridable`), as the admin's publish page does; the marks stay even when publishing is "
            "refused for another reason. Publishing a published issue changes nothing."
        ),
        parameters=[_NUMBER],
        request=s.PublishInputSerializer,
        responses={
            200: s.DeskIssueDetailSerializer,
            409: OpenApiResponse(s.PublishRefusedSerializer, description="Not ready: `error.problems` says why."),
            **errors(400, 401, 403, 404),
        },
        tags=["editors"],
    )
    def post(self, request, number):
        issue = self.issue(number)
        serializer = s.PublishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        wanted = serializer.validated_data["incomplete_ok"]
        if wanted and not issue.is_published:
            strangers = issues.issue_allow_incomplete(issue_id=issue.pk, entry_ids=wanted)
            if strangers:
                message = _("Not entries of issue %(number)s: %(ids)s.") % {
                    "number": issue.number,
                    "ids": ", ".join(map(str, strangers[:20])),
                }
                raise exceptions.ValidationError({"incomplete_ok": [message]})
        was_published = issue.is_published
        try:
            issue = issues.issue_publish(issue_id=issue.pk, editor=request.user)
        except issues.PublishRefused as refused:
            body = error_body(
                status=409,
                code="publish_refused",
                message=_("Issue %(number)s cannot be published yet; see problems.") % {"number": issue.number},
            )
            body["error"]["problems"] = s.PublishProblemSerializer(refused.problems, many=True).data
            return Response(body, status=409)
        if not was_published:
            _log(request, issue, CHANGE, _("Published."))
        return Response(_desk(issue, request))


class IssueDeskAssemble(DeskView):
    @extend_schema(
        operation_id="editor_issues_assemble",
        summary="Assemble a draft (editors)",
        description=(
            "Fetches every paper and repository of the draft again in the background; follow `assembly` "
            "on the issue until `finished`."
        ),
        parameters=[_NUMBER],
        request=None,
        responses={202: s.DeskIssueDetailSerializer, **errors(401, 403, 404, 409)},
        tags=["editors"],
    )
    def post(self, request, number):
        issue = self.issue(number)
        try:
            issue = issues.issue_assemble(issue_id=issue.pk)
        except ValidationError as error:
            return _conflict(error)
        return Response(_desk(issue, request), status=status.HTTP_202_ACCEPTED)
