"""Atom and RSS feeds: the latest published issues, and each topic's latest recommendations.

Each item carries its full content as HTML, built from the same entry template and the
same frozen cards as the standalone export (recommendations/reading/exports.py), with absolute
links only: a feed reader resolves nothing against the site. Atom puts it in
``<content type="html">``, RSS in ``<description>`` and ``<content:encoded>``.

A feed costs the same few queries whatever the number of issues or entries: the items'
recommendations are read in one go and grouped in Python.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from papers.models import Tag
from recommendations.models import Issue, Recommendation
from recommendations.reading.cards import NO_DETAILS, with_cards
from recommendations.reading.exports import absolute_url, export_entries, issue_context

ISSUES_IN_FEED = 20
RECOMMENDATIONS_IN_FEED = 20


class AtomWithContent(Atom1Feed):
    """Atom whose entries carry ``content_html`` as ``<content type="html">``."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class RssWithContent(Rss201rev2Feed):
    """RSS 2.0 whose items also carry ``content_html`` as ``<content:encoded>``."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])


def site_url(path):
    return absolute_url(settings.PAPERDAILY_SITE_URL, path)


class SiteFeed(Feed):
    """What both feeds share: absolute links from PAPERDAILY_SITE_URL, full HTML per item."""

    url_name = ""  # the feed's own URL name, "feeds:..."

    def feed_url(self, obj):
        return site_url(reverse(self.url_name, args=self.url_args(obj)))

    def url_args(self, obj):
        return []

    def feed_guid(self, obj):
        return self.feed_url(obj)

    def author_name(self):
        return "PaperDaily"

    def author_link(self):
        return site_url(reverse("home"))

    def item_description(self, item):
        return item.feed_html

    def item_extra_kwargs(self, item):
        return {"content_html": item.feed_html}


class AtomMixin:
    """Atom: the full HTML goes in <content>; <summary> is a line for lists of headlines."""

    feed_type = AtomWithContent

    def subtitle(self, obj):
        return self.description(obj)

    def item_description(self, item):
        return item.feed_summary


# --- Issues


class IssuesRssFeed(SiteFeed):
    feed_type = RssWithContent
    url_name = "feeds:issues-rss"

    def title(self):
        return "PaperDaily"

    def description(self, obj):
        return _("Community-curated AI paper recommendations, published as numbered weekly issues.")

    def link(self):
        return site_url(reverse("recommendations:issue-list"))

    def items(self):
        issues = list(Issue.objects.published().order_by("-number")[:ISSUES_IN_FEED])
        recommendations = with_cards(
            Recommendation.objects.for_listing()
            .filter(issue_entry__issue__in=issues)
            .order_by("issue_entry__issue", "issue_entry__position")
        )
        by_issue = {issue.pk: [] for issue in issues}
        for recommendation in recommendations:
            by_issue[recommendation.issue_entry.issue_id].append(recommendation)
        for issue in issues:
            context = issue_context(issue, by_issue[issue.pk], site_url=settings.PAPERDAILY_SITE_URL)
            issue.feed_html = render_to_string("feeds/issue.html", context)
            issue.feed_summary = _issue_summary(context["entries"])
            issue.tag_names = list(dict.fromkeys(entry.tag_name for entry in context["entries"]))
        return issues

    def item_title(self, issue):
        return issue.display_title

    def item_link(self, issue):
        return site_url(issue.get_absolute_url())

    def item_pubdate(self, issue):
        return issue.published_at

    def item_updateddate(self, issue):
        return max(issue.published_at, issue.updated_at)

    def item_author_name(self, issue):
        return "PaperDaily"

    def item_categories(self, issue):
        return issue.tag_names


class IssuesAtomFeed(AtomMixin, IssuesRssFeed):
    url_name = "feeds:issues-atom"


def _issue_summary(entries):
    count = ngettext("%(counter)s paper", "%(counter)s papers", len(entries)) % {"counter": len(entries)}
    titles = "; ".join(entry.title or str(NO_DETAILS) for entry in entries)
    # type="html": plain text is escaped once more so that a "<" in a title stays a character.
    return escape(f"{count}: {titles}" if titles else count)


class RecommendationItems:
    """Items that are recommendations, each with ``export`` (an ExportEntry) set by ``items``."""

    def item_title(self, recommendation):
        return recommendation.export.title or str(NO_DETAILS)

    def item_link(self, recommendation):
        return recommendation.export.paper_url

    def item_guid(self, recommendation):
        # Unique per recommendation, where it was published: a paper may be recommended twice.
        return f"{recommendation.export.issue_url}#entry-{recommendation.export.position}"

    def item_pubdate(self, recommendation):
        return recommendation.issue_entry.issue.published_at

    def item_updateddate(self, recommendation):
        return max(recommendation.issue_entry.issue.published_at, recommendation.updated_at)

    def item_author_name(self, recommendation):
        return f"@{recommendation.recommender.handle}"

    def item_author_link(self, recommendation):
        return recommendation.export.recommender_url

    def item_categories(self, recommendation):
        return [recommendation.tag.name]


class TagRssFeed(RecommendationItems, SiteFeed):
    feed_type = RssWithContent
    url_name = "feeds:tag-rss"

    def get_object(self, request, slug):
        # A proposed topic has no public page of its own yet, and so no feed.
        return get_object_or_404(Tag.objects.approved().select_related("area"), slug=slug)

    def url_args(self, tag):
        return [tag.slug]

    def title(self, tag):
        return _("PaperDaily: #%(tag)s") % {"tag": tag.name}

    def description(self, tag):
        return tag.description or _("Recommended papers on %(tag)s, newest first.") % {"tag": tag.name}

    def link(self, tag):
        return site_url(tag.get_absolute_url())

    def items(self, tag):
        recommendations = with_cards(
            Recommendation.objects.published()
            .for_listing()
            .filter(tag=tag)
            .order_by("-issue_entry__issue__number", "issue_entry__position")[:RECOMMENDATIONS_IN_FEED]
        )
        entries = export_entries(recommendations, site_url=settings.PAPERDAILY_SITE_URL)
        for recommendation, entry in zip(recommendations, entries, strict=True):
            recommendation.export = entry
            recommendation.feed_html = render_to_string("feeds/recommendation.html", {"entry": entry})
            recommendation.feed_summary = escape(entry.authors_display)
        return recommendations


class TagAtomFeed(AtomMixin, TagRssFeed):
    url_name = "feeds:tag-atom"
