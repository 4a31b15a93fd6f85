"""Reads of an issue, counted in the cache and written to the issue's row by beat.

A reading page must not write to the database: every view would take a row lock on the
issue and a WAL record. A view instead marks its visitor as seen for that issue and day (a
keyed hash of day, address and user agent: nothing that names the person is kept, and the
mark expires after two days) and, the first time, adds one to the issue's pending count in
the cache. Beat's ``flush_issue_reads`` moves the pending counts to ``Issue.read_count``
every few minutes, so the count shown lags by that much. Requests from obvious robots, HEAD
requests and editors' previews of drafts are not reads. With the cache unreachable, the page
is served and the read is not counted.
"""

import hashlib
import logging
import re

from django.conf import settings
from django.core.cache import caches
from django.db.models import F
from django.utils import timezone

from paperdaily.lib.ratelimits import client_address
from recommendations.models import Issue

logger = logging.getLogger(__name__)

CACHE = "reads"
SEEN_FOR = 2 * 24 * 3600
# User agents of crawlers, link previews, monitors, HTTP libraries and load generators.
ROBOT = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetch|preview|monitor|uptime|lighthouse|headless|scrap|"
    r"curl|wget|httpie|python|aiohttp|httpx|go-http|okhttp|java/|libwww|perl|ruby|node-fetch|axios|"
    r"wrk|apachebench|siege|locust|k6/",
    re.IGNORECASE,
)


def pending_key(issue_id: int) -> str:
    return f"reads:pending:{issue_id}"


def is_robot(request) -> bool:
    agent = request.META.get("HTTP_USER_AGENT", "")
    return not agent.strip() or bool(ROBOT.search(agent))


def issue_read(*, request, issue) -> bool:
    """Count ``request`` as a read of ``issue`` if it is one, at most once a day per visitor; returns
    whether it counted. Never writes to the database, and never fails the page."""
    if not issue.is_published:
        return False
    return count_read(request, issue.pk)


def count_read(request, issue_id: int) -> bool:
    """Count ``request`` as a read of the published issue ``issue_id``, as :func:`issue_read` does.

    Also run for every answer of the issue page from the page cache (paperdaily/lib/pagecache.py),
    which only ever holds published issues.
    """
    if request.method != "GET" or is_robot(request):
        return False
    day = timezone.now().date().isoformat()
    visitor = hashlib.blake2b(
        f"{day}|{client_address(request)}|{request.META.get('HTTP_USER_AGENT', '')}".encode(),
        key=settings.SECRET_KEY.encode()[:64],
        digest_size=16,
    ).hexdigest()
    cache = caches[CACHE]
    try:
        if not cache.add(f"reads:seen:{issue_id}:{day}:{visitor}", 1, timeout=SEEN_FOR):
            return False
        # add() first: incr() refuses a key that does not exist yet.
        cache.add(pending_key(issue_id), 0, timeout=None)
        cache.incr(pending_key(issue_id))
    except Exception as error:  # any failure of the cache: the page is served, the read not counted
        logger.warning("issue %s: read not counted: %s", issue_id, error)
        return False
    return True


def issue_reads_flush(*, chunk: int = 1000) -> int:
    """Add the pending counts of every published issue to its ``read_count``; returns the reads moved.

    The row is updated first and the count taken back after: reads counted meanwhile stay
    pending for the next flush, and a failure between the two counts reads twice rather than
    losing them.
    """
    cache = caches[CACHE]
    moved = 0
    ids = list(Issue.objects.published().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        keys = {pending_key(pk): pk for pk in ids[start : start + chunk]}
        for key, count in cache.get_many(list(keys)).items():
            if not count:
                continue
            Issue.objects.filter(pk=keys[key]).update(read_count=F("read_count") + count)
            cache.decr(key, count)
            moved += count
    return moved
