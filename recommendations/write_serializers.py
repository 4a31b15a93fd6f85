"""Shapes of the writing API: what a recommender sends and gets back, and the editors' issue desk.

Input serializers check shapes only (strings, lists, files). Every rule on the values (link
formats, lengths, topics, the pending cap) belongs to the services, which the recommend form
calls too, so that both answer with one message for one mistake.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from papers.models import Paper
from recommendations.models import Issue, Recommendation

# Primary keys are BigAutoFields; a bigger number cannot name a row.
MAX_ID = 2**63 - 1
# Ids one request may add to an issue: far more than an issue ever holds.
MAX_IDS_PER_REQUEST = 200
_REQUIRED = _("This field is required.")


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


def _text(**kwargs):
    """An optional text input: blank means "not given", and the service trims it."""
    return StrictCharField(required=False, allow_blank=True, default="", trim_whitespace=False, **kwargs)


class RecommendInputSerializer(serializers.Serializer):
    """The recommend form's inputs, as JSON (no figure)."""

    paper_link = StrictCharField(
        trim_whitespace=False,
        error_messages={"blank": _REQUIRED},
        help_text="An arXiv, DOI, OpenReview or ACL Anthology link, e.g. https://arxiv.org/abs/1808.01244 "
        "(up to 500 characters).",
    )
    code_links = serializers.ListField(
        child=StrictCharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=list,
        help_text="GitHub links to the paper's code (at most PAPERDAILY_MAX_CODE_LINKS, 3 by default).",
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
        error_messages={"blank": _REQUIRED},
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


# --- Tokens


class TokenObtainSerializer(serializers.Serializer):
    username = StrictCharField(max_length=254, help_text="Your handle or e-mail address.")
    password = StrictCharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")


# --- The editors' issue desk


class IssueCreateSerializer(serializers.Serializer):
    title = StrictCharField(required=False, allow_blank=True, default="", max_length=200)
    intro = StrictCharField(required=False, allow_blank=True, default="", max_length=5000, help_text="Markdown.")


class DeskIssueSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Issue.Status.values)
    entry_count = serializers.IntegerField()

    class Meta:
        model = Issue
        fields = [
            "number",
            "title",
            "status",
            "entry_count",
            "scheduled_at",
            "assembly_started_at",
            "published_at",
            "created_at",
            "updated_at",
        ]


class DeskEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The entry's id, as `incomplete_ok` names it.")
    position = serializers.IntegerField()
    recommendation = serializers.IntegerField(source="recommendation_id")
    recommendation_status = serializers.ChoiceField(
        source="recommendation.status", choices=Recommendation.Status.values
    )
    recommender = serializers.CharField(source="recommendation.recommender.handle")
    paper = OwnPaperSerializer(source="recommendation.paper")
    publish_incomplete = serializers.BooleanField()


class PublishProblemSerializer(serializers.Serializer):
    message = serializers.CharField()
    entry = serializers.IntegerField(source="entry.pk", allow_null=True, default=None)
    overridable = serializers.BooleanField(
        help_text="True when listing the entry in `incomplete_ok` on publishing overrides it."
    )
    fix_url = serializers.CharField(help_text="Where in the back office to fix it.")


class AssemblyFailureSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    reason = serializers.CharField()
    fix_url = serializers.CharField()


class AssemblyProgressSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField(allow_null=True)
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    finished = serializers.BooleanField()
    failures = AssemblyFailureSerializer(many=True)


class DeskWaitingSerializer(serializers.Serializer):
    """An accepted recommendation in no issue yet: what an editor may add."""

    id = serializers.IntegerField()
    recommender = serializers.CharField(source="recommender.handle")
    paper = OwnPaperSerializer()
    reviewed_at = serializers.DateTimeField(allow_null=True)


class DeskIssueDetailSerializer(DeskIssueSerializer):
    intro = serializers.CharField()
    schedule_error = serializers.CharField()
    # The view puts these on the issue (recommendations/api_write.py, _desk).
    entries = DeskEntrySerializer(many=True, source="desk_entries")
    publish_problems = PublishProblemSerializer(many=True, source="desk_problems", help_text="Empty once published.")
    assembly = AssemblyProgressSerializer(
        allow_null=True, source="desk_assembly", help_text="Null until the issue is first assembled."
    )
    waiting = DeskWaitingSerializer(
        many=True, source="desk_waiting", help_text="Accepted recommendations in no issue yet, oldest first."
    )

    class Meta(DeskIssueSerializer.Meta):
        fields = [
            *DeskIssueSerializer.Meta.fields,
            "intro",
            "schedule_error",
            "entries",
            "publish_problems",
            "assembly",
            "waiting",
        ]


class RecommendationIdsSerializer(serializers.Serializer):
    recommendation_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=MAX_IDS_PER_REQUEST,
        help_text="Accepted recommendations to append, in this order.",
    )


class AddedEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    recommendation = serializers.IntegerField(source="recommendation_id")


class RefusedRecommendationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()


class EntriesAddedSerializer(serializers.Serializer):
    added = AddedEntrySerializer(many=True)
    refused = RefusedRecommendationSerializer(many=True)


class PublishInputSerializer(serializers.Serializer):
    incomplete_ok = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=MAX_IDS_PER_REQUEST,
        help_text="Ids of this issue's entries to publish with incomplete metadata (pending or failed fetches).",
    )


PublishRefusedSerializer = inline_serializer(
    name="PublishRefused",
    fields={
        "error": inline_serializer(
            name="PublishRefusedDetail",
            fields={
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "problems": PublishProblemSerializer(many=True),
            },
        )
    },
)
