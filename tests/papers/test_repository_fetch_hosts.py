"""Repositories on GitLab and Hugging Face fetched through the worker's path; Gitee, Bitbucket and
Codeberg kept as plain links; hostile answers recorded on the row without losing what it holds."""

from datetime import UTC, datetime

import pytest

from papers import services
from papers.identifiers import parse_repo_link
from papers.models import Repository
from papers.sources.base import TemporaryError
from tests.recorded import serve
from tests.replay import ENDLESS, HANG

pytestmark = pytest.mark.django_db


def repository_for(link):
    return services.repository_get_or_create(ref=parse_repo_link(link))[0]


def test_it_stores_a_gitlab_projects_facts_through_the_task(replay, eager, django_capture_on_commit_callbacks):
    serve(replay.gitlab, "gitlab/projects-libeigen-eigen.json")
    repository = repository_for("https://gitlab.com/libeigen/eigen/-/tree/master/Eigen")

    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_repositories([repository.pk])  # the worker's task, sent by name

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.OK
    assert repository.stars == 1497
    assert repository.archived is False
    assert repository.default_branch == "master"
    assert repository.pushed_at == datetime(2026, 11, 28, 17, 2, 41, 655000, tzinfo=UTC)
    assert repository.raw_metadata["id"] == 15462818
    assert repository.github_id is None
    assert (repository.host, repository.kind, repository.url) == (
        "gitlab.com",
        "repository",
        "https://gitlab.com/libeigen/eigen",
    )


def test_it_stores_hugging_face_likes_for_each_kind_side_by_side(replay, eager, django_capture_on_commit_callbacks):
    serve(replay.huggingface, "huggingface/models-google-bert-bert-base-uncased.json")
    serve(replay.huggingface, "huggingface/datasets-rajpurkar-squad.json")
    serve(replay.huggingface, "huggingface/spaces-gradio-hello-world.json")
    model = repository_for("https://huggingface.co/google-bert/bert-base-uncased")
    dataset = repository_for("https://huggingface.co/datasets/rajpurkar/squad")
    space = repository_for("https://huggingface.co/spaces/gradio/hello_world")

    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_repositories([model.pk, dataset.pk, space.pk])  # one task, fetched side by side

    for repository, likes in ((model, 2341), (dataset, 311), (space, 27)):
        repository.refresh_from_db()
        assert repository.fetch_status == Repository.FetchStatus.OK, repository.fetch_error
        assert repository.stars == likes
        assert repository.measure == "likes"
    assert space.archived is True  # disabled
    assert dataset.license == "cc-by-sa-4.0"


def test_it_keeps_a_model_and_a_dataset_of_one_name_apart():
    model = repository_for("https://huggingface.co/openai/gsm8k")
    dataset = repository_for("https://huggingface.co/datasets/openai/gsm8k")

    assert model.pk != dataset.pk
    assert repository_for("https://hf.co/datasets/OpenAI/GSM8K").pk == dataset.pk


@pytest.mark.parametrize(
    "link",
    [
        "https://gitee.com/mindspore/mindspore",
        "https://bitbucket.org/atlassian/python-bitbucket",
        "https://codeberg.org/forgejo/forgejo/src/branch/forgejo/models",
    ],
)
def test_it_keeps_other_hosts_as_plain_links_and_asks_nobody(replay, eager, link):
    repository = repository_for(link)

    assert repository.fetch_status == Repository.FetchStatus.OK  # nothing to fetch, so nothing pending
    services.repository_fetch(repository_id=repository.pk)  # an editor's "fetch again" does no harm

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.OK
    assert repository.stars is None
    assert replay.all_requests() == []


def test_it_marks_a_gitlab_project_that_is_gone_as_missing(replay):
    replay.gitlab.add(
        "/api/v4/projects/someone%2Fno-such-project", status=404, body={"message": "404 Project Not Found"}
    )
    repository = repository_for("https://gitlab.com/someone/no-such-project")

    services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.MISSING
    assert "GitLab has no public project someone/no-such-project" in repository.fetch_error


def test_it_marks_a_private_model_as_missing(replay):
    serve(replay.huggingface, "huggingface/models-not-found-401.json")
    repository = repository_for("https://huggingface.co/someone/no-such-model")

    services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.MISSING


def fetched_gitlab(replay):
    """A GitLab project fetched once (1497 stars); later answers are the test's."""
    serve(replay.gitlab, "gitlab/projects-libeigen-eigen.json", times=1)
    repository = repository_for("https://gitlab.com/libeigen/eigen")
    services.repository_fetch(repository_id=repository.pk)
    return repository


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"body": b"<html>We'll be back soon</html>"}, "GitLab answered with invalid JSON"),
        ({"body": b'{"message": "ok"}'}, "GitLab's answer names no project"),
        ({"body": ENDLESS}, "GitLab sent an answer larger than"),
    ],
)
def test_it_records_a_bad_gitlab_answer_and_keeps_the_facts(replay, settings, answer, message):
    repository = fetched_gitlab(replay)
    settings.PAPERDAILY_HTTP_MAX_BYTES = 64 * 1024
    replay.gitlab.add("/api/v4/projects/libeigen%2Feigen", **answer)

    services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert message in repository.fetch_error
    assert repository.fetch_status == Repository.FetchStatus.OK  # the last good fetch still stands
    assert repository.stars == 1497
    assert repository.raw_metadata["id"] == 15462818


def test_it_records_a_slow_hugging_face_answer_as_temporary_and_keeps_the_facts(replay, settings):
    serve(replay.huggingface, "huggingface/datasets-rajpurkar-squad.json", times=1)
    repository = repository_for("https://huggingface.co/datasets/rajpurkar/squad")
    services.repository_fetch(repository_id=repository.pk)
    settings.PAPERDAILY_HTTP_DEADLINE = 0.5
    replay.huggingface.add("/api/datasets/rajpurkar/squad", body=HANG)

    with pytest.raises(TemporaryError, match="Hugging Face did not answer"):
        services.repository_fetch(repository_id=repository.pk)

    repository.refresh_from_db()
    assert "Hugging Face did not answer" in repository.fetch_error
    assert repository.stars == 311


def test_it_fails_a_new_repository_whose_first_answer_is_bad_json(
    replay, eager, settings, django_capture_on_commit_callbacks
):
    settings.PAPERDAILY_FETCH_MAX_RETRIES = 0
    replay.huggingface.add("/api/models/a/b", body=b"{not json")
    repository = repository_for("https://huggingface.co/a/b")

    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_repositories([repository.pk])

    repository.refresh_from_db()
    assert repository.fetch_status == Repository.FetchStatus.FAILED
    assert "Hugging Face answered with invalid JSON" in repository.fetch_error
