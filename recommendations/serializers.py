"""What the read API answers about issues, their entries and recommenders.

An entry's paper is its card (recommendations/cards.py): inside a published issue, the facts
frozen at publication, with today's values beside where they changed (``title_now``,
``stars_now``, ``archived_now``). Read-only; the write API has its own serializers.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from paperdaily.api import LinkField
from papers.models import PaperLink
from papers.serializers import IssueRefSerializer, RecommenderRefSerializer, TagRefSerializer


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
