"""Rate limits on the forms people could abuse: sign-up, log-in, password reset, recommend.

django-ratelimit does the counting (in the cache, so Redis shares it between processes).
This module adds what the portal needs around it:

- limits are read from settings at request time, so every one is a setting;
- a request over a limit gets a friendly, translated 429 page rather than a 403;
- when the cache is unreachable the limit fails open: a person recommending a paper
  while Redis is down must still have the recommendation saved. Log-ins are the
  exception: a password guesser must not get unlimited tries because Redis is down, so
  their limits fall back to a count kept in this process (``limits``' memory storage).

django_ratelimit is deliberately not in INSTALLED_APPS: its system check refuses the
in-process cache that the embedded default (one runserver process) uses.
"""

import logging
import math
import time
from collections.abc import Mapping
from functools import wraps

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django_ratelimit.core import _SIMPLE_KEYS, _split_rate, get_usage
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

logger = logging.getLogger(__name__)


def _email_key(group, request):
    # Case and surrounding spaces do not make a different mailbox.
    return request.POST.get("email", "").strip().lower()[:254]


def _account_key(group, request):
    # The name typed in the log-in form (site, admin or API token); the API's JSON body is in .data
    # and may be any JSON value: what is not an object naming a user counts as the empty name.
    data = getattr(request, "data", None) or request.POST
    name = data.get("username", "") if isinstance(data, Mapping) else ""
    return name.strip().lower()[:254] if isinstance(name, str) else ""


def client_address(request) -> str:
    """The client's address as the limits read it (django-ratelimit's settings for proxies and
    IPv6 prefixes). A request without one (absent or empty) comes from a WSGI harness, not a
    server: it gets the empty address instead of raising where something has to be counted."""
    try:
        return _SIMPLE_KEYS["ip"](request)
    except (ImproperlyConfigured, ValueError):
        return ""


def _ip_key(group, request):
    return client_address(request)


# Short key names used by views -> django-ratelimit key specs.
KEYS = {"ip": _ip_key, "user": "user_or_ip", "email": _email_key, "account": _account_key}

# The site's log-in page, the admin's and the API token spend one budget of password guesses.
LOGIN_LIMITS = [("ip", "PAPERDAILY_RATE_LOGIN_IP"), ("account", "PAPERDAILY_RATE_LOGIN_ACCOUNT")]

# Used only while the cache is unreachable, and only for log-ins; entries expire with their window.
_local = FixedWindowRateLimiter(MemoryStorage())


def local_reset():
    """Forget the in-process counts (tests)."""
    _local.storage.reset()


def _local_usage(request, *, group, key, rate):
    """django-ratelimit's usage dict, counted in this process by ``limits`` instead of in the cache."""
    # The library's own key functions, so the fallback counts exactly what the cache would.
    value = key(group, request) if callable(key) else _SIMPLE_KEYS[key](request)
    count, period = _split_rate(rate)
    item = RateLimitItemPerSecond(count, period)
    allowed = _local.hit(item, group, value)
    reset_at = _local.get_window_stats(item, group, value).reset_time
    return {"should_limit": not allowed, "time_left": max(math.ceil(reset_at - time.time()), 1)}


def limit_wait(request, *, group, limits, local_fallback=False):
    """Count this POST against each ``(key, setting name)`` pair; seconds until it may try again, 0 if it may now.

    Every limit is counted even once one is exceeded, so that hammering one key cannot
    reset another's window. ``local_fallback`` counts in this process when the cache is
    unreachable instead of letting everything through.
    """
    if request.method != "POST":
        return 0
    wait = 0
    for key, setting_name in limits:
        spec = {"group": f"{group}:{key}", "key": KEYS[key], "rate": getattr(settings, setting_name)}
        try:
            usage = get_usage(request, **spec, method="POST", increment=True)
        except Exception:  # noqa: BLE001 - any cache failure
            if not local_fallback:
                logger.warning("Rate limit %s:%s not counted: the cache is unreachable", group, key, exc_info=True)
                continue
            logger.warning("Rate limit %s:%s counted in this process: the cache is unreachable", group, key)
            usage = _local_usage(request, **spec)
        if usage and usage["should_limit"]:
            wait = max(wait, usage["time_left"], 1)
    return wait


def over_limit(request, *, group, limits):
    """True when this POST exceeds any of ``limits`` (see ``limit_wait``); fails open."""
    return bool(limit_wait(request, group=group, limits=limits))


def login_wait(request):
    """Count a log-in POST (site, admin or API token); seconds to wait, 0 if it may go on."""
    return limit_wait(request, group="login", limits=LOGIN_LIMITS, local_fallback=True)


def too_many_requests(request, *, wait=0, template="429.html", context=None):
    response = render(request, template, context, status=429)
    if wait:
        response["Retry-After"] = str(wait)
    add_never_cache_headers(response)
    return response


def limit_posts(group, *limits, local_fallback=False):
    """Decorate a view: its POSTs count against ``limits``; over any, the answer is 429.

    ``limits`` are ``(key, setting name)`` pairs, key one of ``ip``, ``user``, ``email``.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if wait := limit_wait(request, group=group, limits=limits, local_fallback=local_fallback):
                return too_many_requests(request, wait=wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
