"""Follow and unfollow. Each is safe to repeat and to race: a double click, two tabs or a retried
request leave one row (the partial unique constraints of ``Follow``), or none."""

from django.db import transaction
from django.http import Http404

from papers.models import Tag
from recommendations.models import Follow, Recommender

KINDS = {Follow.Kind.TOPIC: "tag", Follow.Kind.RECOMMENDER: "recommender"}


def follow_target(*, kind: str, key: str):
    """The topic (by slug) or recommender (by handle) a follow names; 404 for anything else."""
    if kind == Follow.Kind.TOPIC:
        target = Tag.objects.approved().filter(slug=key[:100]).first()
    elif kind == Follow.Kind.RECOMMENDER:
        target = Recommender.objects.filter(handle__iexact=key[:30]).first()
    else:
        target = None
    if target is None:
        raise Http404
    return target


def follow(*, user, kind: str, target) -> Follow:
    with transaction.atomic():
        return Follow.objects.get_or_create(user=user, **{KINDS[kind]: target})[0]


def unfollow(*, user, kind: str, target) -> bool:
    deleted, _ = Follow.objects.filter(user=user, **{KINDS[kind]: target}).delete()
    return bool(deleted)


def is_following(user, kind: str, target) -> bool:
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(user=user, **{KINDS[kind]: target}).exists()


def follows_of(user):
    """What ``user`` follows, newest first, topics and recommenders apart."""
    follows = Follow.objects.filter(user=user).select_related("tag__area", "recommender").order_by("-created_at", "-pk")
    topics = [follow.tag for follow in follows if follow.tag_id]
    recommenders = [follow.recommender for follow in follows if follow.recommender_id]
    return {"topics": topics, "recommenders": recommenders}
