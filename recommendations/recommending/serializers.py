"""Shapes of the recommending API: what a recommender sends and gets back.

Input serializers check shapes only (strings, lists, files). Every rule on the values (link
formats, lengths, topics, the pending cap) belongs to the services, which the recommend form
calls too, so that both answer with one message for one mistake.
"""

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from paperdaily.lib.api import StrictCharField
from papers.models import Paper
from recommendations.models import Recommendation
from recommendations.recommending.services import PAPER_LINK_REQUIRED, WRITEUP_REQUIRED


def _text(**kwargs):
    """An optional text input: blank means "not given", and the service trims it."""
    return StrictCharField(required=False, allow_blank=True, default="", trim_whitespace=False, **kwargs)


class RecommendInputSerializer(serializers.Serializer):
    """The recommend form's inputs, as JSON (no figure)."""

    paper_link = StrictCharField(
        trim_whitespace=False,
        error_messages={"blank": PAPER_LINK_REQUIRED, "required": PAPER_LINK_REQUIRED},
        help_text="An arXiv, DOI, OpenReview or ACL Anthology link, e.g. https://arxiv.org/abs/1808.01244 "
        "(up to 500 characters).",
    )
    code_links = serializers.ListField(
        child=StrictCharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=list,
        help_text="Links to the paper's code: repositories on GitHub, GitLab, Gitee, Bitbucket or Codeberg, or "
        "models, datasets or Spaces on Hugging Face (at most PAPERDAILY_MAX_CODE_LINKS, 3 by default).",
    )
    dataset_link = _text(help_text="An http(s) link to the dataset the paper introduces or uses.")
    tag = _text(
        help_text="The slug of an approved topic (see /api/tags/). Leave it out to propose a new topic with "
        "`proposed_topic` and `proposed_area`; when `tag` is given those two are ignored, as on the form."
    )
    proposed_topic = _text(help_text="The name of a new topic to propose (2 to 60 characters); needs `proposed_area`.")
    proposed_area = _text(help_text="The code of the area the proposed topic belongs to, e.g. NLP, CV or ML.")
    writeup = StrictCharField(
        trim_whitespace=False,
        error_messages={"blank": WRITEUP_REQUIRED, "required": WRITEUP_REQUIRED},
        help_text="Why the paper is worth reading, in Markdown (PAPERDAILY_WRITEUP_MIN_CHARS to "
        "PAPERDAILY_WRITEUP_MAX_CHARS characters, 40 to 3000 by default).",
    )
    figure_caption = _text(help_text="A caption for the figure (up to 300 characters).")


class RecommendMultipartSerializer(RecommendInputSerializer):
    """The same inputs as a multipart form, with the figure; repeat `code_links` for several links."""

    figure = serializers.FileField(
        required=False,
        help_text="A PNG, JPEG or WebP image of the model or a key result (up to PAPERDAILY_FIGURE_MAX_BYTES).",
    )


# --- What comes back


class OwnPaperSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="Empty until the paper's details are fetched.")
    metadata_status = serializers.ChoiceField(choices=Paper.MetadataStatus.values)


class OwnTagSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    approved = serializers.BooleanField(help_text="False while the topic is a proposal waiting for an editor.")


class OwnFigureSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    caption = serializers.CharField()

    @extend_schema_field(serializers.URLField())
    def get_url(self, figure):
        request = self.context.get("request")
        url = figure.image.url
        return request.build_absolute_uri(url) if request else url


class OwnRecommendationSerializer(serializers.Serializer):
    """One of the caller's own recommendations, in any status."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Recommendation.Status.values)
    status_label = serializers.CharField(source="get_status_display")
    paper = OwnPaperSerializer()
    tag = OwnTagSerializer()
    submitted_link = serializers.CharField()
    code_links = serializers.ListField(child=serializers.CharField())
    dataset_link = serializers.CharField()
    writeup = serializers.CharField()
    figures = OwnFigureSerializer(many=True)
    issue = serializers.SerializerMethodField(help_text="The number of the published issue that features it.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_issue(self, recommendation):
        # A draft's number is the editors' business until the issue is out.
        entry = getattr(recommendation, "issue_entry", None)
        return entry.issue.number if entry is not None and entry.issue.is_published else None


class SubmittedSerializer(OwnRecommendationSerializer):
    featured_in = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Published issues that featured this paper before; the recommendation is welcome all the same.",
    )


DuplicateErrorSerializer = inline_serializer(
    name="DuplicateError",
    fields={
        "error": inline_serializer(
            name="DuplicateErrorDetail",
            fields={
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
                "recommendation": serializers.IntegerField(help_text="The id of the earlier recommendation."),
            },
        )
    },
)
