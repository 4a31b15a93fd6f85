"""``{% entry_card rec position %}``: a recommendation's card, each distinct card rendered once.

A card's HTML depends only on its ``card_context`` (plain data, recommendations/reading/cards.py)
and the language, so the rendered HTML is kept per process, keyed by a hash of both: the 17
cards of an issue page cost a hash each rather than some 50 template nodes each. The key holds
everything the card shows, so a changed star count, title or write-up is a new key (nothing can
be stale); the least recently used are dropped past ``MAX_CARDS``. With DEBUG on, where
templates are edited and reloaded under a running server, every card is rendered afresh.
"""

import hashlib
import json
import threading
from collections import OrderedDict

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from recommendations.reading.cards import card_context
from recommendations.templatetags.library import library_buttons_html

register = template.Library()

MAX_CARDS = 5_000
_rendered: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def _render(context: dict) -> str:
    return render_to_string("includes/entry.html", {"c": context})


@register.simple_tag(takes_context=True)
def entry_card(context, recommendation, position=None):
    """The card, and for a signed-in reader their Save button in it (never kept: it is theirs)."""
    html = _card(card_context(recommendation, position=position))
    personal = library_buttons_html(context, recommendation.paper_id)
    if not personal:
        return html
    head, end, tail = html.rpartition("</article>")
    return mark_safe(f"{head}{personal}{end}{tail}")  # noqa: S308 - both parts are rendered templates


def _card(context):
    if settings.DEBUG:
        return mark_safe(_render(context))  # noqa: S308 - the template escapes what it shows
    key = hashlib.blake2b(
        json.dumps([get_language(), context], sort_keys=True, default=str).encode(), digest_size=16
    ).hexdigest()
    with _lock:
        html = _rendered.get(key)
        if html is not None:
            _rendered.move_to_end(key)
            return html
    html = mark_safe(_render(context))  # noqa: S308 - the template escapes what it shows
    with _lock:
        _rendered[key] = html
        while len(_rendered) > MAX_CARDS:
            _rendered.popitem(last=False)
    return html
