"""Real Celery workers on the test Redis fetch from the replay servers into the test database.

Nothing is faked here: the worker is a separate process that receives the task over Redis,
asks the replay servers over sockets, retries with backoff, and writes to PostgreSQL.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from paperdaily.celery import app
from papers import tasks
from papers.models import Paper, PaperRepository, Repository
from recommendations.models import Recommendation
from tests.factories import make_entry, make_issue
from tests.recorded import serve
from tests.replay import HANG

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


class Worker:
    """A worker process started with the test's database and the replay servers' URLs."""

    def __init__(self, replay, **env):
        self.hostname = f"pd-fetch-{os.getpid()}-{time.monotonic_ns()}@localhost"
        database = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "PAPERDAILY_ARXIV_API_URL": replay.arxiv.base_url + "/api/query",
            "PAPERDAILY_CROSSREF_API_URL": replay.crossref.base_url,
            "PAPERDAILY_SEMANTIC_SCHOLAR_API_URL": replay.semantic_scholar.base_url + "/graph/v1",
            "PAPERDAILY_GITHUB_API_URL": replay.github.base_url,
            "PAPERDAILY_ARXIV_RATE_LIMIT": "1000 per second",
            "PAPERDAILY_SEMANTIC_SCHOLAR_RATE_LIMIT": "1000 per second",
            "PAPERDAILY_GITHUB_RATE_LIMIT": "1000 per second",
            "PAPERDAILY_FETCH_RETRY_BACKOFF": "0.2",
            **env,
        }
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            [sys.executable, "-m", "celery", "-A", "paperdaily", "worker", "--pool=solo", "-n", self.hostname]
            + ["-l", "WARNING", "--without-mingle", "--without-gossip"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read()
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return self
        raise AssertionError("the worker did not answer a ping within 30 s")

    def kill(self):
        """SIGKILL, as the OOM killer or a lost machine would: no warm shutdown, no ack."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def __exit__(self, *exc_info):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(autouse=True)
def _empty_queue():
    app.control.purge()


def test_it_retries_a_server_error_with_backoff_on_a_real_worker(replay):
    replay.github.add("/repos/tensorflow/models", status=503, times=2)
    serve(replay.github, "github/repos-tensorflow-models.json")
    repository = Repository.objects.create(
        url="https://github.com/tensorflow/models", owner="tensorflow", name="models"
    )

    with Worker(replay):
        tasks.enqueue(tasks.fetch_repository, repository.pk)
        fetched = wait_for(lambda: Repository.objects.get(pk=repository.pk).fetch_status != "pending")

    repository.refresh_from_db()
    assert fetched
    assert repository.fetch_status == Repository.FetchStatus.OK
    assert repository.stars == 77481
    assert [r.path for r in replay.github.requests] == ["/repos/tensorflow/models"] * 3


def test_it_waits_as_long_as_a_429_asks_before_trying_again(replay):
    replay.github.add("/repos/tensorflow/models", status=429, headers={"Retry-After": "1"}, times=1)
    serve(replay.github, "github/repos-tensorflow-models.json")
    replay.arxiv.add("/api/query", status=429, times=1)  # arXiv sends no Retry-After: our backoff decides
    replay.arxiv.add(
        "/api/query", body_file="arxiv/legacy-1808.01244.xml", headers={"Content-Type": "application/atom+xml"}
    )
    replay.semantic_scholar.add("/graph/v1/paper/batch", method="POST", status=429)
    repository = Repository.objects.create(
        url="https://github.com/tensorflow/models", owner="tensorflow", name="models"
    )
    paper = Paper.objects.create(arxiv_id="1808.01244")

    with Worker(replay):
        tasks.enqueue(tasks.fetch_repository, repository.pk)
        tasks.enqueue_papers([paper.pk], arxiv_ids={paper.pk})
        assert wait_for(lambda: Repository.objects.get(pk=repository.pk).fetch_status != "pending")
        assert wait_for(lambda: Paper.objects.get(pk=paper.pk).metadata_status != "pending")

    github = [request.received_at for request in replay.github.requests]
    arxiv = [request.received_at for request in replay.arxiv.requests]
    assert Repository.objects.get().stars == 77481
    assert Paper.objects.get().title == "CornerNet: Detecting Objects as Paired Keypoints"
    assert len(github) == len(arxiv) == 2
    assert github[1] - github[0] >= 1.0
    assert 0.2 <= arxiv[1] - arxiv[0] < 5


def test_it_recovers_a_fetch_lost_with_a_killed_worker_through_the_sweeper(replay):
    replay.github.add("/repos/tensorflow/models", body=HANG, times=1)
    serve(replay.github, "github/repos-tensorflow-models.json")
    repository = Repository.objects.create(
        url="https://github.com/tensorflow/models", owner="tensorflow", name="models"
    )

    with Worker(replay) as first:
        tasks.enqueue(tasks.fetch_repository, repository.pk)
        assert wait_for(lambda: len(replay.github.requests) == 1)
        first.kill()
    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.PENDING

    # The message died with the worker; PostgreSQL still says "pending", and beat's sweeper reads that.
    with Worker(replay, PAPERDAILY_PENDING_SWEEP_AFTER="0"):
        tasks.sweep_pending.delay()
        assert wait_for(lambda: Repository.objects.get(pk=repository.pk).fetch_status != "pending")

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.OK
    assert repository.stars == 77481


def test_it_refreshes_a_whole_issue_on_a_real_worker(replay):
    serve(replay.github, "github/repos-tensorflow-models.json")
    serve(replay.github, "github/repos-archived-no-license.json")
    issue = make_issue(published=False)
    for owner, name in (("tensorflow", "models"), ("huanghoujing", "EANet")):
        paper = Paper.objects.create(title=f"{name} paper", metadata_status=Paper.MetadataStatus.OK)
        repository = Repository.objects.create(url=f"https://github.com/{owner}/{name}", owner=owner, name=name)
        PaperRepository.objects.create(paper=paper, repository=repository)
        make_entry(issue, paper=paper, status=Recommendation.Status.ACCEPTED)

    with Worker(replay):
        tasks.enqueue(tasks.refresh_issue, issue.pk)
        done = wait_for(lambda: not Repository.objects.filter(fetch_status="pending").exists())

    assert done
    assert dict(Repository.objects.values_list("name", "stars")) == {"models": 77481, "EANet": 241}
