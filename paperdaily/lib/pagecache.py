"""Anonymous readers' pages, served from the cache once rendered, and never stale.

**What is cached.** A GET or HEAD of a view named in ``PAGE_CACHE_VIEWS`` (the reading pages,
feeds, exports and read API) by a reader with no session (so neither signed in nor holding a
flash message) and no ``Authorization`` header, answered 200 without ``private``/``no-store``
and without a cookie of its own. Signed-in users, staff (draft previews) and API clients with a
token always get a page made for them.

**Never stale.** Every key holds the site's *generation*, a number in the cache. Any INSERT,
UPDATE or DELETE of a table the pages read (``PAGE_CACHE_TABLES``), whoever runs it (a view,
the admin, the API, a worker, beat, a migration, raw SQL), bumps it: once when the statement
runs and again when its transaction commits, so that a page rendered in between from the
not-yet-committed state is dropped too. A bumped generation makes every cached page unreachable;
they expire on their own. Nothing has to know which keys a change touches. What a page shows
that changes without a write (a "last push 3 days ago") is at most ``PAGE_CACHE_SECONDS`` old.

**Keys.** Generation, the static files' manifest (a deployment with new static files names
them anew), language, and a hash of the absolute URL (scheme, host, path, query); for the API
also the ``Accept`` header, which picks the renderer. Only query strings of parameters the
reading views read are cached (``PAGE_CACHE_QUERY_PARAMETERS``), so invented ones cannot
multiply the stored copies.

**Per request, even from the cache.** CSRF tokens are cut out of the stored body and a fresh
one for this visitor is put back each time (Django's token tag always writes the same markup).
Hooks a view attached with :func:`on_hit` (counting an issue's read) run on every answer, and
API answers still spend the reader's API rate.

**Without the cache** (Redis down) pages are rendered as if nothing were cached; after a
failure the cache is left alone for ``RETRY_AFTER`` seconds, so that a dead Redis costs one
timeout rather than one per request. A bump that could not be made is owed and made first
thing once the cache answers again.

HTTP caching: cached answers say ``public``, with an ETag of the stored body (and of the
visitor's CSRF secret, which the body depends on); feeds, exports and the API with a short
``max-age``, HTML pages with ``no-cache`` (revalidated each time, see ``_public``). Anything
answered to a signed-in user or an API token says ``private, no-store`` unless the view said
otherwise.
"""

import hashlib
import logging
import re
import time

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import connections
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
# After a failure of the cache, this many seconds without trying it.
RETRY_AFTER = 5.0
# Headers recomputed or added per answer rather than stored.
_NOT_STORED = {"content-length", "etag", "cache-control", "set-cookie", "expires"}
# What {% csrf_token %} writes (django.template.defaulttags.CsrfTokenNode).
_CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="[A-Za-z0-9]+">')
_CSRF_MARKUP = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)
# A write in a common table expression, or a TRUNCATE (the test runner's): the tables are looked for anywhere.
_OTHER_WRITE = re.compile(r"^\s*(?:WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b|TRUNCATE\b)", re.IGNORECASE | re.DOTALL)

_health = {"down_until": 0.0, "owed": False}


def enabled() -> bool:
    return bool(getattr(settings, "PAGE_CACHE_ENABLED", False))


def _cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def _usable() -> bool:
    return enabled() and time.monotonic() >= _health["down_until"]


def _failed(what: str, error: Exception) -> None:
    _health["down_until"] = time.monotonic() + RETRY_AFTER
    logger.warning("page cache: %s failed, pages served uncached for %ss: %s", what, RETRY_AFTER, error)


def _fresh_generation(cache) -> int:
    # Milliseconds since the epoch: a generation lost with the cache (evicted, flushed) is
    # replaced by one no page was ever stored under.
    cache.add(GENERATION_KEY, int(time.time() * 1000), timeout=None)
    return cache.get(GENERATION_KEY)


def _bump(cache) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet
        _fresh_generation(cache)


def bump() -> None:
    """Make every cached page unreachable. Never raises: with the cache down the bump is owed."""
    if not enabled():
        return
    if not _usable():  # failed a moment ago: a worker's every write must not wait on a dead Redis
        _health["owed"] = True
        return
    try:
        _bump(_cache())
    except Exception as error:  # noqa: BLE001 - any failure of the cache
        _health["owed"] = True
        _failed("bumping the generation", error)
    else:
        _health["owed"] = False


def _generation(cache) -> int:
    if _health["owed"]:
        _bump(cache)
        _health["owed"] = False
    value = cache.get(GENERATION_KEY)
    return value if value is not None else _fresh_generation(cache)


# --- Writes: every statement that changes a table the pages read bumps the generation.


def _watched(sql: str) -> bool:
    match = _WRITE.match(sql)
    if match is None:
        return bool(_OTHER_WRITE.match(sql)) and any(prefix in sql for prefix in settings.PAGE_CACHE_TABLES)
    table = match.group(1)
    return table.startswith(tuple(settings.PAGE_CACHE_TABLES)) and table not in settings.PAGE_CACHE_IGNORED_TABLES


def _after_write(connection) -> None:
    bump()
    if not connection.get_autocommit():
        connection.page_cache_dirty = True  # bumped again by the commit (_install), forgotten by a rollback


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and _watched(sql):
        _after_write(context["connection"])
    return result


def _install(connection, **kwargs):
    """Watch ``connection``'s statements, and its commits of transactions that wrote a watched table.

    The commit is hooked by wrapping the connection's own ``commit``/``rollback`` rather than with
    ``on_commit()``: callbacks there are what tests count as tasks sent after the commit.
    """
    if _watch in connection.execute_wrappers:
        return
    connection.execute_wrappers.append(_watch)
    commit, rollback = connection.commit, connection.rollback

    def committed():
        commit()
        if connection.__dict__.pop("page_cache_dirty", False):
            bump()

    def rolled_back():
        connection.__dict__.pop("page_cache_dirty", None)
        rollback()

    connection.commit, connection.rollback = committed, rolled_back


def watch_database_writes() -> None:
    """Bump the generation on every write of a watched table, on every connection (AppConfig.ready)."""
    connection_created.connect(_install, dispatch_uid="pagecache-watch")
    for connection in connections.all(initialized_only=True):
        _install(connection)


# --- Views: what runs on every answer, even from the cache.


def on_hit(response, hook: str, *args) -> None:
    """Run ``hook(request, *args)`` (a dotted path) for this answer and every answer of it from the cache."""
    hooks = getattr(response, "page_cache_hooks", [])
    hooks.append((hook, args))
    response.page_cache_hooks = hooks


def _run_hooks(request, hooks) -> None:
    for hook, args in hooks:
        import_string(hook)(request, *args)


def _api_rate_left(request) -> bool:
    # Imported here: every process watches writes (AppConfig.ready imports this module), and a
    # worker or a command need not load the REST framework for that.
    from paperdaily.lib.api import cached_answer_allowed

    return cached_answer_allowed(request)


# --- The middleware.


def _anonymous(request) -> bool:
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _known_query(request) -> bool:
    """Whether the query string holds only parameters a reading view reads, once each and short."""
    allowed = settings.PAGE_CACHE_QUERY_PARAMETERS
    return all(name in allowed and len(values) == 1 and len(values[0]) <= 200 for name, values in request.GET.lists())


def _key(request, generation, view_name) -> str:
    parts = [request.build_absolute_uri()]
    if view_name.startswith("api:"):
        parts.append(request.META.get("HTTP_ACCEPT", ""))
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()
    return f"pages:{generation}:{_release()}:{getattr(request, 'LANGUAGE_CODE', '')}:{digest}"


def _release() -> str:
    """What changes when a deployment changes the static files: a page names them by their hashes."""
    return getattr(staticfiles_storage, "manifest_hash", "")[:12]


def _etag(entry, request) -> str:
    body = hashlib.blake2b(entry["digest"].encode(), digest_size=16)
    if len(entry["parts"]) > 1:
        body.update(request.META.get("CSRF_COOKIE", "").encode())
    return quote_etag(body.hexdigest())


def _public(response) -> None:
    if response.get("Content-Type", "").startswith("text/html"):
        # A page's header changes with the reader's cookies (signed in, language), and browsers
        # do not honour Vary: Cookie for their own cache: a page kept for a minute would greet a
        # reader who just signed in or switched to Chinese as before. They ask again each time,
        # and the ETag answers 304 while nothing changed.
        patch_cache_control(response, public=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_MAX_AGE)


def _serve(request, entry) -> HttpResponse:
    parts = entry["parts"]
    if len(parts) > 1:
        # get_token() marks the CSRF cookie to be sent, as rendering the token tag would have.
        body = b"".join(
            part if i == 0 else _CSRF_MARKUP.format(get_token(request)).encode() + part for i, part in enumerate(parts)
        )
    else:
        body = parts[0]
    response = HttpResponse(body, status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    if "etag" not in {name.lower() for name, _ in entry["headers"]}:
        response["ETag"] = _etag(entry, request)
    _public(response)
    response["X-Page-Cache"] = "hit"
    return response


def _storable(response) -> bool:
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in control
        and "no-store" not in control
        and "no-cache" not in control
        and len(response.content) <= settings.PAGE_CACHE_MAX_BYTES
    )


def _entry(response) -> dict:
    parts = _CSRF_INPUT.split(response.content)
    return {
        "status": response.status_code,
        "headers": [(name, value) for name, value in response.items() if name.lower() not in _NOT_STORED],
        "parts": parts,
        "digest": hashlib.blake2b(b"\0".join(parts), digest_size=16).hexdigest(),
        "hooks": getattr(response, "page_cache_hooks", []),
    }


class PageCacheMiddleware:
    """Serve anonymous reading pages from the cache; mark personal answers ``private, no-store``.

    Last in MIDDLEWARE: the answer from the cache still goes out through CSRF (its cookie),
    sessions, languages, conditional GET (304) and the security headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "page_cache_key", None)
        if key is not None and response.get("X-Page-Cache") != "hit":
            self._store(request, response, key)
        elif not response.has_header("Cache-Control") and self._personal(request):
            patch_cache_control(response, private=True, no_store=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            request.method not in ("GET", "HEAD")
            or match is None
            or match.view_name not in settings.PAGE_CACHE_VIEWS
            or not _anonymous(request)
            or not _known_query(request)
            or not _usable()
        ):
            return None
        try:
            cache = _cache()
            key = _key(request, _generation(cache), match.view_name)
            entry = cache.get(key)
        except Exception as error:  # noqa: BLE001 - any failure of the cache: render the page
            _failed("reading a page", error)
            return None
        request.page_cache_key = key
        if entry is None or (match.view_name.startswith("api:") and not _api_rate_left(request)):
            return None  # rendered by the view (which answers 429 itself when the rate is spent)
        _run_hooks(request, entry["hooks"])
        return _serve(request, entry)

    def _store(self, request, response, key) -> None:
        if not _storable(response):
            return
        entry = _entry(response)
        if not response.has_header("ETag"):
            response["ETag"] = _etag(entry, request)
        _public(response)
        try:
            _cache().set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
        except Exception as error:  # noqa: BLE001 - any failure of the cache: the page is served
            _failed("storing a page", error)

    @staticmethod
    def _personal(request) -> bool:
        if "HTTP_AUTHORIZATION" in request.META:
            return True
        user = getattr(request, "user", None)
        return settings.SESSION_COOKIE_NAME in request.COOKIES and user is not None and user.is_authenticated


def _reset(**kwargs):
    # Another cache (a test's): try it at once. A bump still owed is made there, which costs nothing.
    if kwargs["setting"] in {"PAGE_CACHE_ENABLED", "CACHES"}:
        _health["down_until"] = 0.0


setting_changed.connect(_reset)
