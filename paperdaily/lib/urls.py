"""``reverse`` remembered: the URL of a view and its arguments, worked out once per process.

A reading page links dozens of papers, topics and recommenders, and Django's ``reverse`` walks
the URL patterns for each (an issue page spent a fifth of its template time there). The answer
depends only on the arguments, the URLconf and the script prefix, which are all in the key.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=50_000)
def _reverse(viewname, args, urlconf, prefix):
    return reverse(viewname, args=args, urlconf=urlconf)


def cached_reverse(viewname: str, *args) -> str:
    """``reverse(viewname, args=args)``, remembered."""
    return _reverse(viewname, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
