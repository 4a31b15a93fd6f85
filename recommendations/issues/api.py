"""The editors' issue desk in the API: list and create issues, add entries, assemble, publish.

Each endpoint is a thin shell around the functions the admin's desk calls; nothing here decides
whether a step is acceptable. Issues are named by number, and the services' refusals become
the API's error body."""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from paperdaily.lib.api import AUTHENTICATION, conflict, error_body, errors
from paperdaily.lib.ids import row_number
from recommendations import editors
from recommendations.issues import assembly, publishing
from recommendations.issues import serializers as s
from recommendations.issues import services as issues
from recommendations.models import Issue, IssueEntry, Recommendation

# Issue numbers are PositiveIntegerFields; anything bigger names no issue.
MAX_NUMBER = 2**31 - 1
# The draft's page lists this many accepted recommendations waiting for an issue, as the admin does.
WAITING_LISTED = 100


class IssueDesk(permissions.BasePermission):
    """Staff holding the model permissions the admin asks for the same step (the Editors group has them)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        if request.method in permissions.SAFE_METHODS:
            # The admin shows an issue to whoever may view or change issues.
            return user.has_perm(editors.permission("view", "issue")) or user.has_perm(
                editors.permission("change", "issue")
            )
        return user.has_perm(view.desk_permission)


class DeskView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IssueDesk]
    desk_permission = editors.permission("change", "issue")

    def issue(self, number):
        value = row_number(number, maximum=MAX_NUMBER)
        issue = Issue.objects.filter(number=value).first() if value else None
        if issue is None:
            raise exceptions.NotFound(_("There is no issue with this number."))
        return issue


def _desk(issue, request):
    """Everything the admin's page of a draft shows, for the serializer."""
    entries = list(
        IssueEntry.objects.filter(issue=issue)
        .select_related("recommendation__paper", "recommendation__recommender")
        .order_by("position", "pk")
    )
    issue.entry_count = len(entries)
    issue.desk_entries = entries
    issue.desk_problems = [] if issue.is_published else publishing.issue_publish_problems(issue=issue)
    progress = assembly.issue_assembly_progress(issue=issue)
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
    desk_permission = editors.permission("add", "issue")
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
            return conflict(error)
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
            strangers = publishing.issue_allow_incomplete(issue_id=issue.pk, entry_ids=wanted)
            if strangers:
                message = _("Not entries of issue %(number)s: %(ids)s.") % {
                    "number": issue.number,
                    "ids": ", ".join(map(str, strangers[:20])),
                }
                raise exceptions.ValidationError({"incomplete_ok": [message]})
        was_published = issue.is_published
        try:
            issue = publishing.issue_publish(issue_id=issue.pk, editor=request.user)
        except publishing.PublishRefused as refused:
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
            issue = assembly.issue_assemble(issue_id=issue.pk)
        except ValidationError as error:
            return conflict(error)
        return Response(_desk(issue, request), status=status.HTTP_202_ACCEPTED)
