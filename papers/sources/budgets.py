"""Per-API request budgets shared by every worker process.

Two kinds of state, both keyed by API name:

- our own budget, ``settings.PAPERDAILY_RATE_LIMITS[api]`` in the notation of the
  `limits <https://limits.readthedocs.io>`_ library ("1 per 3 seconds", "5 per second",
  "60 per hour"; "N/M unit" also works). It is a moving window kept in
  ``settings.PAPERDAILY_RATE_LIMIT_STORAGE``: Redis for the real stack, so that all
  worker processes and machines share one budget; ``memory://`` for the embedded
  default, where the budget is per process (run a single worker process there).
- a block the API itself asked for (GitHub's ``x-ratelimit-remaining: 0``), kept in
  Django's cache until the API's reset time.

Keys carry the cache key prefix, so the test suite never spends a dev portal's budget.
"""

import math
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from papers.sources.base import RateLimited, TemporaryError

# Human names for messages; the keys are the API names used everywhere else.
API_LABELS = {
    "arxiv": "arXiv",
    "arxiv_pdf": "arXiv",
    "crossref": "Crossref",
    "semantic_scholar": "Semantic Scholar",
    "github": "GitHub",
    "gitlab": "GitLab",
    "huggingface": "Hugging Face",
}

# A limiter holds a connection pool: one per storage URI and process, never shared across fork.
_limiters: dict[tuple[str, int], MovingWindowRateLimiter] = {}
_limiters_lock = threading.Lock()

# Shortest sleep between two tries: the window edge is computed from floats.
_MIN_SLEEP = 0.01


def acquire(api: str) -> None:
    """Take one request from the API's budget, waiting for a free slot if need be.

    Raises RateLimited, without taking a slot, when the wait would pass
    ``settings.PAPERDAILY_RATE_LIMIT_MAX_WAIT``: a worker should not sit idle for
    minutes; its task retries later instead.
    """
    item = _limit_for(api)
    limiter = _limiter()
    identifiers = _identifiers(api)
    deadline = time.monotonic() + settings.PAPERDAILY_RATE_LIMIT_MAX_WAIT
    try:
        while True:
            if limiter.hit(item, *identifiers):
                return
            reset_at, _remaining = limiter.get_window_stats(item, *identifiers)
            wait = max(reset_at - time.time(), _MIN_SLEEP)
            if time.monotonic() + wait > deadline:
                raise RateLimited(
                    f"our {_label(api)} request budget ({item}) is spent for {math.ceil(wait)} s",
                    retry_after=wait,
                )
            time.sleep(wait)
    except StorageError as error:
        raise TemporaryError(
            f"could not reach the rate-limit store for {_label(api)}: {error.storage_error}"
        ) from error


def block_until(api: str, epoch_seconds: float) -> None:
    """Record that the API refuses requests until ``epoch_seconds`` (Unix time)."""
    seconds_left = epoch_seconds - time.time()
    if seconds_left <= 0:
        return
    key = _blocked_key(api)
    # Keep the later of two reset times when workers report at once; a race costs one wasted request at most.
    current = cache.get(key)
    if current is not None and current >= epoch_seconds:
        return
    cache.set(key, float(epoch_seconds), timeout=math.ceil(seconds_left) + 1)


def blocked_for(api: str) -> float:
    """Seconds until the API accepts requests again; 0.0 when it is not blocked."""
    until = cache.get(_blocked_key(api))
    if until is None:
        return 0.0
    return max(0.0, until - time.time())


def reset(api: str | None = None) -> None:
    """Forget the budget spent and any block, for one API or for all of them.

    Used by the tests, and by an operator after changing a limit.
    """
    apis = [api] if api is not None else list(settings.PAPERDAILY_RATE_LIMITS)
    limiter = _limiter()
    for name in apis:
        limiter.clear(_limit_for(name), *_identifiers(name))
    cache.delete_many([_blocked_key(name) for name in apis])


def _limit_for(api: str) -> RateLimitItem:
    setting = f"PAPERDAILY_RATE_LIMITS[{api!r}]"
    try:
        limit_string = settings.PAPERDAILY_RATE_LIMITS[api]
    except KeyError:
        raise ImproperlyConfigured(f"{setting} is not set.") from None
    try:
        items = parse_many(limit_string)
    except ValueError:
        raise ImproperlyConfigured(
            f"{setting} must read like '1 per 3 seconds' or '5000 per hour', not {limit_string!r}."
        ) from None
    if len(items) != 1:
        # Several limits cannot be taken atomically together; one window per API is what the APIs document.
        raise ImproperlyConfigured(f"{setting} must be a single limit, not {limit_string!r}.")
    return items[0]


def _limiter() -> MovingWindowRateLimiter:
    uri = settings.PAPERDAILY_RATE_LIMIT_STORAGE
    key = (uri, os.getpid())
    limiter = _limiters.get(key)
    if limiter is None:
        with _limiters_lock:
            limiter = _limiters.get(key)
            if limiter is None:
                limiter = _limiters[key] = MovingWindowRateLimiter(_storage(uri))
    return limiter


def _storage(uri):
    options = {"wrap_exceptions": True}
    if uri.startswith(("redis", "valkey")):
        # A Redis that does not answer must fail the fetch quickly (it is retried), not hang the worker.
        options.update(socket_connect_timeout=2, socket_timeout=2)
    try:
        return storage_from_string(uri, **options)
    except ConfigurationError as error:
        raise ImproperlyConfigured(f"PAPERDAILY_RATE_LIMIT_STORAGE {uri!r} is not usable: {error}") from None


def _key_prefix() -> str:
    return settings.CACHES["default"].get("KEY_PREFIX") or os.environ.get("CACHE_KEY_PREFIX") or "paperdaily"


def _identifiers(api: str) -> tuple[str, str]:
    # limits builds "LIMITER/<prefix>/<api>/<amount>/<multiples>/<unit>" from these.
    return (_key_prefix(), api)


def _blocked_key(api: str) -> str:
    # Django's cache adds its own KEY_PREFIX.
    return f"ratelimit:blocked:{api}"


def _label(api: str) -> str:
    return API_LABELS.get(api, api)
