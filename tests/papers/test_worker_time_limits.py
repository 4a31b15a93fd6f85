"""Fetch tasks that meet their time limits on a real prefork worker end with an error on the row.

An API that trickles its answer (one byte a second) passes every per-read timeout; only the
task's own limits stop it. The limits are set low through the worker's environment, as an
operator would. A task's limits travel in its message, set by whoever sends it: here the
worker sends the fetches itself, through the sweeper (beat's task), so that its settings apply.
"""

import socket
import threading

import pytest
from django.db import connections, transaction

from paperdaily.celery import app
from papers import tasks
from papers.models import Paper, Repository
from tests.workers import Worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

# Two tries (one retry), each stopped by the soft limit after 2 s, the process killed at 4 s.
LIMITS = {
    "PAPERDAILY_FETCH_SOFT_TIME_LIMIT": "2",
    "PAPERDAILY_FETCH_TIME_LIMIT": "4",
    "PAPERDAILY_FETCH_MAX_RETRIES": "1",
    "PAPERDAILY_PENDING_SWEEP_AFTER": "0",
}


class TrickleServer:
    """Accepts any request and answers one byte a second: in the body, or already in the headers."""

    def __init__(self, *, in_headers=False, on_request=None):
        self.in_headers = in_headers
        self.on_request = on_request
        self.requests = []
        self._stopping = threading.Event()
        self._socket = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _accept(self):
        while True:
            try:
                connection, _address = self._socket.accept()
            except OSError:
                return  # closed by stop()
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection):
        with connection:
            request_line = connection.recv(65536).split(b"\r\n", 1)[0].decode("latin-1")
            self.requests.append(request_line)
            if self.on_request:
                self.on_request(request_line)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            if not self.in_headers:
                connection.sendall(head)
                head = b" " * 1000
            for byte in head:
                if self._stopping.wait(1.0):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up, as it should

    def stop(self):
        self._stopping.set()
        self._socket.close()


@pytest.fixture
def trickle():
    servers = []

    def start(**options):
        servers.append(TrickleServer(**options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(autouse=True)
def _empty_queue():
    app.control.purge()


def test_it_fails_an_arxiv_batch_that_arxiv_trickles_after_its_retries(replay, trickle):
    slow = trickle()
    paper = Paper.objects.create(arxiv_id="1808.01244")
    api = {
        "PAPERDAILY_ARXIV_API_URL": slow.base_url + "/api/query",
        # Semantic Scholar, asked at the same time from another thread, trickles too.
        "PAPERDAILY_SEMANTIC_SCHOLAR_API_URL": slow.base_url + "/graph/v1",
    }

    with Worker(replay, pool="prefork", **LIMITS, **api):
        tasks.sweep_pending.delay()
        ended = wait_for(lambda: Paper.objects.get(pk=paper.pk).metadata_status != "pending", seconds=20)

    paper.refresh_from_db()
    assert ended, (paper.metadata_status, paper.metadata_error, slow.requests)
    assert paper.metadata_status == Paper.MetadataStatus.FAILED
    assert paper.metadata_error == "stopped after 2 s: arXiv kept the request open"
    assert len([line for line in slow.requests if "/api/query" in line]) == 2  # the first try and its retry


def test_it_fails_a_paper_fetched_alone_that_crossref_trickles_after_its_retries(replay, trickle):
    slow = trickle()
    paper = Paper.objects.create(doi="10.1145/3292500.3330701")

    with Worker(replay, pool="prefork", PAPERDAILY_CROSSREF_API_URL=slow.base_url, **LIMITS):
        tasks.sweep_pending.delay()
        ended = wait_for(lambda: Paper.objects.get(pk=paper.pk).metadata_status != "pending", seconds=20)

    paper.refresh_from_db()
    assert ended, (paper.metadata_status, paper.metadata_error, slow.requests)
    assert paper.metadata_status == Paper.MetadataStatus.FAILED
    assert paper.metadata_error == "stopped after 2 s: Crossref kept the request open"
    assert len(slow.requests) == 2


def test_it_fails_repositories_fetched_together_when_github_trickles_its_headers(replay, trickle):
    slow = trickle(in_headers=True)
    for name in ("one", "two"):
        Repository.objects.create(url=f"https://github.com/a/{name}", owner="a", name=name)

    with Worker(replay, pool="prefork", PAPERDAILY_GITHUB_API_URL=slow.base_url, **LIMITS):
        tasks.sweep_pending.delay()
        ended = wait_for(lambda: not Repository.objects.filter(fetch_status="pending").exists(), seconds=20)

    statuses = list(Repository.objects.order_by("pk").values_list("fetch_status", "fetch_error"))
    assert ended, statuses
    assert statuses == [("failed", "stopped after 2 s: GitHub kept the request open")] * 2
    assert len(slow.requests) == 4  # two repositories, two tries each


def test_it_fails_a_paper_whose_last_try_was_killed_at_the_hard_limit_once_it_is_swept(replay, trickle):
    locked = threading.Event()

    def hold_the_row(_request_line):
        # Once the fetch has begun, lock the row past the hard limit: the worker's attempt to
        # record the soft limit blocks in PostgreSQL, where no signal reaches it, and is killed.
        def hold():
            with transaction.atomic():
                Paper.objects.select_for_update().get(pk=paper.pk)
                locked.set()
                threading.Event().wait(5)
            connections.close_all()

        threading.Thread(target=hold, daemon=True).start()

    slow = trickle(on_request=hold_the_row)
    paper = Paper.objects.create(arxiv_id="1808.01244")
    limits = {**LIMITS, "PAPERDAILY_FETCH_MAX_RETRIES": "0"}

    with Worker(replay, pool="prefork", PAPERDAILY_ARXIV_API_URL=slow.base_url + "/api/query", **limits) as worker:
        tasks.sweep_pending.delay()
        assert locked.wait(15)
        killed = wait_for(lambda: "Hard time limit" in worker.read_log(), seconds=10)
        assert wait_for(lambda: not _row_locked(paper.pk), seconds=10)
        assert Paper.objects.get(pk=paper.pk).metadata_status == "pending"
        tasks.sweep_pending.delay()
        ended = wait_for(lambda: Paper.objects.get(pk=paper.pk).metadata_status != "pending", seconds=10)

    paper.refresh_from_db()
    assert killed, worker.read_log()
    assert ended, (paper.metadata_status, paper.metadata_error)
    assert paper.metadata_status == Paper.MetadataStatus.FAILED
    assert "did not finish" in paper.metadata_error
    assert len([line for line in slow.requests if "/api/query" in line]) == 1  # the second found its tries spent


def _row_locked(paper_id):
    with transaction.atomic():
        return not Paper.objects.select_for_update(nowait=False, skip_locked=True).filter(pk=paper_id).exists()
