"""The one HTTP client every metadata source goes through.

It talks only to the base URL configured for each API (``PAPERDAILY_*_API_URL``),
waits for the API's slot in the shared rate limit, applies timeouts, an overall deadline
and a size cap counted after decompression, never follows redirects, and turns network
trouble into the errors of ``papers.sources.base`` so that sources and tasks never see an
httpx exception.
"""

import email.utils
import logging
import os
import threading
import time
import zlib
from dataclasses import dataclass

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from papers.sources import budgets as ratelimit
from papers.sources.base import BadResponse, HostNotAllowed, RateLimited, TemporaryError, waiting_for

logger = logging.getLogger(__name__)

API_NAMES = ("arxiv", "arxiv_pdf", "crossref", "semantic_scholar", "github", "gitlab", "huggingface")

_BASE_URL_SETTINGS = {
    "arxiv": "PAPERDAILY_ARXIV_API_URL",
    "arxiv_pdf": "PAPERDAILY_ARXIV_PDF_URL",
    "crossref": "PAPERDAILY_CROSSREF_API_URL",
    "semantic_scholar": "PAPERDAILY_SEMANTIC_SCHOLAR_API_URL",
    "github": "PAPERDAILY_GITHUB_API_URL",
    "gitlab": "PAPERDAILY_GITLAB_API_URL",
    "huggingface": "PAPERDAILY_HUGGINGFACE_API_URL",
}
# arXiv's terms count every request to arXiv, API or PDF: both spend one budget.
_BUDGETS = {"arxiv_pdf": "arxiv"}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_USER_AGENT = "PaperDaily/1.0 (+https://github.com/paperdaily{contact})"
# The encodings we unpack ourselves, with a bounded output; zlib's wbits for each.
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_RAW_CHUNK = 64 * 1024


@dataclass
class Response:
    """An answer the source has to interpret: any status but 429 and 5xx."""

    status: int
    headers: httpx.Headers
    content: bytes
    url: str


def api_get(
    api: str,
    path_or_url: str = "",
    *,
    params: dict | None = None,
    headers: dict | None = None,
    max_bytes: int | None = None,
    deadline: float | None = None,
) -> Response:
    """GET ``path_or_url`` on the API: a path appended to its base URL, or an absolute URL on its host.

    ``max_bytes`` and ``deadline`` replace the metadata answers' size cap and deadline
    (``PAPERDAILY_HTTP_MAX_BYTES``, ``PAPERDAILY_HTTP_DEADLINE``) for a bigger download, a PDF.
    """
    return _request(
        "GET", api, path_or_url, params=params, json=None, headers=headers, max_bytes=max_bytes, deadline=deadline
    )


def api_post(
    api: str, path_or_url: str = "", *, params: dict | None = None, json=None, headers: dict | None = None
) -> Response:
    """POST a JSON body to the API; see api_get."""
    return _request("POST", api, path_or_url, params=params, json=json, headers=headers)


def _request(method, api, path_or_url, *, params, json, headers, max_bytes=None, deadline=None):
    if api not in API_NAMES:
        raise ValueError(f"Unknown API {api!r}; expected one of {', '.join(API_NAMES)}.")
    with waiting_for(ratelimit.API_LABELS[api]):
        return _request_bounded(
            method, api, path_or_url, params=params, json=json, headers=headers, max_bytes=max_bytes, deadline=deadline
        )


def _request_bounded(method, api, path_or_url, *, params, json, headers, max_bytes, deadline):
    label = ratelimit.API_LABELS[api]
    url = _resolve(api, path_or_url)
    budget = _BUDGETS.get(api, api)

    # The API told us its budget is spent: asking again would only count against us.
    blocked = ratelimit.blocked_for(budget)
    if blocked > 0:
        raise RateLimited(f"{label} asked us to wait {_seconds(blocked)} before the next request", retry_after=blocked)
    ratelimit.acquire(budget)

    started = time.monotonic()
    deadline = deadline or settings.PAPERDAILY_HTTP_DEADLINE
    _deadline.at = started + deadline
    try:
        response = _send(method, api, url, params=params, json=json, headers=headers, max_bytes=max_bytes)
    except httpx.TimeoutException:
        _log(api, method, url, "timeout", started)
        if time.monotonic() - started >= deadline - _DEADLINE_SLOP:
            raise TemporaryError(f"{label} did not answer within {deadline:g} s") from None
        raise TemporaryError(f"{label} did not answer in time") from None
    except BadResponse:
        _log(api, method, url, "refused", started)
        raise
    except httpx.DecodingError:
        _log(api, method, url, "undecodable", started)
        raise BadResponse(f"{label} sent a body that could not be decoded") from None
    except httpx.TransportError as error:
        _log(api, method, url, type(error).__name__, started)
        raise TemporaryError(f"could not reach {label}") from None
    finally:
        _deadline.at = None
    _log(api, method, url, response.status, started)
    _check_status(api, response, budget)
    return response


def _resolve(api, path_or_url):
    """The full URL to ask, refusing anything that is not on the API's own scheme, host and port."""
    setting = _BASE_URL_SETTINGS[api]
    base_text = getattr(settings, setting)
    try:
        base = httpx.URL(base_text)
    except httpx.InvalidURL:
        raise ImproperlyConfigured(f"{setting} is not a valid URL: {base_text!r}.") from None
    if base.scheme not in _DEFAULT_PORTS or not base.host or base.userinfo:
        raise ImproperlyConfigured(f"{setting} must be an http(s) URL without credentials, not {base_text!r}.")

    if path_or_url == "":
        candidate = base_text
    elif path_or_url.startswith("/") and not path_or_url.startswith("//"):
        candidate = base_text.rstrip("/") + path_or_url
    else:
        candidate = path_or_url  # meant as an absolute URL: checked below like any other

    try:
        url = httpx.URL(candidate)
    except httpx.InvalidURL:
        raise HostNotAllowed(f"{candidate!r} is not a valid URL") from None
    # Checked on the final URL as httpx will send it, whichever branch built it.
    if url.userinfo:
        raise HostNotAllowed(f"URLs with credentials are refused: {_redacted(url)}")
    if (url.scheme, url.host, _port(url)) != (base.scheme, base.host, _port(base)):
        raise HostNotAllowed(
            f"{_redacted(url)} is not on the {_label(api)} host {base.scheme}://{base.netloc.decode()}"
        )
    return url


def _send(method, api, url, *, params, json, headers, max_bytes=None):
    client = _client()
    max_bytes = max_bytes or settings.PAPERDAILY_HTTP_MAX_BYTES
    request_headers = _default_headers(api)
    request_headers.update(headers or {})
    with client.stream(method, url, params=params, json=json, headers=request_headers, timeout=_timeout()) as answer:
        if answer.status_code == 429 or answer.status_code >= 500:
            # No body needed to raise; closing the stream drops the connection rather than read junk.
            return Response(answer.status_code, answer.headers, b"", str(answer.url))
        declared = answer.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise BadResponse(f"{_label(api)} sent an answer larger than {max_bytes} bytes")
        content = _read_body(api, answer, max_bytes)
        return Response(answer.status_code, answer.headers, content, str(answer.url))


def _read_body(api, answer, max_bytes):
    """The body, unpacked by us rather than by httpx, so that the size cap holds after decompression.

    httpx inflates each chunk whole before anything can count it: a few hundred bytes of gzip of
    gzip would take gigabytes. Here zlib never writes more than the bytes still allowed, so memory
    stays within the cap and a chunk, whatever the answer holds.
    """
    label = _label(api)
    decoder = _decoder(label, answer.headers)
    chunks, size = [], 0
    for raw in answer.iter_raw(_RAW_CHUNK):
        _check_deadline()
        data = raw
        while data:
            if decoder is None:
                out, data = data, b""
            elif decoder.eof:
                break  # bytes after the end of the compressed stream: ignored, as httpx does
            else:
                try:
                    out = decoder.decompress(data, max_bytes - size + 1)
                except zlib.error:
                    raise BadResponse(f"{label} sent a body that could not be decoded") from None
                data = decoder.unconsumed_tail
            size += len(out)
            if size > max_bytes:
                raise BadResponse(f"{label} sent an answer larger than {max_bytes} bytes")
            chunks.append(out)
    if decoder is not None and not decoder.eof and size:
        raise BadResponse(f"{label} sent a body that could not be decoded")
    return b"".join(chunks)


def _decoder(label, headers):
    """A zlib decompressor for the body's one Content-Encoding, or None for none; refuses the rest."""
    encodings = [
        name.strip().lower()
        for value in headers.get_list("content-encoding")
        for name in value.split(",")
        if name.strip().lower() not in ("", "identity")
    ]
    if not encodings:
        return None
    if len(encodings) > 1:
        # We ask for gzip alone; layers on layers are only ever a decompression bomb.
        raise BadResponse(f"{label} sent a body encoded more than once ({', '.join(encodings)}); refused")
    if encodings[0] not in _DECODERS:
        raise BadResponse(f"{label} sent a body in an encoding we do not read ({encodings[0]}); refused")
    return zlib.decompressobj(_DECODERS[encodings[0]])


def _check_status(api, response, budget):
    label = _label(api)
    status = response.status
    retry_after = _retry_after(response.headers)
    budget_reset = _budget_reset(response.headers)
    if budget_reset is not None:
        ratelimit.block_until(budget, budget_reset)
    if status == 429:
        if retry_after is None and budget_reset is not None:
            retry_after = max(0.0, budget_reset - time.time())
        raise RateLimited(f"{label} asked us to slow down (HTTP 429)", status=status, retry_after=retry_after)
    # GitHub answers 403 both for a spent budget and, with Retry-After, for its secondary rate limits.
    if status == 403 and (budget_reset is not None or retry_after is not None):
        if retry_after is None:
            retry_after = max(0.0, budget_reset - time.time())
        raise RateLimited(f"{label} rate limit reached (HTTP 403)", status=status, retry_after=retry_after)
    if status >= 500:
        raise TemporaryError(f"{label} answered HTTP {status}", status=status, retry_after=retry_after)


def _retry_after(headers):
    """Retry-After as seconds from now: either delay-seconds or an HTTP-date; None if absent or unreadable."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT; a malformed one without a zone is read as such
        return None
    return max(0.0, when.timestamp() - time.time())


def _budget_reset(headers):
    """The Unix time the API's own budget comes back, when the answer says it is spent."""
    if headers.get("x-ratelimit-remaining", "").strip() != "0":
        return None
    try:
        return float(headers.get("x-ratelimit-reset", ""))
    except ValueError:
        return None


def _default_headers(api):
    contact = settings.PAPERDAILY_CONTACT_EMAIL
    headers = {
        "User-Agent": _USER_AGENT.format(contact=f"; mailto:{contact}" if contact else ""),
        # httpx would offer br and zstd when their packages are installed; we unpack gzip only.
        "Accept-Encoding": "gzip",
    }
    if api == "github":
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = "2022-11-28"
        if settings.GITHUB_TOKEN:
            headers["Authorization"] = f"Bearer {settings.GITHUB_TOKEN}"
    elif api in ("gitlab", "huggingface"):
        headers["Accept"] = "application/json"
    elif api == "semantic_scholar" and settings.SEMANTIC_SCHOLAR_API_KEY:
        headers["x-api-key"] = settings.SEMANTIC_SCHOLAR_API_KEY
    return httpx.Headers(headers)


def _timeout():
    connect = settings.PAPERDAILY_HTTP_CONNECT_TIMEOUT
    read = settings.PAPERDAILY_HTTP_READ_TIMEOUT
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


# The deadline of the request this thread is sending (time.monotonic()), or None between requests.
_deadline = threading.local()
# A timeout this close to the deadline is the deadline's doing (the socket's clock is not ours).
_DEADLINE_SLOP = 0.05


def _remaining(timeout, error):
    """``timeout`` shortened to what is left of the request's deadline; ``error`` once it is spent."""
    at = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the request's deadline has passed")
    return left if timeout is None else min(timeout, left)


def _check_deadline():
    _remaining(None, httpx.ReadTimeout)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits no longer than the request's deadline.

    httpx's timeouts are per socket operation: a server sending a byte a second, in the headers
    or the body, never trips them. Shrinking each operation's timeout to the time left bounds the
    whole request, headers included, on new and pooled connections alike, with no extra thread.
    """

    def __init__(self, stream):
        self._stream = stream

    def read(self, max_bytes, timeout=None):
        return self._stream.read(max_bytes, _remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer, timeout=None):
        self._stream.write(buffer, _remaining(timeout, httpcore.WriteTimeout))

    def close(self):
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        timeout = _remaining(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info):
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own backend, handing out connections that keep to the deadline."""

    def __init__(self, backend):
        self._backend = backend

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        timeout = _remaining(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        timeout = _remaining(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds):
        self._backend.sleep(seconds)


def _transport():
    # trust_env=False: no proxy or netrc from the environment; workers talk to the API hosts only.
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx takes no network backend of its own: set it on its pool (httpx and httpcore are pinned,
    # and the hostile-upstream tests fail at once if this stops taking effect).
    pool = transport._pool
    pool._network_backend = _DeadlineBackend(pool._network_backend)
    return transport


# One client per process: it pools connections (and TLS sessions) across requests.
# A forked child must not reuse the parent's sockets, hence the key on the process id.
_client_lock = threading.Lock()
_client_for_pid: tuple[int, httpx.Client] | None = None


def _client():
    global _client_for_pid
    pid = os.getpid()
    cached = _client_for_pid
    if cached is None or cached[0] != pid:
        with _client_lock:
            cached = _client_for_pid
            if cached is None or cached[0] != pid:
                client = httpx.Client(
                    transport=_transport(), follow_redirects=False, trust_env=False, timeout=_timeout()
                )
                cached = _client_for_pid = (pid, client)
    return cached[1]


def _after_fork_in_child():
    # The parent's lock may have been held at fork time; the child starts afresh.
    global _client_lock, _client_for_pid
    _client_lock = threading.Lock()
    _client_for_pid = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def _port(url):
    return url.port or _DEFAULT_PORTS.get(url.scheme)


def _redacted(url):
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


def _label(api):
    return ratelimit.API_LABELS[api]


def _seconds(value):
    return f"{value:.0f} s" if value >= 1 else f"{value:.1f} s"


def _log(api, method, url, outcome, started):
    # The path and query only: credentials travel in headers, which are never logged.
    target = url.raw_path.decode("ascii", "replace")
    logger.debug("%s %s %s -> %s in %.3f s", api, method, target, outcome, time.monotonic() - started)
