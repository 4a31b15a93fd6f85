"""Rate limits on the forms people could abuse: sign-up, log-in, password reset, recommend.

django-ratelimit does the counting (in the cache, so Redis shares it between processes).
This module adds what the portal needs around it:

- limits are read from settings at request time, so every one is a setting;
- a request over a limit gets a friendly, translated 429 page rather than a 403;
- when the cache is unreachable the limit fails open: a person recommending a paper
  while Redis is down must still have the recommendation saved.

django_ratelimit is deliberately not in INSTALLED_APPS: its system check refuses the
in-process cache that the embedded default (one runserver process) uses.
"""

import logging
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger(__name__)


def _email_key(group, request):
    # Case and surrounding spaces do not make a different mailbox.
    return request.POST.get("email", "").strip().lower()[:254]


# Short key names used by views -> django-ratelimit key specs.
KEYS = {"ip": "ip", "user": "user_or_ip", "email": _email_key}


def over_limit(request, *, group, limits):
    """Count this POST against each ``(key, setting name)`` pair; True when any is exceeded.

    Every limit is counted even once one is exceeded, so that hammering one key cannot
    reset another's window.
    """
    if request.method != "POST":
        return False
    exceeded = False
    for key, setting_name in limits:
        try:
            exceeded |= is_ratelimited(
                request,
                group=f"{group}:{key}",
                key=KEYS[key],
                rate=getattr(settings, setting_name),
                method="POST",
                increment=True,
            )
        except Exception:  # noqa: BLE001 - any cache failure: let the person through
            logger.warning("Rate limit %s:%s not counted: the cache is unreachable", group, key, exc_info=True)
    return exceeded


def too_many_requests(request):
    return render(request, "429.html", status=429)


def limit_posts(group, *limits):
    """Decorate a view: its POSTs count against ``limits``; over any, the answer is 429.

    ``limits`` are ``(key, setting name)`` pairs, key one of ``ip``, ``user``, ``email``.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if over_limit(request, group=group, limits=limits):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
