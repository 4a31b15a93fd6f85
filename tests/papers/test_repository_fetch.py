"""repository_fetch: a GitHub repository's facts fetched from the replay server and stored."""

import time
from datetime import UTC, datetime

import pytest

from papers import services
from papers.models import Paper, PaperRepository, Repository
from papers.sources.base import RateLimited
from tests.factories import make_paper, make_repository
from tests.recorded import load, serve

pytestmark = pytest.mark.django_db


def github_repository(owner, name, **fields):
    return Repository.objects.create(url=f"https://github.com/{owner}/{name}", owner=owner, name=name, **fields)


def stored(repository):
    repository.refresh_from_db()
    return {field: getattr(repository, field) for field in (*Repository.FETCHED_FIELDS, "fetch_status", "etag", "url")}


def test_it_stores_the_repository_facts(replay):
    serve(replay.github, "github/repos-tensorflow-models.json")
    repository = github_repository("tensorflow", "models")

    services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.OK
    assert repository.fetch_error == ""
    assert repository.stars == 77481
    assert repository.language == "Python"
    assert repository.license == "Apache-2.0"
    assert repository.default_branch == "master"
    assert repository.pushed_at == datetime(2025, 6, 12, 21, 37, 5, tzinfo=UTC)
    assert repository.github_id == 51117837
    assert repository.etag.startswith('W/"8c2933')
    assert repository.raw_metadata["full_name"] == "tensorflow/models"
    assert repository.fetched_at is not None


def test_it_leaves_one_row_with_the_same_values_when_run_twice(replay):
    serve(replay.github, "github/repos-tensorflow-models.json")
    repository = github_repository("tensorflow", "models")

    services.repository_fetch(repository_id=repository.pk)
    first = stored(repository)
    repository.etag = ""  # force a full answer the second time, not a 304
    repository.save(update_fields=["etag"])
    services.repository_fetch(repository_id=repository.pk)

    assert Repository.objects.count() == 1
    assert stored(repository) == first


def test_it_sends_the_etag_and_keeps_the_facts_on_304(replay):
    serve(replay.github, "github/repos-tensorflow-models-304.json")
    etag = 'W/"8c2933acd82aef1d580e0c70c8c1563e4096e3bf6a0984d85af2e097d7f3dac1"'
    repository = github_repository("tensorflow", "models", stars=77000, language="Python", etag=etag)

    services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert replay.github.requests[0].headers["if-none-match"] == etag
    assert repository.stars == 77000
    assert repository.fetch_status == Repository.FetchStatus.OK
    assert repository.fetched_at is not None


def test_it_follows_a_rename_and_stores_the_new_url(replay):
    serve(replay.github, "github/repos-moved-301.json")
    serve(replay.github, "github/repositories-155220641.json")
    repository = github_repository("huggingface", "pytorch-transformers")

    services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert (repository.owner, repository.name) == ("huggingface", "transformers")
    assert repository.url == "https://github.com/huggingface/transformers"
    assert repository.github_id == 155220641
    assert repository.fetch_status == Repository.FetchStatus.OK
    assert [r.path for r in replay.github.requests] == [
        "/repos/huggingface/pytorch-transformers",
        "/repositories/155220641",
    ]


def test_it_merges_a_renamed_repository_into_the_row_already_under_the_new_name(replay):
    serve(replay.github, "github/repos-moved-301.json")
    serve(replay.github, "github/repositories-155220641.json")
    old = github_repository("huggingface", "pytorch-transformers")
    new = github_repository("huggingface", "transformers")
    paper = make_paper()
    PaperRepository.objects.create(paper=paper, repository=new)

    services.repository_fetch(repository_id=old.pk)

    assert list(Repository.objects.values_list("owner", "name")) == [("huggingface", "transformers")]
    assert PaperRepository.objects.get().repository_id == old.pk


def test_it_marks_a_deleted_repository_missing(replay):
    serve(replay.github, "github/repos-not-found-404.json")
    repository = github_repository("paperdaily-fixtures", "no-such-repository", stars=12)

    services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.MISSING
    assert "no-such-repository" in repository.fetch_error
    assert repository.stars == 12  # what readers saw stays until an editor decides


def test_it_respects_githubs_spent_budget_without_asking_again(replay):
    recorded = load("github/repos-rate-limited-403.json")
    # The recorded reset time is long past; GitHub always names one in the next hour.
    headers = {**recorded["headers"], "X-RateLimit-Reset": str(int(time.time()) + 1200)}
    serve(replay.github, "github/repos-rate-limited-403.json", headers=headers)
    first = github_repository("princeton-vl", "CornerNet")
    second = make_repository("https://github.com/google/tf_mesh_renderer")

    with pytest.raises(RateLimited) as raised:
        services.repository_fetch(repository_id=first.pk)
    with pytest.raises(RateLimited):
        services.repository_fetch(repository_id=second.pk)

    assert 1100 < raised.value.retry_after <= 1200
    assert len(replay.github.requests) == 1  # the second waits for the reset instead of spending a request
    first.refresh_from_db()
    assert first.fetch_status == Repository.FetchStatus.PENDING
    assert "rate limit" in first.fetch_error


def test_it_keeps_fields_an_editor_set_by_hand(replay):
    serve(replay.github, "github/repos-tensorflow-models.json")
    repository = github_repository("tensorflow", "models", description="Edited by hand", locked_fields=["description"])

    services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert repository.description == "Edited by hand"
    assert repository.stars == 77481


def test_it_records_a_server_error_and_keeps_the_old_facts(replay):
    replay.github.add("/repos/tensorflow/models", status=502)
    repository = github_repository("tensorflow", "models", stars=70000, fetch_status=Repository.FetchStatus.OK)

    with pytest.raises(Exception, match="HTTP 502"):
        services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert repository.stars == 70000
    assert repository.fetch_status == Repository.FetchStatus.OK
    assert "502" in repository.fetch_error


def test_it_does_not_touch_papers(replay):
    serve(replay.github, "github/repos-tensorflow-models.json")
    paper = make_paper("Semi-Supervised Sequence Modeling with Cross-View Training", code_urls=[])
    repository = github_repository("tensorflow", "models")
    PaperRepository.objects.create(paper=paper, repository=repository, path="tree/master/research/cvt_text")

    services.repository_fetch(repository_id=repository.pk)

    link = PaperRepository.objects.get()
    assert link.path == "tree/master/research/cvt_text"
    assert Paper.objects.get().title == "Semi-Supervised Sequence Modeling with Cross-View Training"
