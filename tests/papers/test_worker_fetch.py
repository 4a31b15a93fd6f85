"""Real Celery workers on the test Redis fetch from the replay servers into the test database.

Nothing is faked here: the worker is a separate process that receives the task over Redis,
asks the replay servers over sockets, retries with backoff, and writes to PostgreSQL.
"""

import pytest

from paperdaily.celery import app
from paperdaily.lib import tasks as lib_tasks
from papers import services, tasks
from papers.models import Paper, PaperRepository, Repository
from recommendations.issues import tasks as issue_tasks
from recommendations.models import Recommendation
from tests.factories import make_entry, make_issue
from tests.recorded import serve
from tests.replay import HANG
from tests.workers import Worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


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
        lib_tasks.enqueue(tasks.fetch_repository, repository.pk)
        fetched = wait_for(lambda: Repository.objects.get(pk=repository.pk).fetch_status != "pending")

    repository.refresh_from_db()
    assert fetched
    assert repository.fetch_status == Repository.FetchStatus.OK
    assert repository.stars == 77481
    assert [r.path for r in replay.github.requests] == ["/repos/tensorflow/models"] * 3


def test_it_fetches_gitlab_and_hugging_face_on_a_real_worker(replay):
    replay.gitlab.add("/api/v4/projects/libeigen%2Feigen", status=502, times=1)
    serve(replay.gitlab, "gitlab/projects-libeigen-eigen.json")
    serve(replay.huggingface, "huggingface/datasets-rajpurkar-squad.json")
    gitlab = Repository.objects.create(
        url="https://gitlab.com/libeigen/eigen", host="gitlab.com", owner="libeigen", name="eigen"
    )
    dataset = Repository.objects.create(
        url="https://huggingface.co/datasets/rajpurkar/squad",
        host="huggingface.co",
        kind="dataset",
        owner="rajpurkar",
        name="squad",
    )

    with Worker(replay):
        services.enqueue_repositories([gitlab.pk, dataset.pk])
        fetched = wait_for(
            lambda: not Repository.objects.filter(fetch_status="pending", pk__in=[gitlab.pk, dataset.pk]).exists()
        )

    assert fetched
    gitlab.refresh_from_db()
    dataset.refresh_from_db()
    assert (gitlab.fetch_status, gitlab.stars) == (Repository.FetchStatus.OK, 1497)  # after one retry
    assert (dataset.fetch_status, dataset.stars) == (Repository.FetchStatus.OK, 311)
    assert len(replay.gitlab.requests) == 2


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
        lib_tasks.enqueue(tasks.fetch_repository, repository.pk)
        services.enqueue_papers([paper.pk], arxiv_ids={paper.pk})
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
        lib_tasks.enqueue(tasks.fetch_repository, repository.pk)
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
        lib_tasks.enqueue(issue_tasks.refresh_issue, issue.pk)
        done = wait_for(lambda: not Repository.objects.filter(fetch_status="pending").exists())

    assert done
    assert dict(Repository.objects.values_list("name", "stars")) == {"models": 77481, "EANet": 241}
