"""Read API for papers, topics, areas, search, issues and recommenders: public and paginated.

A paper is public once a published issue features it (``visibility.featured_papers()``); a topic
once an editor approved it. Filters that name an unknown topic, area or issue are not errors:
they match nothing, and the answer is an empty page. Malformed values (a year that is not a
number, a ``has_code`` that is not a boolean) are refused with a 400.

Drafts do not exist here, for editors neither (they have the editors' endpoints): a draft's
number answers 404 like a number never used. An issue's entries are the cards frozen at
publication, with today's values beside where they changed (recommendations/reading/cards.py).
"""

from django.db.models import Count, Exists, OuterRef, Prefetch, prefetch_related_objects
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, viewsets
from rest_framework.response import Response

from paperdaily.lib.api import last_modified, read_errors, validated_query
from papers.models import Area, PaperAuthor, PaperRepository, Tag, listing_prefetches
from recommendations import visibility
from recommendations.models import Issue, Recommendation, Recommender
from recommendations.reading.cards import issue_recommendations
from recommendations.reading.related import stored_related_papers
from recommendations.reading.search import SEARCH_RANK_POOL, attach_snippets, paper_search
from recommendations.reading.serializers import (
    AreaSerializer,
    IssueDetailSerializer,
    IssueListSerializer,
    PaperDetailSerializer,
    PaperListSerializer,
    RecommenderDetailSerializer,
    RecommenderSerializer,
    TagSerializer,
)
from recommendations.visibility import published_recommendations_q

MAX_INT = 2**31 - 1


def published_recommendations_prefetch():
    """Each paper's published recommendations (``paper.published_recommendations``), oldest issue first."""
    return Prefetch(
        "recommendations",
        queryset=Recommendation.objects.published()
        .select_related("recommender", "tag__area", "issue_entry__issue")
        .order_by("issue_entry__issue__number", "issue_entry__position"),
        to_attr="published_recommendations",
    )


def featured_papers():
    """Featured papers with everything a list row shows, in a constant number of queries."""
    return visibility.featured_papers().prefetch_related(*listing_prefetches(), published_recommendations_prefetch())


def published_tags():
    """Approved topics with their count of published recommendations."""
    return Tag.objects.approved().annotate(
        published_count=Count("recommendations", filter=published_recommendations_q("recommendations__"))
    )


class PaperFilterSerializer(serializers.Serializer):
    tag = serializers.SlugField(
        required=False, allow_blank=True, max_length=100, help_text="Topic slug; an unknown one matches nothing."
    )
    area = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="Area code (NLP, CV, ML, ...) in any case; an unknown one matches nothing.",
    )
    year = serializers.IntegerField(required=False, min_value=1, max_value=9999, help_text="Year of publication.")
    has_code = serializers.BooleanField(required=False, help_text="Only papers with (true) or without (false) code.")
    issue = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_INT, help_text="Only papers featured in this published issue."
    )


def _published_recommendations_for(**lookups):
    return Recommendation.objects.published().filter(**lookups).values("paper_id")


@extend_schema_view(
    list=extend_schema(
        summary="Featured papers",
        description="Papers featured in at least one published issue, the newest first.",
        parameters=[PaperFilterSerializer],
        responses={200: PaperListSerializer(many=True), **read_errors(400, 403, 404, 429)},
    ),
    retrieve=extend_schema(
        summary="One featured paper",
        description="Its metadata, authors in order, identifiers and links, code repositories, its published "
        "recommendations, the published issues featuring it and up to five related papers. "
        "`Last-Modified` is the latest change of anything shown; conditional requests answer 304.",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The paper's id.")],
        responses={200: PaperDetailSerializer, **read_errors(403, 404, 429)},
    ),
)
class PaperViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return featured_papers()

    def get_serializer_class(self):
        return PaperDetailSerializer if self.action == "retrieve" else PaperListSerializer

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        query = validated_query(PaperFilterSerializer, self.request)
        if query.get("tag"):
            queryset = queryset.filter(
                pk__in=_published_recommendations_for(tag__slug=query["tag"], tag__approved=True)
            )
        if query.get("area"):
            queryset = queryset.filter(pk__in=_published_recommendations_for(tag__area__code__iexact=query["area"]))
        if "issue" in query:
            queryset = queryset.filter(pk__in=_published_recommendations_for(issue_entry__issue__number=query["issue"]))
        if "year" in query:
            queryset = queryset.filter(year=query["year"])
        if "has_code" in query:
            with_code = Exists(PaperRepository.objects.filter(paper=OuterRef("pk")))
            queryset = queryset.filter(with_code if query["has_code"] else ~with_code)
        # Newest first, by key: ordering by each paper's latest issue would aggregate every published
        # recommendation of the archive on each request (1.5 s on 100,000 papers).
        return queryset.order_by("-pk")

    def retrieve(self, request, *args, **kwargs):
        paper = self.get_object()
        paper.published_issues = _issues_of(paper.published_recommendations)
        paper.related_papers = _related(paper)
        response = Response(self.get_serializer(paper).data)
        return last_modified(response, *_paper_moments(paper))


def _issues_of(recommendations):
    issues = {rec.issue_entry.issue.number: rec.issue_entry.issue for rec in recommendations}
    return [issues[number] for number in sorted(issues, reverse=True)]


def _related(paper):
    """The five related papers with their authors: ``stored_related_papers`` loads their columns,
    one prefetch adds the authors in order."""
    related = stored_related_papers(paper, limit=5)
    authorships = PaperAuthor.objects.select_related("author").order_by("position")
    prefetch_related_objects(related, Prefetch("authorships", queryset=authorships))
    return related


def _paper_moments(paper):
    yield paper.updated_at
    if paper.related_computed_at:  # its related papers, stored by a worker
        yield paper.related_computed_at
    for link in paper.repository_links.all():
        yield link.repository.updated_at
    for recommendation in paper.published_recommendations:
        yield recommendation.updated_at
        yield recommendation.issue_entry.issue.updated_at
    for other in paper.related_papers:
        yield other.updated_at


@extend_schema_view(
    list=extend_schema(
        summary="Topics",
        description="Approved topics, grouped by area, with their count of published recommendations.",
        responses={200: TagSerializer(many=True), **read_errors(400, 403, 404, 429)},
    ),
    retrieve=extend_schema(
        summary="One topic",
        parameters=[
            OpenApiParameter(
                "slug",
                {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$"},
                OpenApiParameter.PATH,
                description="The topic's slug.",
            )
        ],
        responses={200: TagSerializer, **read_errors(403, 404, 429)},
    ),
)
class TagViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TagSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return published_tags().select_related("area").order_by("area__position", "area__code", Lower("name"), "pk")


@extend_schema_view(
    list=extend_schema(
        summary="Areas",
        description="The broad fields (NLP, CV, ML, ...), each with its approved topics.",
        responses={200: AreaSerializer(many=True), **read_errors(400, 403, 404, 429)},
    ),
)
class AreaViewSet(viewsets.mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AreaSerializer

    def get_queryset(self):
        tags = Prefetch("tags", queryset=published_tags().order_by(Lower("name"), "pk"), to_attr="approved_tags")
        return Area.objects.prefetch_related(tags).order_by("position", "code")


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text="Words to find in titles, abstracts, authors and write-ups.")
    area = serializers.CharField(
        required=False, allow_blank=True, max_length=16, help_text="Area code, any case; unknown: nothing matches."
    )
    tag = serializers.SlugField(
        required=False, allow_blank=True, max_length=100, help_text="Topic slug; an unknown one matches nothing."
    )
    year = serializers.IntegerField(required=False, min_value=1, max_value=9999, help_text="Year of publication.")


class SearchResultSerializer(PaperListSerializer):
    title_html = serializers.CharField(help_text="The title, escaped, with the matched words in `<mark>`.")
    snippet_html = serializers.CharField(help_text="A passage around the matched words, escaped, with `<mark>`.")
    rank = serializers.FloatField(help_text="Relevance; results come best first.")


@extend_schema(
    summary="Search featured papers",
    description="Full-text search (English and Chinese) over the titles, abstracts, authors and write-ups of "
    "featured papers, best match first. Typos in titles are forgiven when the words find less than a page. "
    f"Only the newest {SEARCH_RANK_POOL:,} matches are ranked, so `count` is at most {SEARCH_RANK_POOL:,}.",
    parameters=[SearchQuerySerializer],
    responses={200: SearchResultSerializer(many=True), **read_errors(400, 403, 404, 429)},
)
class SearchView(generics.ListAPIView):
    serializer_class = SearchResultSerializer

    def list(self, request, *args, **kwargs):
        query = validated_query(SearchQuerySerializer, request)
        area = query.get("area", "")
        if area:
            # Area codes are matched in any case, as on /api/papers/; search compares them exactly.
            area = Area.objects.filter(code__iexact=area).values_list("code", flat=True).first() or area
        papers = paper_search(
            query=query["q"], area=area, tag=query.get("tag", ""), year=query.get("year")
        ).prefetch_related(*listing_prefetches(), published_recommendations_prefetch())
        page = self.paginate_queryset(papers)
        attach_snippets(page, query["q"])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


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
