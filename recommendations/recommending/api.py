"""The recommending API: recommend a paper, list one's own recommendations, withdraw one.

Each endpoint is a thin shell around the service the recommend form uses
(``recommendation_submit``: same rules, same messages, same rate-limit counter). Nothing here
decides whether an input is acceptable; it translates names (a tag's slug, an area's code)
into rows and the service's refusals into the API's error body.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import get_usage
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from paperdaily.lib import ids
from paperdaily.lib.api import (
    AUTHENTICATION,
    JSONParser,
    MultiPartParser,
    conflict,
    django_validation_error_fields,
    error_body,
    errors,
)
from paperdaily.lib.ids import row_number
from paperdaily.lib.ratelimits import KEYS, over_limit
from papers.models import Area, Tag
from recommendations.models import Recommendation, Recommender
from recommendations.recommending import serializers as s
from recommendations.recommending.services import AlreadyRecommended, recommendation_submit, recommendation_withdraw
from recommendations.recommending.views import RECOMMEND_LIMITS


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
                group=f"recommend:{key}",  # paperdaily.lib.ratelimits.over_limit's group names
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
    parser_classes = [JSONParser, MultiPartParser]

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
        number = row_number(value, maximum=ids.MAX_ID)
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
            return conflict(error)
        return Response(status=204)
