"""A reader's data: everything the portal holds about them as one document, and deleting the account.

``privacy_export`` gathers it in a fixed number of queries, whatever the reader holds. It
omits secrets that would let whoever finds the file act as the reader (the API token, the
feed and digest tokens, the newsletter's link token): the file says whether each exists.

``account_delete`` removes the account and what is private to it. What readers have seen in an
issue stays: recommendations in an issue (published, or in a draft an editor is assembling)
keep their recommender row, renamed ``former-member-<n>`` and shown as "Former member", with
no bio and no account. The old handle then names nobody; issue snapshots hold only the
paper's facts (recommendations/reading/cards.py), never the handle, so nothing frozen needs
rewriting. Every write here touches watched tables, so the page cache's generation is bumped
(paperdaily/lib/pagecache.py): no cached page keeps showing the old name.
"""

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from papers.models import Tag
from recommendations.models import (
    FORMER_MEMBER_NAME,
    FORMER_MEMBER_PREFIX,
    DigestDelivery,
    Figure,
    Follow,
    ForYouPick,
    LibraryItem,
    ReaderModel,
    ReaderSettings,
    Recommendation,
    Recommender,
    Reward,
    Subscriber,
)
from recommendations.recommending.figures import figure_delete_files

EXPORT_FORMAT = "paperdaily-export/1"
# How many of the for-you model's terms the export lists (it keeps them weightiest first).
EXPORT_TERMS = 50


def _when(value):
    return value.isoformat() if value else None


def _account(user) -> dict:
    return {
        "username": user.get_username(),
        "email": user.email,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
    }


def _paper(paper) -> dict:
    return {"id": paper.pk, "title": paper.title, "identifier": paper.identifier_label}


def _recommendation(recommendation) -> dict:
    entry = getattr(recommendation, "issue_entry", None)
    return {
        "id": recommendation.pk,
        "paper": _paper(recommendation.paper),
        "submitted_link": recommendation.submitted_link,
        "topic": recommendation.tag.slug,
        "status": recommendation.status,
        "writeup": recommendation.writeup,
        "code_links": recommendation.code_links,
        "dataset_link": recommendation.dataset_link,
        "review_note": recommendation.review_note,
        "reviewed_at": _when(recommendation.reviewed_at),
        "figures": [{"url": figure.image.url, "caption": figure.caption} for figure in recommendation.figures.all()],
        "issue": entry.issue.number if entry else None,
        "submitted_at": _when(recommendation.created_at),
        "updated_at": _when(recommendation.updated_at),
    }


def _reward(reward) -> dict:
    return {
        "issue": reward.issue.number,
        "recommendation": reward.recommendation_id,
        "earned_at": _when(reward.earned_at),
        "claimed_at": _when(reward.claimed_at),
        "shipping_note": reward.shipping_note,
        "sent_at": _when(reward.sent_at),
    }


def _follow(follow) -> dict:
    if follow.tag_id:
        target = {"slug": follow.tag.slug, "name": follow.tag.name}
    elif follow.recommender_id:
        target = {"handle": follow.recommender.handle}
    else:
        target = {"id": follow.author_id, "name": follow.author.name}
    return {"kind": follow.kind.value, **target, "followed_at": _when(follow.created_at)}


def _recommender_part(user) -> tuple[dict | None, list, list]:
    recommender = Recommender.objects.filter(user=user).first()
    if recommender is None:
        return None, [], []
    recommendations = (
        Recommendation.objects.filter(recommender=recommender)
        .select_related("paper", "tag", "issue_entry__issue")
        .prefetch_related("figures")
        .order_by("created_at", "pk")
    )
    rewards = Reward.objects.filter(recommender=recommender).select_related("issue").order_by("earned_at", "pk")
    profile = {"handle": recommender.handle, "display_name": recommender.display_name, "bio": recommender.bio}
    return profile, [_recommendation(each) for each in recommendations], [_reward(each) for each in rewards]


def privacy_export(*, user) -> dict:
    """Everything the portal holds about ``user``, as JSON-ready data (format ``paperdaily-export/1``)."""
    profile, recommendations, rewards = _recommender_part(user)
    subscriptions = (
        Subscriber.objects.filter(email__iexact=user.email).order_by("created_at", "pk") if user.email else []
    )
    follows = Follow.objects.filter(user=user).select_related("tag", "recommender", "author").order_by("created_at")
    library = LibraryItem.objects.filter(user=user).select_related("paper").order_by("created_at", "pk")
    reader_settings = ReaderSettings.objects.filter(user=user).first()
    model = ReaderModel.objects.filter(user=user).first()
    picks = ForYouPick.objects.filter(user=user).select_related("paper").order_by("rank")
    digests = DigestDelivery.objects.filter(user=user).order_by("created_at", "pk")
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "account": {**_account(user), "api_token": Token.objects.filter(user=user).exists()},
        "recommender": profile,
        "recommendations": recommendations,
        "rewards": rewards,
        "newsletter": [
            {
                "email": subscriber.email,
                "subscribed_at": _when(subscriber.created_at),
                "confirmed_at": _when(subscriber.confirmed_at),
                "unsubscribed_at": _when(subscriber.unsubscribed_at),
                "active": subscriber.is_active,
            }
            for subscriber in subscriptions
        ],
        "follows": [_follow(follow) for follow in follows],
        "library": [
            {
                "paper": _paper(item.paper),
                "state": item.state,
                "note": item.note,
                "read_at": _when(item.read_at),
                "saved_at": _when(item.created_at),
                "updated_at": _when(item.updated_at),
            }
            for item in library
        ],
        "reader_settings": reader_settings
        and {
            "digest": reader_settings.digest,
            "digest_since": _when(reader_settings.digest_since),
            "feed_token": True,
            "digest_token": True,
        },
        "for_you": {
            "model": model
            and {
                "trained_at": _when(model.trained_at),
                "saved_papers": model.positives,
                "not_interested": model.negatives,
                "terms": list(model.terms[:EXPORT_TERMS]) if isinstance(model.terms, list) else model.terms,
            },
            "picks": [
                {"rank": pick.rank, "paper": _paper(pick.paper), "score": pick.score, "reason": pick.reason}
                for pick in picks
            ],
        },
        "digests": [
            {
                "period": delivery.period,
                "status": delivery.status,
                "papers": delivery.papers,
                "queued_at": _when(delivery.created_at),
                "sent_at": _when(delivery.sent_at),
            }
            for delivery in digests
        ],
    }


def former_member_handle(recommender) -> str:
    """A handle for ``recommender`` once its account is gone: ``former-member-<pk>``, unique.

    Sign-ups cannot take the prefix (``accounts.services.handle_is_taken``); a row an editor
    named so by hand gets a random suffix instead of a clash.
    """
    handle = f"{FORMER_MEMBER_PREFIX}{recommender.pk}"
    while Recommender.objects.filter(handle__iexact=handle).exclude(pk=recommender.pk).exists():
        handle = f"{FORMER_MEMBER_PREFIX}{recommender.pk}-{secrets.token_hex(3)}"
    return handle


def account_delete(*, user) -> None:
    """Delete ``user``'s account and everything private to it; keep their recommendations in issues.

    Removed: follows, library (with notes), reader settings (feed and digest tokens), the
    for-you model and picks, digest deliveries, the API token, newsletter subscriptions of
    their address (and so their deliveries), rewards, recommendations in no issue (with their
    figures' files, once committed), and the user row, which ends every session of theirs.
    Kept: recommendations in an issue, under the former-member name. Nothing refers to a user
    with PROTECT (reviewed_by, published_by and sent_by are SET_NULL), so editors can go too;
    Django's admin log entries of an editor go with the account (CASCADE).
    """
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        recommender = Recommender.objects.select_for_update().filter(user=user).first()
        Follow.objects.filter(user=user).delete()
        LibraryItem.objects.filter(user=user).delete()
        ReaderSettings.objects.filter(user=user).delete()
        ReaderModel.objects.filter(user=user).delete()
        ForYouPick.objects.filter(user=user).delete()
        DigestDelivery.objects.filter(user=user).delete()
        Token.objects.filter(user=user).delete()
        if user.email:
            Subscriber.objects.filter(email__iexact=user.email).delete()
        if recommender is not None:
            _recommender_retire(recommender)
        user.delete()


def _recommender_retire(recommender) -> None:
    # Locked: an editor adding one of them to an issue meanwhile waits, then finds it gone.
    list(Recommendation.objects.select_for_update().filter(recommender=recommender).values_list("pk", flat=True))
    Reward.objects.filter(recommender=recommender).delete()
    unpublished = Recommendation.objects.filter(recommender=recommender, issue_entry__isnull=True)
    figures = list(Figure.objects.filter(recommendation__in=unpublished))
    tag_ids = set(unpublished.values_list("tag_id", flat=True))
    unpublished.delete()
    # A proposed topic nobody files under any more goes with its last recommendation (as on withdrawal).
    Tag.objects.filter(pk__in=tag_ids, approved=False, recommendations__isnull=True).delete()
    for figure in figures:
        transaction.on_commit(lambda figure=figure: figure_delete_files(figure))
    if not Recommendation.objects.filter(recommender=recommender).exists():
        recommender.delete()
        return
    recommender.handle = former_member_handle(recommender)
    recommender.display_name = FORMER_MEMBER_NAME
    recommender.bio = ""
    recommender.user = None
    recommender.save(update_fields=["handle", "display_name", "bio", "user"])
