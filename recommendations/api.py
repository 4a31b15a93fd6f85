"""Read API for published issues and recommenders.

Drafts do not exist here, for editors neither (they have the editors' endpoints): a draft's
number answers 404 like a number never used. An issue's entries are the cards frozen at
publication, with today's values beside where they changed (recommendations/cards.py).
"""

from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response

from paperdaily.api import last_modified, read_errors
from recommendations.cards import issue_recommendations
from recommendations.models import Issue, Recommendation, Recommender
from recommendations.serializers import (
    IssueDetailSerializer,
    IssueListSerializer,
    RecommenderDetailSerializer,
    RecommenderSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="Published issues",
        description="Newest first.",
        responses={200: IssueListSerializer(many=True), **read_errors(400, 403, 404, 429)},
    ),
    retrieve=extend_schema(
        summary="One published issue",
        description="Its introduction and its entries in order, each as published: the paper's facts are "
        "those frozen at publication, with today's title, stars or archived flag beside where they changed. "
        "`Last-Modified` is the latest change of anything shown; conditional requests answer 304.",
        parameters=[OpenApiParameter("number", int, OpenApiParameter.PATH, description="The issue's number.")],
        responses={200: IssueDetailSerializer, **read_errors(403, 404, 429)},
    ),
)
class IssueViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "number"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return Issue.objects.published().with_entry_count()

    def get_serializer_class(self):
        return IssueDetailSerializer if self.action == "retrieve" else IssueListSerializer

    def retrieve(self, request, *args, **kwargs):
        issue = self.get_object()
        issue.entries_in_order = issue_recommendations(issue)
        response = Response(self.get_serializer(issue).data)
        return last_modified(response, *_issue_moments(issue))


def _issue_moments(issue):
    yield issue.published_at
    yield issue.updated_at
    for recommendation in issue.entries_in_order:
        yield recommendation.updated_at
        yield recommendation.paper.updated_at  # the card's "now" values come from the live paper
        for link in recommendation.paper.repository_links.all():
            yield link.repository.updated_at


@extend_schema_view(
    list=extend_schema(
        summary="Recommenders",
        description="People with at least one published recommendation, most published first.",
        responses={200: RecommenderSerializer(many=True), **read_errors(400, 403, 404, 429)},
    ),
    retrieve=extend_schema(
        summary="One recommender",
        description="The handle is matched in any case. Someone with nothing published is not found.",
        parameters=[
            OpenApiParameter(
                "handle",
                {"type": "string", "pattern": r"^[A-Za-z0-9_-]+$"},
                OpenApiParameter.PATH,
                description="The recommender's handle, in any case.",
            )
        ],
        responses={200: RecommenderDetailSerializer, **read_errors(403, 404, 429)},
    ),
)
class RecommenderViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "handle"
    # Handles are letters, digits, "_" and "-": anything else is no handle, answered by the URL resolver.
    lookup_value_regex = r"[A-Za-z0-9_-]+"

    def get_queryset(self):
        recommenders = Recommender.objects.with_published_count().filter(published_count__gt=0)
        if self.action == "retrieve":
            recommendations = (
                Recommendation.objects.published()
                .select_related("paper", "tag__area", "issue_entry__issue")
                .order_by("-issue_entry__issue__number", "issue_entry__position")
            )
            recommenders = recommenders.prefetch_related(
                Prefetch("recommendations", queryset=recommendations, to_attr="published_recommendations")
            )
        return recommenders.order_by("-published_count", Lower("handle"), "pk")

    def get_serializer_class(self):
        return RecommenderDetailSerializer if self.action == "retrieve" else RecommenderSerializer

    def get_object(self):
        return get_object_or_404(self.get_queryset(), handle__iexact=self.kwargs["handle"])
