"""A reader's personal feed: their "for you" picks and what is new from what they follow, at a
secret address that any feed reader can read without logging in.

The token in the address opens this feed and nothing else (it is not the API token, and no page
accepts it). The feed holds papers and their published write-ups, which anyone may read, and
the reasons for the picks; never the reader's notes, library or name. A reset token answers 404.
"""

import re

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from papers.models import PaperAuthor
from recommendations.foryou.reasons import reason_text
from recommendations.foryou.views import visible_picks
from recommendations.models import Follow, ReaderSettings, Recommendation
from recommendations.reading.cards import with_cards
from recommendations.reading.exports import export_entries
from recommendations.reading.feeds import AtomMixin, RecommendationItems, SiteFeed, site_url

# What a feed token looks like (secrets.token_urlsafe); anything else never reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PICKS_IN_FEED = 20
FOLLOWED_IN_FEED = 20


def followed_recommendations(user_id, *, limit):
    """The latest published recommendations of the topics, recommenders and authors one follows."""
    follows = list(Follow.objects.filter(user_id=user_id).values_list("tag_id", "recommender_id", "author_id"))
    tags = [tag for tag, _r, _a in follows if tag]
    recommenders = [rec for _t, rec, _a in follows if rec]
    authors = [author for _t, _r, author in follows if author]
    if not follows:
        return Recommendation.objects.none()
    published = Recommendation.objects.published()
    matching = published.filter(tag_id__in=tags) | published.filter(recommender_id__in=recommenders)
    if authors:
        papers = PaperAuthor.objects.filter(author_id__in=authors).values("paper_id")
        matching = matching | published.filter(paper_id__in=papers)
    ids = matching.order_by("-issue_entry__issue__number", "issue_entry__position").values_list("pk", flat=True)
    return list(ids[:limit])


class PersonalFeed(AtomMixin, RecommendationItems, SiteFeed):
    url_name = "foryou:feed"

    def get_object(self, request, token):
        if not TOKEN_PATTERN.fullmatch(token or ""):
            raise Http404
        reader = ReaderSettings.objects.filter(feed_token=token).only("pk", "user_id", "feed_token").first()
        if reader is None:
            raise Http404
        return reader

    def url_args(self, reader):
        return [reader.feed_token]

    def title(self, reader):
        return _("PaperDaily: for you")

    def description(self, reader):
        return _("Papers picked for you, and what is new from the topics, recommenders and authors you follow.")

    def link(self, reader):
        return site_url(reverse("foryou:for-you"))

    def items(self, reader):
        picks = dict(visible_picks(reader.user_id).values_list("paper_id", "reason")[:PICKS_IN_FEED])
        followed = followed_recommendations(reader.user_id, limit=FOLLOWED_IN_FEED)
        recommendations = with_cards(
            Recommendation.objects.published()
            .for_listing()
            .filter(Q(paper_id__in=list(picks)) | Q(pk__in=followed))
            .order_by("-issue_entry__issue__number", "issue_entry__position")
        )
        chosen, seen = [], set()
        for recommendation in recommendations:
            if recommendation.paper_id in seen:
                continue  # a paper recommended twice: its latest recommendation
            seen.add(recommendation.paper_id)
            chosen.append(recommendation)
        chosen.sort(key=lambda each: -each.issue_entry.issue.number)
        entries = export_entries(chosen, site_url=settings.PAPERDAILY_SITE_URL)
        followed_set = set(followed)
        for recommendation, entry in zip(chosen, entries, strict=True):
            reason = picks.get(recommendation.paper_id)
            recommendation.export = entry
            if reason is None and recommendation.pk in followed_set:
                recommendation.reason = _("New from what you follow")
            else:
                recommendation.reason = reason_text(reason)
            recommendation.feed_html = render_to_string(
                "foryou/feed_item.html", {"entry": entry, "reason": recommendation.reason}
            )
            recommendation.feed_summary = escape(f"{recommendation.reason}. {entry.authors_display}")
        return chosen

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # A secret address: kept by the reader's feed reader only, never by a shared cache or a search engine.
        response["Cache-Control"] = "private, max-age=300"
        response["X-Robots-Tag"] = "noindex"
        response["Referrer-Policy"] = "no-referrer"
        return response
