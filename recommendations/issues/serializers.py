"""Shapes of the issue desk's API: an issue with its entries, waiting list and assembly, and
what adding entries or publishing answers."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from paperdaily.lib.api import StrictCharField, StrictIntegerField
from paperdaily.lib.ids import MAX_ID
from recommendations.models import Issue, Recommendation
from recommendations.recommending.serializers import OwnPaperSerializer

# Ids one request may add to an issue: far more than an issue ever holds.
MAX_IDS_PER_REQUEST = 200


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
    # The view puts these on the issue (recommendations/issues/api.py, _desk).
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
