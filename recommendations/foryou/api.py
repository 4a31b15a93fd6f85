"""The reader's own API under /api/me/: what they follow, their library and their "for you" list.

Token (or session) authentication only; every answer is the caller's own and nobody else's. Each
endpoint calls the service the pages use, so the rules (one row per paper, only featured papers,
the note's length) are the same.
"""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from paperdaily.lib.api import AUTHENTICATION, JSONParser, StrictCharField, errors, validated_query
from papers.models import Paper
from recommendations.following import services as following
from recommendations.foryou.reasons import REASON_KINDS, reason_text
from recommendations.foryou.views import visible_picks
from recommendations.library import services as library
from recommendations.models import Follow, LibraryItem
from recommendations.reading.serializers import PaperSummarySerializer

TAGS = ["me"]
KEYS = {Follow.Kind.TOPIC: "slug", Follow.Kind.RECOMMENDER: "handle", Follow.Kind.AUTHOR: "pk"}


def _with_papers(queryset):
    return queryset.prefetch_related(Prefetch("paper", queryset=Paper.objects.with_listing_details()))


# --- Serializers


class FollowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Follow.Kind.choices)
    key = serializers.SerializerMethodField(help_text="The topic's slug, the recommender's handle or the author's id.")
    name = serializers.SerializerMethodField(help_text="What a page calls it.")
    followed_at = serializers.DateTimeField(source="created_at")

    @extend_schema_field(OpenApiTypes.STR)
    def get_key(self, follow):
        return str(getattr(follow.target, KEYS[follow.kind]))

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, follow):
        target = follow.target
        return getattr(target, "name", None) or str(target)


class FollowInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Follow.Kind.choices)
    key = StrictCharField(max_length=100, help_text="The topic's slug, the recommender's handle or the author's id.")


class LibraryItemSerializer(serializers.Serializer):
    paper = PaperSummarySerializer()
    state = serializers.ChoiceField(choices=LibraryItem.State.choices)
    note = serializers.CharField(help_text="Private: only its reader ever sees it.")
    read = serializers.BooleanField(source="is_read")
    read_at = serializers.DateTimeField(allow_null=True)
    saved_at = serializers.DateTimeField(source="created_at")
    updated_at = serializers.DateTimeField()


class LibraryInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=LibraryItem.State.choices, default=LibraryItem.State.SAVED)
    note = StrictCharField(required=False, allow_blank=True, max_length=5000, trim_whitespace=True)
    read = serializers.BooleanField(required=False)


class LibraryQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=LibraryItem.State.choices, default=LibraryItem.State.SAVED)


class ReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=REASON_KINDS)
    text = serializers.CharField(help_text="The reason as the page says it, in the request's language.")


class PickSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    paper = PaperSummarySerializer()
    reason = serializers.SerializerMethodField()

    @extend_schema_field(ReasonSerializer)
    def get_reason(self, pick):
        return {"kind": (pick.reason or {}).get("kind", "recent"), "text": reason_text(pick.reason)}


# --- Views


class MeView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]


class FollowList(MeView, generics.GenericAPIView):
    serializer_class = FollowSerializer

    def get_queryset(self):
        return (
            Follow.objects.filter(user=self.request.user)
            .select_related("tag", "recommender", "author")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        operation_id="me_follows_list",
        summary="What I follow",
        description="The topics, recommenders and authors the caller follows, newest first. Private.",
        responses={200: FollowSerializer(many=True), **errors(400, 401, 404)},
        tags=TAGS,
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(FollowSerializer(page, many=True).data)

    @extend_schema(
        operation_id="me_follows_create",
        summary="Follow a topic, recommender or author",
        description="Following twice is following once: 201 the first time, 200 after.",
        request=FollowInputSerializer,
        responses={201: FollowSerializer, 200: FollowSerializer, **errors(400, 401, 404)},
        tags=TAGS,
    )
    def post(self, request):
        data = _valid(FollowInputSerializer, request.data)
        target = following.follow_target(kind=data["kind"], key=data["key"])
        existed = following.is_following(request.user, data["kind"], target)
        follow = following.follow(user=request.user, kind=data["kind"], target=target)
        return Response(FollowSerializer(follow).data, status=200 if existed else 201)


_KIND = OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(Follow.Kind.values))
_KEY = OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH, description="Slug, handle or author id.")


class FollowDetail(MeView):
    @extend_schema(
        operation_id="me_follows_destroy",
        summary="Unfollow",
        parameters=[_KIND, _KEY],
        request=None,
        responses={204: OpenApiResponse(description="No longer followed."), **errors(401, 404)},
        tags=TAGS,
    )
    def delete(self, request, kind, key):
        target = following.follow_target(kind=kind, key=key)
        if not following.unfollow(user=request.user, kind=kind, target=target):
            raise exceptions.NotFound()
        return Response(status=204)


class LibraryList(MeView, generics.GenericAPIView):
    serializer_class = LibraryItemSerializer

    @extend_schema(
        operation_id="me_library_list",
        summary="My library",
        description="The caller's saved papers (or, with `state=not_interested`, those they dismissed), "
        "newest first, with their private notes.",
        parameters=[LibraryQuerySerializer],
        responses={200: LibraryItemSerializer(many=True), **errors(400, 401, 404)},
        tags=TAGS,
    )
    def get(self, request):
        state = validated_query(LibraryQuerySerializer, request)["state"]
        items = LibraryItem.objects.filter(user=request.user, state=state).order_by("-created_at", "-pk")
        page = self.paginate_queryset(_with_papers(items))
        return self.get_paginated_response(LibraryItemSerializer(page, many=True, context={"request": request}).data)


_PAPER = OpenApiParameter("paper_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The paper's id.")


class LibraryDetail(MeView):
    def _item(self, request, paper_id):
        paper = library.featured_paper(paper_id)
        item = _with_papers(LibraryItem.objects.filter(user=request.user, paper=paper)).first()
        return paper, item

    @extend_schema(
        operation_id="me_library_retrieve",
        summary="A paper in my library",
        parameters=[_PAPER],
        responses={200: LibraryItemSerializer, **errors(401, 404)},
        tags=TAGS,
    )
    def get(self, request, paper_id):
        _paper, item = self._item(request, paper_id)
        if item is None:
            raise exceptions.NotFound()
        return Response(LibraryItemSerializer(item, context={"request": request}).data)

    @extend_schema(
        operation_id="me_library_update",
        summary="Save a paper, note it, mark it read, or mark it not interested",
        description="Saves the paper if it is not in the library. `note` and `read` apply to saved papers; "
        '`state=not_interested` takes a paper out of the library and out of "for you", keeping its note.',
        parameters=[_PAPER],
        request=LibraryInputSerializer,
        responses={200: LibraryItemSerializer, **errors(400, 401, 404)},
        tags=TAGS,
    )
    def put(self, request, paper_id):
        paper, _item = self._item(request, paper_id)
        data = _valid(LibraryInputSerializer, request.data)
        if data["state"] == LibraryItem.State.NOT_INTERESTED:
            library.library_dismiss(user=request.user, paper=paper)
        else:
            library.library_update(user=request.user, paper=paper, note=data.get("note"), read=data.get("read"))
        _paper, item = self._item(request, paper_id)
        return Response(LibraryItemSerializer(item, context={"request": request}).data)

    @extend_schema(
        operation_id="me_library_destroy",
        summary='Take a paper out of my library (with its note), or undo "not interested"',
        parameters=[_PAPER],
        request=None,
        responses={204: OpenApiResponse(description="Forgotten."), **errors(401, 404)},
        tags=TAGS,
    )
    def delete(self, request, paper_id):
        paper, _item = self._item(request, paper_id)
        if not library.library_remove(user=request.user, paper=paper):
            raise exceptions.NotFound()
        return Response(status=204)


class ForYouList(MeView, generics.GenericAPIView):
    serializer_class = PickSerializer

    @extend_schema(
        operation_id="me_for_you_list",
        summary="For you",
        description="Recent featured papers ranked for the caller, best first, each with why. Made by a worker "
        "after each change to the caller's library or follows; empty until then.",
        responses={200: PickSerializer(many=True), **errors(400, 401, 404)},
        tags=TAGS,
    )
    def get(self, request):
        page = self.paginate_queryset(_with_papers(visible_picks(request.user)))
        return self.get_paginated_response(PickSerializer(page, many=True, context={"request": request}).data)


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
