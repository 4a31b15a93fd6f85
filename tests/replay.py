"""A scripted HTTP server on 127.0.0.1 that stands in for the metadata APIs.

Tests and the benchmark talk to it through real sockets and the real HTTP client::

    with ReplayServer(name="arxiv") as server:
        server.add("/api/query", query={"id_list": "1808.01244"}, body_file="arxiv/legacy-1808.01244.xml")
        server.add("/api/query", status=503, times=1)   # routes are tried in the order added
        ...
        assert server.requests[0].query["id_list"] == "1808.01244"

Every request is recorded, matched or not; a request no route answers gets a 404
and is also listed in ``server.unmatched``.
"""

import json
import mimetypes
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DATA_DIR = Path(__file__).resolve().parent / "data"


class _Sentinel:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


# body=HANG: accept the request and answer nothing until the server stops (or a minute passes).
HANG = _Sentinel("HANG")
# body=ENDLESS: a body without Content-Length that runs on past any size cap, for size-cap tests.
# It does end, after _ENDLESS_BYTES, so that a client without a cap fails its test instead of hanging it.
ENDLESS = _Sentinel("ENDLESS")

_HANG_SECONDS = 60.0
_ENDLESS_CHUNK = b"x" * 65536
_ENDLESS_BYTES = 32 * 1024 * 1024
_NO_BODY_STATUSES = {204, 304}


@dataclass
class RecordedRequest:
    method: str
    path: str  # percent-decoded
    query: dict[str, str]  # the last value of each key
    headers: dict[str, str]  # lower-case names
    body: bytes
    server: str = ""  # the ReplayServer's name
    raw_path: str = ""  # as sent, still percent-encoded
    received_at: float = 0.0  # time.perf_counter() when the request line arrived


@dataclass
class Route:
    method: str
    path: str
    query: dict[str, str] | None
    status: int
    body: object
    headers: dict[str, str]
    delay: float | None
    times: int | None
    answered: int = field(default=0)

    def matches(self, request):
        if self.method != request.method or self.path not in (request.path, request.raw_path):
            return False
        if self.times is not None and self.answered >= self.times:
            return False
        return all(request.query.get(key) == value for key, value in (self.query or {}).items())


class ReplayServer:
    """A ThreadingHTTPServer on 127.0.0.1 (a free port) serving scripted answers from a daemon thread."""

    def __init__(self, name="replay", delay=0.0):
        self.name = name
        self.delay = delay  # seconds before every answer, unless a route says otherwise
        self._routes: list[Route] = []
        self._requests: list[RecordedRequest] = []
        self._unmatched: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = None
        self._thread = None

    def __repr__(self):
        return f"<ReplayServer {self.name} {self.base_url if self._httpd else '(stopped)'}>"

    # --- life cycle

    def start(self):
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.replay = self
        self._thread = threading.Thread(
            # A short poll keeps stop() (which waits for the loop to notice) from costing half a second a server.
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"replay-{self.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is None:
            return
        self._stopping.set()  # wakes HANG, ENDLESS and delayed handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    # --- script

    def add(
        self,
        path,
        *,
        method="GET",
        query=None,
        status=200,
        body=b"",
        headers=None,
        delay=None,
        times=None,
        body_file=None,
    ):
        """Answer requests for ``path`` (and ``query``, a subset match) this way, ``times`` times or for ever."""
        headers = dict(headers or {})
        if body_file is not None:
            body = (DATA_DIR / body_file).read_bytes()
            content_type = "application/json" if body_file.endswith(".json") else mimetypes.guess_type(body_file)[0]
            _set_default(headers, "Content-Type", content_type or "application/octet-stream")
        elif isinstance(body, dict | list):
            body = json.dumps(body).encode()
            _set_default(headers, "Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
            _set_default(headers, "Content-Type", "text/plain; charset=utf-8")
        route = Route(method.upper(), path, query, status, body, headers, delay, times)
        with self._lock:
            self._routes.append(route)
        return route

    def reset(self):
        """Forget every route and every recorded request."""
        with self._lock:
            self._routes.clear()
            self._requests.clear()
            self._unmatched.clear()

    @property
    def requests(self):
        with self._lock:
            return list(self._requests)

    @property
    def unmatched(self):
        with self._lock:
            return list(self._unmatched)

    # --- serving (called from the handler threads)

    def _answer_for(self, request):
        with self._lock:
            self._requests.append(request)
            for route in self._routes:
                if route.matches(request):
                    route.answered += 1
                    return route
            self._unmatched.append(request)
            return None

    def _sleep(self, seconds):
        """Sleep, but wake at once when the server stops; True if it is stopping."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()


def _set_default(headers, name, value):
    if not any(key.lower() == name.lower() for key in headers):
        headers[name] = value


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of a burst of clients (20 workers at
    # once), which then wait a whole second to retry: a delay of the test server, not of theirs.
    request_queue_size = 128
    # A HANG handler must not keep stop() waiting for its thread.
    block_on_close = False
    replay: ReplayServer

    def handle_error(self, request, client_address):
        # A client that hung up (a timeout test, a size cap) is expected; anything else is printed.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs, so the client's pooling is exercised
    server: _Server

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def log_message(self, format, *args):
        pass  # the recorded requests are the log

    def _serve(self):
        received_at = time.perf_counter()
        replay = self.server.replay
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        request = RecordedRequest(
            method=self.command,
            path=unquote(parts.path),
            query=query,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
            server=replay.name,
            raw_path=parts.path,
            received_at=received_at,
        )
        route = replay._answer_for(request)
        if route is None:
            self._send(404, {"Content-Type": "application/json"}, b'{"message": "no route in replay server"}')
            return
        delay = route.delay if route.delay is not None else replay.delay
        if replay._sleep(delay):
            self.close_connection = True
            return
        if route.body is HANG:
            replay._sleep(_HANG_SECONDS)
            self.close_connection = True
            return
        if route.body is ENDLESS:
            self._send_endless(route, replay)
            return
        self._send(route.status, route.headers, route.body)

    def _send(self, status, headers, body):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status in _NO_BODY_STATUSES:
            body = b""
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _send_endless(self, route, replay):
        # No Content-Length: the body runs until one side closes the connection.
        self.close_connection = True
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for _ in range(_ENDLESS_BYTES // len(_ENDLESS_CHUNK)):
                if replay._stopping.is_set():
                    break
                self.wfile.write(_ENDLESS_CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should
