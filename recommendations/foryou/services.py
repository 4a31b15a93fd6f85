"""For you: gather one reader's signals, rank the recent featured papers for them, store the picks.

``reader_train`` runs in a worker (``recommendations.train_for_you``), sent whenever the reader
saves, dismisses or follows something, and for every reader with signals when an issue is
published. The page, the personal feed, the digest and the API only read the stored picks.

- With ``MIN_SAVED`` saved papers or more, the reader's own classifier ranks the pool
  (recommendations/foryou/model.py), and what they follow adds to a paper's score.
- With fewer, what they follow comes first, then the newest.
"""

import hashlib
import logging
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers.models import Paper, PaperAuthor
from recommendations.foryou import model
from recommendations.models import Follow, ForYouPick, Issue, IssueEntry, LibraryItem, ReaderModel, Recommendation
from recommendations.visibility import published_recommendations_q

logger = logging.getLogger(__name__)

# What a followed topic, author or recommender adds to a paper's score (the classifier's scores
# run from about -5 to 5): enough to lift a near tie, not to bury what the reader saves.
BOOSTS = {Follow.Kind.TOPIC: 1.0, Follow.Kind.AUTHOR: 1.0, Follow.Kind.RECOMMENDER: 0.5}


def candidate_ids() -> list[int]:
    """The papers "for you" ranks: those featured in the last ``PAPERDAILY_FOR_YOU_ISSUES``
    published issues, newest issue first and in the issue's order, at most
    ``PAPERDAILY_FOR_YOU_POOL``."""
    issues = list(
        Issue.objects.published().order_by("-number").values_list("pk", flat=True)[: settings.PAPERDAILY_FOR_YOU_ISSUES]
    )
    entries = (
        IssueEntry.objects.filter(issue_id__in=issues, recommendation__status="published")
        .order_by("-issue__number", "position")
        .values_list("recommendation__paper_id", flat=True)
    )
    return list(dict.fromkeys(entries))[: settings.PAPERDAILY_FOR_YOU_POOL]


def paper_texts(ids) -> dict[int, str]:
    """What is written about each paper: title, abstract, published write-ups, topic names."""
    ids = list(ids)
    parts: dict[int, list[str]] = {pk: [] for pk in ids}
    papers = Paper.objects.filter(pk__in=ids)
    for pk, title, abstract in papers.values_list("pk", "title", "abstract"):
        parts[pk][:0] = [title, title, abstract]  # the title says most: it counts twice
    recommendations = Recommendation.objects.filter(published_recommendations_q(), paper_id__in=ids)
    for paper_id, writeup, name, name_zh in recommendations.values_list(
        "paper_id", "writeup", "tag__name", "tag__name_zh"
    ):
        parts[paper_id].extend([writeup, name, name_zh])
    return {pk: "\n".join(text for text in texts if text) for pk, texts in parts.items()}


def paper_titles(ids) -> dict[int, str]:
    papers = Paper.objects.filter(pk__in=list(ids))
    return dict(papers.values_list("pk", "title"))


def _background(user_id, exclude, size):
    """A sample of older featured papers, the same for a reader from one training to the next (so
    that their list does not shuffle when nothing changed): "the rest" the classifier learns from."""
    featured = Recommendation.objects.filter(published_recommendations_q()).values_list("paper_id", flat=True)
    pool = sorted(set(featured) - set(exclude))
    if len(pool) <= size:
        return pool
    return random.Random(user_id).sample(pool, size)  # noqa: S311 - a sample, not a secret


def follow_boosts(*, user_id, candidates) -> dict[int, tuple[float, dict]]:
    """For each candidate that a followed topic, author or recommender touches: the boost, and the
    follow that says why (the strongest, topics first)."""
    follows = list(Follow.objects.filter(user_id=user_id).select_related("tag", "recommender", "author"))
    if not follows:
        return {}
    topics = {f.tag_id: f.tag for f in follows if f.tag_id}
    recommenders = {f.recommender_id: f.recommender for f in follows if f.recommender_id}
    authors = {f.author_id: f.author for f in follows if f.author_id}
    touched: dict[int, list[tuple[float, dict]]] = {}
    recommendations = Recommendation.objects.filter(published_recommendations_q(), paper_id__in=candidates)
    for paper_id, tag_id, recommender_id in recommendations.values_list("paper_id", "tag_id", "recommender_id"):
        if tag_id in topics:
            tag = topics[tag_id]
            reason = {"kind": "topic", "slug": tag.slug, "name": tag.name, "name_zh": tag.name_zh}
            touched.setdefault(paper_id, []).append((BOOSTS[Follow.Kind.TOPIC], reason))
        if recommender_id in recommenders:
            reason = {"kind": "recommender", "handle": recommenders[recommender_id].handle}
            touched.setdefault(paper_id, []).append((BOOSTS[Follow.Kind.RECOMMENDER], reason))
    if authors:
        links = PaperAuthor.objects.filter(paper_id__in=candidates, author_id__in=list(authors))
        for paper_id, author_id in links.values_list("paper_id", "author_id"):
            reason = {"kind": "author", "id": author_id, "name": authors[author_id].name}
            touched.setdefault(paper_id, []).append((BOOSTS[Follow.Kind.AUTHOR], reason))
    boosts = {}
    for paper_id, found in touched.items():
        # One follow of a kind counts once, however many recommendations carry it.
        kinds = {reason["kind"]: weight for weight, reason in found}
        boosts[paper_id] = (sum(kinds.values()), max(found, key=lambda each: each[0])[1])
    return boosts


def rank_by_follows(*, user_id, candidates, exclude=()) -> list[model.Pick]:
    """The candidates with what the reader follows first, then the newest (the pool's order)."""
    boosts = follow_boosts(user_id=user_id, candidates=candidates)
    exclude = set(exclude)
    kept = [pk for pk in candidates if pk not in exclude]
    kept.sort(key=lambda pk: -boosts.get(pk, (0.0, None))[0])  # stable: the newest first among equals
    return [
        model.Pick(pk, boosts.get(pk, (0.0, None))[0], boosts.get(pk, (0.0, None))[1] or {"kind": "recent"})
        for pk in kept
    ]


def _signals(user_id):
    library = list(LibraryItem.objects.filter(user_id=user_id).values_list("paper_id", "state").order_by("paper_id"))
    follows = list(
        Follow.objects.filter(user_id=user_id).values_list("tag_id", "recommender_id", "author_id").order_by("pk")
    )
    latest = Issue.objects.published().order_by("-number").values_list("pk", flat=True).first()
    saved = [pk for pk, state in library if state == LibraryItem.State.SAVED]
    dismissed = [pk for pk, state in library if state == LibraryItem.State.NOT_INTERESTED]
    digest = hashlib.sha256(repr((library, follows, latest)).encode()).hexdigest()
    return saved, dismissed, digest


def reader_train(*, user_id: int, force: bool = False) -> ReaderModel:
    """Rank the pool for one reader and store their picks; nothing to do when their signals
    (library, follows, the latest issue) are what the stored picks were made from."""
    saved, dismissed, digest = _signals(user_id)
    stored = ReaderModel.objects.filter(user_id=user_id).first()
    if stored is not None and stored.signals == digest and not force:
        return stored
    candidates = candidate_ids()
    limit = settings.PAPERDAILY_FOR_YOU_PICKS
    terms, seconds, error = [], 0.0, ""
    if len(saved) >= model.MIN_SAVED:
        labelled = saved + dismissed
        background = _background(user_id, set(candidates) | set(labelled), settings.PAPERDAILY_FOR_YOU_BACKGROUND)
        texts = paper_texts([*candidates, *labelled, *background])
        try:
            ranking = model.rank(
                texts=texts,
                saved=saved,
                dismissed=dismissed,
                candidates=candidates,
                boosts=follow_boosts(user_id=user_id, candidates=candidates),
                titles=paper_titles(saved),
                limit=limit,
            )
        except ValueError as failure:  # a vocabulary left empty (papers without text): rank without it
            logger.warning("for you: reader %s trained on nothing usable: %s", user_id, failure)
            error = str(failure)
            picks = rank_by_follows(user_id=user_id, candidates=candidates, exclude=labelled)[:limit]
        else:
            picks, terms, seconds = ranking.picks, ranking.terms, ranking.seconds
    else:
        picks = rank_by_follows(user_id=user_id, candidates=candidates, exclude=saved + dismissed)[:limit]
    with transaction.atomic():
        reader_model, _created = ReaderModel.objects.select_for_update().get_or_create(user_id=user_id)
        ForYouPick.objects.filter(user_id=user_id).delete()
        ForYouPick.objects.bulk_create(
            ForYouPick(user_id=user_id, paper_id=pick.paper_id, rank=rank, score=pick.score, reason=pick.reason)
            for rank, pick in enumerate(picks, start=1)
        )
        reader_model.signals = digest
        reader_model.positives = len(saved)
        reader_model.negatives = len(dismissed)
        reader_model.terms = [[term, weight] for term, weight in terms]
        reader_model.trained_at = timezone.now()
        reader_model.seconds = round(seconds, 3)
        reader_model.error = error
        reader_model.save()
    return reader_model


def readers_with_signals():
    """Readers who saved, dismissed or follow anything, or have picks: those a new issue concerns."""
    users = set(LibraryItem.objects.values_list("user_id", flat=True).distinct())
    users |= set(Follow.objects.values_list("user_id", flat=True).distinct())
    # Readers trained before keep a list of the newest papers: a new issue changes it too.
    users |= set(ReaderModel.objects.values_list("user_id", flat=True))
    return sorted(users)
