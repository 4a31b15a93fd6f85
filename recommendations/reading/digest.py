"""The latest issue at a glance, for the home page: every entry's title, topic and recommender,
and the first few with the opening of their write-up. The issue page has the full cards."""

import html

from django.utils.html import strip_tags
from django.utils.text import Truncator

from recommendations.reading.cards import card_context

# Entries shown with the opening of their write-up; the rest are one line each.
WITH_EXCERPT = 3
# About three lines of the home page's column, in Latin or Chinese script alike.
EXCERPT_CHARS = 260


def writeup_excerpt(writeup_html: str, *, chars: int = EXCERPT_CHARS) -> str:
    """The write-up's opening as plain text (the template escapes it), cut at a word where it can."""
    text = " ".join(html.unescape(strip_tags(writeup_html)).split())
    return Truncator(text).chars(chars, truncate="…")


def issue_digest(recommendations, *, with_excerpt: int = WITH_EXCERPT) -> list[dict]:
    """Plain data for each of the issue's recommendations (``issue_cards``), in order."""
    digest = []
    for index, recommendation in enumerate(recommendations):
        card = card_context(recommendation, position=recommendation.issue_entry.position)
        digest.append(
            {
                "position": card["position"],
                "title": card["title"],
                "details_recorded": card["details_recorded"],
                "paper_url": card["paper_url"],
                "area_code": card["area_code"],
                "area_name": card["area_name"],
                "tag_name": card["tag_name"],
                "tag_url": card["tag_url"],
                "recommender_handle": card["recommender_handle"],
                "recommender_url": card["recommender_url"],
                "former_member": card["former_member"],
                "excerpt": writeup_excerpt(recommendation.writeup_html) if index < with_excerpt else "",
            }
        )
    return digest
