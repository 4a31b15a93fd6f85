"""The "for you" page, and the reader's personal feed with its resettable secret."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from paperdaily.lib.paging import paginate
from paperdaily.lib.ratelimits import limit_posts
from papers.models import Paper
from recommendations.foryou import services
from recommendations.foryou.reasons import reason_text
from recommendations.models import Follow, ForYouPick, LibraryItem, ReaderModel, ReaderSettings
from recommendations.reading.cards import paper_card

PER_PAGE = 20


def reader_settings(user) -> ReaderSettings:
    return ReaderSettings.objects.get_or_create(user=user)[0]


def visible_picks(user):
    """The reader's stored picks, in rank order, without what they saved or dismissed since."""
    in_library = LibraryItem.objects.filter(user=user, paper=OuterRef("paper"))
    return ForYouPick.objects.filter(user=user).exclude(Exists(in_library)).order_by("rank")


def _papers(paper_ids):
    papers = Paper.objects.with_listing_details().in_bulk(paper_ids)
    for paper in papers.values():
        paper.title_html = paper.title
        paper.card = paper_card(paper)
    return papers


@require_safe
@login_required
def for_you(request):
    user = request.user
    reader_model = ReaderModel.objects.filter(user=user).first()
    picks = list(visible_picks(user).values_list("paper_id", "reason"))
    if reader_model is None and not picks:
        # Nothing learnt yet: the newest featured papers, said as such.
        kept = set(LibraryItem.objects.filter(user=user).values_list("paper_id", flat=True))
        newest = [paper_id for paper_id in services.candidate_ids() if paper_id not in kept]
        picks = [(paper_id, {"kind": "recent"}) for paper_id in newest[:PER_PAGE]]
    page = paginate(request, picks, per_page=PER_PAGE)
    papers = _papers([paper_id for paper_id, _reason in page.object_list])
    page.object_list = [
        {"paper": papers[paper_id], "reason": reason_text(reason)}
        for paper_id, reason in page.object_list
        if paper_id in papers
    ]
    counts = dict(
        LibraryItem.objects.filter(user=user).values("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    saved = counts.get(LibraryItem.State.SAVED, 0)
    # A change the worker has not ranked yet (it takes a moment): said, so the list is not a surprise.
    updating = (reader_model is None and bool(counts)) or (
        reader_model is not None
        and (reader_model.positives, reader_model.negatives) != (saved, counts.get(LibraryItem.State.NOT_INTERESTED, 0))
    )
    return render(
        request,
        "foryou/for_you.html",
        {
            "page": page,
            "reader_model": reader_model,
            "saved_count": saved,
            "updating": updating,
            "learns": saved >= services.model.MIN_SAVED,
            "min_saved": services.model.MIN_SAVED,
            "follows": Follow.objects.filter(user=user).exists(),
            "terms": [term for term, _weight in (reader_model.terms if reader_model else [])][:8],
            "feed_url": request.build_absolute_uri(reverse("foryou:feed", args=[reader_settings(user).feed_token])),
        },
    )


@require_POST
@login_required
@limit_posts("feed-token", ("user", "PAPERDAILY_RATE_FEED_TOKEN_USER"))
def feed_token_reset(request):
    """A new secret for the personal feed: the old address stops working at once."""
    with transaction.atomic():
        settings_row = ReaderSettings.objects.select_for_update().get(pk=reader_settings(request.user).pk)
        settings_row.feed_token = ReaderSettings._meta.get_field("feed_token").get_default()
        settings_row.save(update_fields=["feed_token"])
    messages.success(
        request, _("Your personal feed has a new address. Give it to your feed reader: the old one no longer works.")
    )
    return HttpResponseRedirect(reverse("foryou:for-you") + "#personal-feed")
