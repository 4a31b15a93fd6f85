"""A reader who holds one of everything the portal keeps about people, for the privacy tests."""

from datetime import UTC, datetime

from rest_framework.authtoken.models import Token

from recommendations.models import (
    DigestDelivery,
    Figure,
    Follow,
    ForYouPick,
    LibraryItem,
    ReaderModel,
    ReaderSettings,
    Recommendation,
    Reward,
    Subscriber,
)
from tests.factories import (
    make_author,
    make_entry,
    make_issue,
    make_paper,
    make_recommendation,
    make_recommender,
    make_tag,
)
from tests.recommendations.helpers import png_upload

PASSWORD = "correct-horse-battery-1"
WHEN = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def make_member(django_user_model, handle, *, issue=None, figures=False):
    """A user with a profile, a published recommendation (in ``issue``), a submitted one, a
    reward, a newsletter subscription, follows, a library with a note, settings, a model,
    picks, a digest and an API token. Returns the user; ``user.published`` and
    ``user.submitted`` are the two recommendations."""
    user = django_user_model.objects.create_user(handle, f"{handle}@example.org", PASSWORD)
    recommender = make_recommender(handle, user=user, display_name=f"{handle} in full", bio=f"Bio of {handle}")
    issue = issue or make_issue()
    published = make_entry(
        issue, recommender=recommender, writeup=f"Published write-up of {handle}", paper=make_paper(f"{handle} paper")
    )
    submitted = make_recommendation(
        recommender=recommender, status=Recommendation.Status.SUBMITTED, writeup=f"Pending write-up of {handle}"
    )
    submitted.review_note = f"Review note for {handle}"
    submitted.code_links = [f"https://github.com/{handle}/code"]
    submitted.save()
    if figures:
        Figure.objects.create(recommendation=submitted, image=png_upload(f"{handle}.png"), caption="Pending figure")
    Reward.objects.create(
        recommender=recommender,
        recommendation=published,
        issue=issue,
        claimed_at=WHEN,
        shipping_note=f"Ship to {handle}",
    )
    Subscriber.objects.create(email=f"{handle.upper()}@example.org", confirmed_at=WHEN)
    Follow.objects.create(user=user, tag=make_tag(f"{handle} topic"))
    Follow.objects.create(user=user, recommender=make_recommender(f"{handle}-fav"))
    Follow.objects.create(user=user, author=make_author(f"{handle} author"))
    LibraryItem.objects.create(
        user=user, paper=make_paper(f"{handle} saved"), note=f"Private note of {handle}", read_at=WHEN
    )
    LibraryItem.objects.create(user=user, paper=make_paper(f"{handle} dull"), state=LibraryItem.State.NOT_INTERESTED)
    ReaderSettings.objects.create(user=user, digest=ReaderSettings.Digest.WEEKLY)
    ReaderModel.objects.create(user=user, terms=[[f"{handle}-term", 1.5]], trained_at=WHEN, positives=1)
    ForYouPick.objects.create(user=user, paper=make_paper(f"{handle} pick"), rank=1, score=0.9, reason={"terms": ["x"]})
    DigestDelivery.objects.create(
        user=user, period="2026-W02", papers=[1], status=DigestDelivery.Status.SENT, sent_at=WHEN
    )
    Token.objects.create(user=user)
    user.published, user.submitted = published, submitted
    return user
