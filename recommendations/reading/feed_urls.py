"""Atom and RSS feeds of published issues and of each topic, under /feeds/."""

from django.urls import path
from django.views.decorators.http import require_safe

from recommendations.reading import feeds

app_name = "feeds"

urlpatterns = [
    path("issues.atom", require_safe(feeds.IssuesAtomFeed()), name="issues-atom"),
    path("issues.rss", require_safe(feeds.IssuesRssFeed()), name="issues-rss"),
    path("tags/<slug:slug>.atom", require_safe(feeds.TagAtomFeed()), name="tag-atom"),
    path("tags/<slug:slug>.rss", require_safe(feeds.TagRssFeed()), name="tag-rss"),
]
