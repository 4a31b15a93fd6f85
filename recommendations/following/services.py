"""Follow and unfollow. Each is safe to repeat and to race: a double click, two tabs or a retried
request leave one row (the partial unique constraints of ``Follow``), or none."""

from django.db import transaction
from django.http import Http404

from paperdaily.lib.ids import row_number
from papers.models import Author, PaperAuthor, Tag
from recommendations.models import Follow, Recommendation, Recommender
from recommendations.visibility import published_recommendations_q

KINDS = {Follow.Kind.TOPIC: "tag", Follow.Kind.RECOMMENDER: "recommender", Follow.Kind.AUTHOR: "author"}


def featured_authors():
    """Authors of at least one featured paper: the only ones with a page, and so the only ones to follow."""
    featured = Recommendation.objects.filter(published_recommendations_q()).values("paper_id")
    return Author.objects.filter(pk__in=PaperAuthor.objects.filter(paper_id__in=featured).values("author_id"))


def follow_target(*, kind: str, key: str):
    """The topic (by slug) or recommender (by handle) a follow names; 404 for anything else."""
    if kind == Follow.Kind.TOPIC:
        target = Tag.objects.approved().filter(slug=key[:100]).first()
    elif kind == Follow.Kind.RECOMMENDER:
        target = Recommender.objects.filter(handle__iexact=key[:30]).first()
    elif kind == Follow.Kind.AUTHOR:
        number = row_number(key)
        target = featured_authors().filter(pk=number).first() if number else None
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
    """What ``user`` follows, newest first, topics, recommenders and authors apart."""
    follows = (
        Follow.objects.filter(user=user)
        .select_related("tag__area", "recommender", "author")
        .order_by("-created_at", "-pk")
    )
    topics = [follow.tag for follow in follows if follow.tag_id]
    recommenders = [follow.recommender for follow in follows if follow.recommender_id]
    authors = [follow.author for follow in follows if follow.author_id]
    return {"topics": topics, "recommenders": recommenders, "authors": authors}
