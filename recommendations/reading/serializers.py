"""What the read API answers about papers, topics, areas, issues with their entries, and
recommenders, and the compact references between them.

Every serializer here is read-only and describes its body exactly: the OpenAPI schema is
generated from these classes, and the API's answers are checked against that schema.
"""

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from paperdaily.lib.api import LinkField
from papers.models import Paper, PaperLink, Repository


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField(help_text="The Chinese name, empty when an editor has given none.")


class TagRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField(help_text="The Chinese name, empty when an editor has given none.")
    area = AreaRefSerializer()
    url = LinkField("api:tag-detail", slug="slug")
    html_url = LinkField("papers:tag-detail", slug="slug")


class TagSerializer(TagRefSerializer):
    description = serializers.CharField()
    published_count = serializers.IntegerField(help_text="Published recommendations filed under this topic.")
    papers_url = serializers.SerializerMethodField(help_text="The featured papers of this topic.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_papers_url(self, tag):
        return _with_query(self.context, "api:paper-list", tag=tag.slug)


class AreaTagSerializer(serializers.Serializer):
    """A topic inside its area's listing (the area is the enclosing object)."""

    slug = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField(help_text="The Chinese name, empty when an editor has given none.")
    published_count = serializers.IntegerField()
    url = LinkField("api:tag-detail", slug="slug")


class AreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField(help_text="The Chinese name, empty when an editor has given none.")
    tags = AreaTagSerializer(many=True, source="approved_tags", help_text="Its approved topics, by name.")
    papers_url = serializers.SerializerMethodField(help_text="The featured papers of this area.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_papers_url(self, area):
        return _with_query(self.context, "api:paper-list", area=area.code)


def _with_query(context, view_name, **query):
    url = f"{reverse(view_name)}?{urlencode(query)}"
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class RecommenderRefSerializer(serializers.Serializer):
    handle = serializers.CharField()
    display_name = serializers.CharField()
    url = LinkField("api:recommender-detail", handle="handle")
    html_url = LinkField("recommendations:recommender-detail", handle="handle")


class IssueRefSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField(help_text="May be empty: the issue is then called by its number.")
    published_at = serializers.DateTimeField()
    url = LinkField("api:issue-detail", number="number")
    html_url = LinkField("recommendations:issue-detail", number="number")


class RepositorySerializer(serializers.Serializer):
    """A paper's code: a repository, or a folder inside one; facts as last fetched."""

    url = serializers.URLField(help_text="The repository, or the folder inside it that holds the paper's code.")
    label = serializers.CharField()
    full_name = serializers.CharField(source="repository.full_name", help_text="owner/name")
    description = serializers.CharField(source="repository.description")
    stars = serializers.IntegerField(source="repository.stars", allow_null=True)
    language = serializers.CharField(source="repository.language")
    license = serializers.CharField(source="repository.license", help_text="SPDX id; empty when unknown.")
    archived = serializers.BooleanField(source="repository.archived")
    pushed_at = serializers.DateTimeField(source="repository.pushed_at", allow_null=True)
    fetch_status = serializers.ChoiceField(source="repository.fetch_status", choices=Repository.FetchStatus.choices)


class PaperLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PaperLink.Kind.choices)
    url = serializers.URLField()
    label = serializers.CharField()


class PaperSummarySerializer(serializers.Serializer):
    """What a list shows of a paper."""

    id = serializers.IntegerField()
    title = serializers.CharField(help_text="Empty while the metadata is missing.")
    authors = serializers.SerializerMethodField(help_text="Author names in the paper's order.")
    venue = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    published_on = serializers.DateField(allow_null=True)
    identifier_label = serializers.CharField(help_text="The best-known identifier, e.g. `arXiv:1810.04805`.")
    landing_url = serializers.CharField(help_text="The paper's abstract page; empty when unknown.")
    url = LinkField("api:paper-detail", pk="pk")
    html_url = LinkField("papers:paper-detail", pk="pk")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_authors(self, paper):
        return [author.name for author in paper.ordered_authors]


class PaperListSerializer(PaperSummarySerializer):
    latest_issue = serializers.SerializerMethodField(help_text="Number of the latest published issue featuring it.")
    tags = serializers.SerializerMethodField(help_text="Topics of its published recommendations.")
    repositories = RepositorySerializer(many=True, source="repository_links.all")

    def get_latest_issue(self, paper) -> int:
        return max(recommendation.issue_entry.issue.number for recommendation in paper.published_recommendations)

    @extend_schema_field(TagRefSerializer(many=True))
    def get_tags(self, paper):
        tags = {}
        for recommendation in paper.published_recommendations:
            tags.setdefault(recommendation.tag_id, recommendation.tag)
        return TagRefSerializer(list(tags.values()), many=True, context=self.context).data


class PaperRecommendationSerializer(serializers.Serializer):
    """A published recommendation, as the paper's page quotes it."""

    id = serializers.IntegerField()
    recommender = RecommenderRefSerializer()
    tag = TagRefSerializer()
    writeup_html = serializers.CharField(help_text="The write-up, rendered from Markdown and sanitised.")
    issue = IssueRefSerializer(source="issue_entry.issue")


class RelatedPaperSerializer(PaperSummarySerializer):
    shared_tags = serializers.IntegerField(help_text="How many topics it shares with the paper.")
    shared_recommenders = serializers.IntegerField(help_text="How many people recommended both.")
    similarity = serializers.FloatField(help_text="How close the two titles are, from 0 to 1.")


class PaperIdentifiersSerializer(serializers.Serializer):
    arxiv_id = serializers.CharField()
    arxiv_version = serializers.IntegerField(allow_null=True)
    doi = serializers.CharField()
    acl_id = serializers.CharField()
    openreview_id = serializers.CharField()
    semantic_scholar_id = serializers.CharField()


class PaperDetailSerializer(PaperListSerializer):
    abstract = serializers.CharField()
    institutions = serializers.ListField(child=serializers.CharField())
    journal_ref = serializers.CharField()
    primary_category = serializers.CharField()
    metadata_status = serializers.ChoiceField(choices=Paper.MetadataStatus.choices)
    identifiers = PaperIdentifiersSerializer(source="*")
    abstract_url = serializers.CharField()
    pdf_url = serializers.CharField()
    links = PaperLinkSerializer(many=True, source="links.all", help_text="Datasets, project pages, videos.")
    recommendations = PaperRecommendationSerializer(many=True, source="published_recommendations")
    issues = IssueRefSerializer(many=True, source="published_issues", help_text="Published issues featuring it.")
    related = RelatedPaperSerializer(many=True, source="related_papers", help_text="Up to five related papers.")


class CodeChipSerializer(serializers.Serializer):
    url = serializers.CharField()
    label = serializers.CharField()
    full_name = serializers.CharField(help_text="owner/name")
    stars = serializers.IntegerField(allow_null=True, help_text="Stars when the issue was published.")
    stars_now = serializers.IntegerField(allow_null=True, help_text="Stars today, when they changed since; else null.")
    archived = serializers.BooleanField(help_text="Archived when the issue was published.")
    archived_now = serializers.BooleanField(help_text="Archived since the issue was published.")


class LinkChipSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PaperLink.Kind.choices)
    url = serializers.CharField()
    label = serializers.CharField()


class CardSerializer(serializers.Serializer):
    """The paper of an entry, as the issue shows it."""

    id = serializers.IntegerField(source="paper_id")
    title = serializers.CharField(help_text="Empty while the metadata is missing.")
    title_now = serializers.CharField(help_text="The title today, when it changed since publication; else empty.")
    authors = serializers.ListField(child=serializers.CharField(), help_text="In the paper's order.")
    institutions = serializers.ListField(child=serializers.CharField())
    venue = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    identifier_label = serializers.CharField()
    landing_url = serializers.CharField(help_text="The paper's abstract page; empty when unknown.")
    code = CodeChipSerializer(many=True)
    links = LinkChipSerializer(many=True)
    frozen = serializers.BooleanField(help_text="True when read from the published issue's snapshot.")
    url = LinkField("api:paper-detail", pk="paper_id")
    html_url = LinkField("papers:paper-detail", pk="paper_id")


class FigureSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    caption = serializers.CharField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, figure):
        return self._absolute(figure.image.url)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_thumbnail_url(self, figure):
        return self._absolute(figure.thumbnail.url) if figure.thumbnail else None

    def _absolute(self, url):
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class EntrySerializer(serializers.Serializer):
    """One recommendation in its issue, in the issue's order."""

    position = serializers.IntegerField(source="issue_entry.position")
    recommendation_id = serializers.IntegerField(source="pk")
    recommender = RecommenderRefSerializer()
    tag = TagRefSerializer()
    writeup_html = serializers.CharField(help_text="The write-up, rendered from Markdown and sanitised.")
    figures = FigureSerializer(many=True, source="figures.all")
    paper = CardSerializer(source="card")


class IssueListSerializer(IssueRefSerializer):
    entry_count = serializers.IntegerField()


class IssueDetailSerializer(IssueListSerializer):
    intro_html = serializers.CharField(help_text="The introduction, rendered from Markdown and sanitised.")
    entries = EntrySerializer(many=True, source="entries_in_order")


class RecommenderSerializer(serializers.Serializer):
    handle = serializers.CharField()
    display_name = serializers.CharField()
    published_count = serializers.IntegerField(help_text="Recommendations published in issues.")
    url = LinkField("api:recommender-detail", handle="handle")
    html_url = LinkField("recommendations:recommender-detail", handle="handle")


class PaperRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="Empty while the metadata is missing.")
    url = LinkField("api:paper-detail", pk="pk")
    html_url = LinkField("papers:paper-detail", pk="pk")


class RecommenderRecommendationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    paper = PaperRefSerializer()
    tag = TagRefSerializer()
    writeup_html = serializers.CharField(help_text="The write-up, rendered from Markdown and sanitised.")
    issue = IssueRefSerializer(source="issue_entry.issue")
    position = serializers.IntegerField(source="issue_entry.position", help_text="Its place in the issue.")


class RecommenderDetailSerializer(RecommenderSerializer):
    bio = serializers.CharField()
    recommendations = RecommenderRecommendationSerializer(
        many=True, source="published_recommendations", help_text="Published recommendations, newest issue first."
    )
