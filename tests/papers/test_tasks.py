"""The metadata tasks run eagerly in this process against the replay servers; the broker is real Redis.

A real worker runs them in ``test_worker_fetch.py``.
"""

import signal
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone
from kombu.exceptions import OperationalError

from paperdaily.celery import app
from paperdaily.lib import tasks as lib_tasks
from papers import services, tasks
from papers.models import Paper, PaperRepository, Repository
from recommendations.issues import tasks as issue_tasks
from tests.factories import make_entry, make_issue, make_paper
from tests.recorded import serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_broker():
    """Point the app at a Redis port where nothing listens, as when Redis is down."""
    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app._pool, app.amqp._producer_pool = saved


def pending_paper(arxiv_id="", **fields):
    return Paper.objects.create(arxiv_id=arxiv_id, metadata_status=Paper.MetadataStatus.PENDING, **fields)


def github_repository(owner, name):
    return Repository.objects.create(url=f"https://github.com/{owner}/{name}", owner=owner, name=name)


def age(model_objects, seconds):
    model_objects.update(updated_at=timezone.now() - timedelta(seconds=seconds))


def test_it_sends_a_fetch_only_when_the_transaction_commits(eager, replay, django_capture_on_commit_callbacks):
    serve(replay.github, "github/repos-tensorflow-models.json")
    repository = github_repository("tensorflow", "models")

    with django_capture_on_commit_callbacks() as callbacks:
        lib_tasks.enqueue(tasks.fetch_repository, repository.pk)
        assert replay.github.requests == []
    for callback in callbacks:
        callback()

    repository.refresh_from_db()
    assert len(callbacks) == 1
    assert repository.stars == 77481


def test_it_keeps_the_row_pending_when_the_broker_is_down(dead_broker, django_capture_on_commit_callbacks, caplog):
    repository = github_repository("tensorflow", "models")

    with django_capture_on_commit_callbacks(execute=True):
        lib_tasks.enqueue(tasks.fetch_repository, repository.pk)

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.PENDING
    assert "the sweeper will" in caplog.text


def test_the_dead_broker_fixture_really_refuses(dead_broker):
    with pytest.raises(OperationalError):
        tasks.fetch_repository.apply_async(args=[1], retry=False)


def test_it_sweeps_rows_left_pending_and_leaves_fresh_ones(eager, replay, settings, django_capture_on_commit_callbacks):
    settings.PAPERDAILY_PENDING_SWEEP_AFTER = 600
    serve(replay.github, "github/repos-tensorflow-models.json")
    serve(replay.github, "github/repos-archived-no-license.json")
    stuck = github_repository("tensorflow", "models")
    fresh = github_repository("huanghoujing", "EANet")
    age(Repository.objects.filter(pk=stuck.pk), 3600)

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.sweep_pending.apply().get()

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert result == {"papers": 0, "repositories": 1}
    assert stuck.fetch_status == Repository.FetchStatus.OK
    assert fresh.fetch_status == Repository.FetchStatus.PENDING
    assert [r.path for r in replay.github.requests] == ["/repos/tensorflow/models"]


def test_it_records_a_failure_when_a_fetch_cannot_succeed(eager, replay):
    replay.github.add("/repos/tensorflow/models", status=503)
    repository = github_repository("tensorflow", "models")

    tasks.fetch_repository.delay(repository.pk)

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.FAILED
    assert "HTTP 503" in repository.fetch_error


def test_it_ignores_a_row_deleted_before_its_fetch_ran(eager, replay):
    tasks.fetch_repository.delay(987654321)
    tasks.fetch_paper.delay(987654321)

    assert replay.all_requests() == []


def test_it_refreshes_the_repositories_of_recent_issues_only(
    eager, replay, settings, django_capture_on_commit_callbacks
):
    settings.PAPERDAILY_REFRESH_RECENT_DAYS = 60
    serve(replay.github, "github/repos-tensorflow-models.json")
    recent = make_issue(published_at=timezone.now() - timedelta(days=3))
    old = make_issue(published_at=timezone.now() - timedelta(days=400))
    for issue, url in ((recent, "https://github.com/tensorflow/models"), (old, "https://github.com/old/code")):
        paper = make_paper()
        repository = Repository.objects.create(url=url, owner=url.split("/")[3], name=url.split("/")[4])
        PaperRepository.objects.create(paper=paper, repository=repository)
        make_entry(issue, paper=paper)

    with django_capture_on_commit_callbacks(execute=True):
        result = issue_tasks.refresh_recent_repositories.apply().get()

    assert result == {"repositories": 1}
    assert [r.path for r in replay.github.requests] == ["/repos/tensorflow/models"]


def test_it_doubles_the_backoff_up_to_an_hour(settings):
    settings.PAPERDAILY_FETCH_RETRY_BACKOFF = 30.0

    assert [tasks.backoff(n) for n in range(4)] == [30, 60, 120, 240]
    assert tasks.backoff(20) == tasks.BACKOFF_MAX


def test_its_fetch_tasks_are_acknowledged_late_and_retried():
    for task in (tasks.fetch_paper, tasks.fetch_arxiv_batch, tasks.fetch_repository, tasks.fetch_repositories):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.max_retries >= 3


@pytest.mark.parametrize(
    "name",
    [
        "fetch_paper",
        "fetch_arxiv_batch",
        "fetch_repository",
        "fetch_repositories",
        "refresh_issue",
        "sweep_pending",
        "refresh_recent_repositories",
    ],
)
def test_its_tasks_can_be_sent_with_their_time_limits(name, settings):
    """Celery refuses to send a task whose soft time limit passes its hard one."""
    current_app.loader.import_default_modules()
    task = current_app.tasks[f"papers.{name}"]
    soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
    hard = task.time_limit or settings.CELERY_TASK_TIME_LIMIT

    assert 0 < soft < hard


def test_it_fetches_many_repositories_side_by_side_and_retries_a_failure_alone(
    eager, replay, django_capture_on_commit_callbacks
):
    delay = 0.3
    serve(replay.github, "github/repos-tensorflow-models.json", delay=delay)
    serve(replay.github, "github/repos-archived-no-license.json", delay=delay)
    serve(replay.github, "github/repos-not-found-404.json", delay=delay)
    replay.github.add("/repos/google/tf_mesh_renderer", status=503, delay=delay)
    names = [("tensorflow", "models"), ("huanghoujing", "EANet"), ("paperdaily-fixtures", "no-such-repository")]
    names.append(("google", "tf_mesh_renderer"))
    ids = [github_repository(owner, name).pk for owner, name in names]

    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_repositories(ids)

    statuses = dict(Repository.objects.values_list("name", "fetch_status"))
    first_four = sorted(request.received_at for request in replay.github.requests)[:4]
    assert statuses == {"models": "ok", "EANet": "ok", "no-such-repository": "missing", "tf_mesh_renderer": "failed"}
    assert first_four[-1] - first_four[0] < delay  # all four asked before any answer came
    # The 503 was tried again on its own (eagerly here: at once, and then given up).
    assert [r.path for r in replay.github.requests].count("/repos/google/tf_mesh_renderer") == 2


@contextmanager
def soft_time_limit_after(seconds):
    """Raise SoftTimeLimitExceeded in this (the main) thread after ``seconds``, as the prefork pool's signal does."""

    def interrupt(signum, frame):
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_its_fetch_tasks_take_their_limits_from_the_settings(settings):
    for task in (tasks.fetch_paper, tasks.fetch_arxiv_batch, tasks.fetch_repository, tasks.fetch_repositories):
        assert task.soft_time_limit == settings.PAPERDAILY_FETCH_SOFT_TIME_LIMIT
        assert task.time_limit == settings.PAPERDAILY_FETCH_TIME_LIMIT


def test_it_stops_an_arxiv_batch_at_its_time_limit_without_waiting_for_semantic_scholar(eager, replay, settings):
    replay.arxiv.add("/api/query", body_file="arxiv/legacy-1808.01244.xml", delay=3)
    replay.semantic_scholar.add("/graph/v1/paper/batch", method="POST", body=[], delay=6)
    paper = pending_paper("1808.01244")

    started = time.monotonic()
    with soft_time_limit_after(0.5):
        tasks.fetch_arxiv_batch.delay([paper.pk])
    elapsed = time.monotonic() - started

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.FAILED
    limit = settings.PAPERDAILY_FETCH_SOFT_TIME_LIMIT
    assert paper.metadata_error == f"stopped after {limit:g} s: arXiv kept the request open"
    assert elapsed < 1.5  # the read timeout (2 s here) did not end it: the limit did


def test_it_keeps_the_repositories_fetched_before_the_time_limit_and_fails_the_others(eager, replay):
    serve(replay.github, "github/repos-tensorflow-models.json")
    replay.github.add("/repos/slow/answer", body={}, delay=3)
    fast = github_repository("tensorflow", "models")
    slow = github_repository("slow", "answer")

    started = time.monotonic()
    with soft_time_limit_after(0.5):
        tasks.fetch_repositories.delay([fast.pk, slow.pk])
    elapsed = time.monotonic() - started

    fast.refresh_from_db()
    slow.refresh_from_db()
    assert (fast.fetch_status, fast.stars, fast.fetch_error) == ("ok", 77481, "")
    assert slow.fetch_status == Repository.FetchStatus.FAILED
    assert slow.fetch_error.endswith("GitHub kept the request open")
    assert elapsed < 1.5  # the read timeout (2 s here) did not end it: the limit did


def test_it_fails_a_paper_whose_tries_were_all_started_and_none_finished(eager, replay, settings):
    settings.PAPERDAILY_FETCH_MAX_RETRIES = 1
    paper = pending_paper("1808.01244", fetch_attempts=2, fetch_started_at=timezone.now())

    tasks.fetch_paper.delay(paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.FAILED
    assert "did not finish" in paper.metadata_error
    assert (paper.fetch_attempts, paper.fetch_started_at) == (0, None)
    assert replay.all_requests() == []


def test_it_fails_repositories_whose_tries_ran_out_and_fetches_the_rest(eager, replay, settings):
    settings.PAPERDAILY_FETCH_MAX_RETRIES = 1
    serve(replay.github, "github/repos-tensorflow-models.json")
    spent = github_repository("huanghoujing", "EANet")
    Repository.objects.filter(pk=spent.pk).update(fetch_attempts=2, fetch_started_at=timezone.now())
    fresh = github_repository("tensorflow", "models")

    tasks.fetch_repositories.delay([spent.pk, fresh.pk])

    statuses = dict(Repository.objects.values_list("name", "fetch_status"))
    assert statuses == {"EANet": "failed", "models": "ok"}
    assert "did not finish" in Repository.objects.get(pk=spent.pk).fetch_error
    assert [r.path for r in replay.github.requests] == ["/repos/tensorflow/models"]


def test_it_counts_a_try_and_forgets_the_count_once_a_fetch_succeeds(eager, replay):
    replay.arxiv.add("/api/query", body_file="arxiv/legacy-1808.01244.xml")
    paper = pending_paper("1808.01244", fetch_attempts=1)

    tasks.fetch_arxiv_batch.delay([paper.pk])

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.OK
    assert (paper.fetch_attempts, paper.fetch_started_at) == (0, None)
