"""GitHub source: recorded ``GET /repos`` answers parsed, and the fetch logic around the shared client.

The shared client is replaced by a fake that answers from the recorded exchanges in
``tests/data/github/`` (see ``tests/data/PROVENANCE-s2-github.md``) and keeps the real client's
promises: an absolute URL off the API host raises ``HostNotAllowed`` before anything is sent, and
a 403 or 429 whose ``x-ratelimit-remaining`` is 0 raises ``RateLimited``.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from papers.sources import github
from papers.sources.base import BadResponse, HostNotAllowed, NotFound, RateLimited
from papers.sources.github import GithubResult, fetch, parse_repo
from papers.sources.http import Response

DATA = Path(__file__).resolve().parents[2] / "data" / "github"
API = "https://api.github.com"


def recorded(name):
    return json.loads((DATA / name).read_text())


def answer(name, **header_changes):
    exchange = recorded(name)
    headers = {**exchange["headers"], **header_changes}
    body = exchange["body"]
    content = b"" if body is None else json.dumps(body).encode()
    return Response(
        status=exchange["status"], headers=httpx.Headers(headers), content=content, url=exchange["request"]["url"]
    )


class FakeClient:
    def __init__(self):
        self.answers = []
        self.calls = []

    def queue(self, *answers):
        self.answers.extend(answers)

    def get(self, api, path_or_url="", *, params=None, headers=None):
        self.calls.append({"api": api, "path": path_or_url, "headers": headers})
        if "://" in path_or_url and not path_or_url.startswith(API + "/"):
            raise HostNotAllowed(f"{path_or_url} is not on the GitHub host {API}")
        response = self.answers.pop(0)
        if response.status in (403, 429) and response.headers.get("x-ratelimit-remaining") == "0":
            raise RateLimited("GitHub rate limit reached (HTTP 403)", status=response.status, retry_after=1200.0)
        return response


@pytest.fixture
def api(monkeypatch):
    fake = FakeClient()
    monkeypatch.setattr(github, "api_get", fake.get)
    return fake


def test_it_parses_the_seed_repository():
    body = recorded("repos-tensorflow-models.json")["body"]

    repo = parse_repo(body)

    assert repo.github_id == 51117837
    assert (repo.owner, repo.name, repo.full_name) == ("tensorflow", "models", "tensorflow/models")
    assert repo.html_url == "https://github.com/tensorflow/models"
    assert repo.description == "Reference models and worked examples written with TensorFlow"
    assert repo.stars == 77481
    assert repo.language == "Python"
    assert repo.license == "Apache-2.0"
    assert repo.pushed_at == datetime(2025, 6, 12, 21, 37, 5, tzinfo=UTC)
    assert repo.archived is False
    assert repo.default_branch == "master"
    assert repo.raw == body


def test_it_parses_an_archived_repository_without_a_licence():
    repo = parse_repo(recorded("repos-archived-no-license.json")["body"])

    assert repo.full_name == "huanghoujing/EANet"
    assert repo.license is None
    assert repo.archived is True
    assert repo.pushed_at == datetime(2019, 1, 20, 12, 0, tzinfo=UTC)


def test_it_reads_noassertion_as_no_known_licence_in_an_older_answer():
    repo = parse_repo(recorded("repos-license-noassertion.json")["body"])

    assert repo.full_name == "ChimeraCoder/gojson"
    assert repo.license is None
    assert repo.language == "Go"
    assert repo.stars == 2213


def test_it_parses_the_bytes_of_an_answer():
    assert parse_repo(answer("repositories-155220641.json").content).full_name == "huggingface/transformers"


def models(**changes):
    return {**recorded("repos-tensorflow-models.json")["body"], **changes}


def test_it_tolerates_null_and_odd_fields():
    repo = parse_repo(
        models(
            description=None,
            language=None,
            license={"key": "mit", "name": "MIT License"},
            stargazers_count="77481",
            archived="false",
            default_branch=None,
            html_url=None,
        )
    )

    assert (repo.description, repo.language, repo.license, repo.stars) == ("", "", None, None)
    assert repo.archived is False
    assert repo.default_branch == ""
    assert repo.html_url == "https://github.com/tensorflow/models"


@pytest.mark.parametrize(
    ("pushed_at", "expected"),
    [
        (None, None),
        ("", None),
        ("last week", None),
        ("2019-01-20T20:00:00+08:00", datetime(2019, 1, 20, 12, 0, tzinfo=UTC)),
        ("2019-01-20T12:00:00", datetime(2019, 1, 20, 12, 0, tzinfo=UTC)),
    ],
)
def test_it_reads_pushed_at_as_a_moment_in_utc(pushed_at, expected):
    assert parse_repo(models(pushed_at=pushed_at)).pushed_at == expected


def test_it_falls_back_to_full_name_for_owner_and_name():
    repo = parse_repo(models(owner=None, name=None))

    assert (repo.owner, repo.name) == ("tensorflow", "models")


@pytest.mark.parametrize(
    "data",
    [b"[]", b"<html>Unicorn!</html>", recorded("repos-moved-301.json")["body"], {"full_name": "no-slash"}],
)
def test_it_refuses_an_answer_that_is_not_a_repository(data):
    with pytest.raises(BadResponse):
        parse_repo(data)


def test_it_fetches_a_repository_and_keeps_its_etag(api):
    api.queue(answer("repos-tensorflow-models.json"))

    result = fetch("tensorflow", "models")

    assert result.status == "ok"
    assert result.metadata.full_name == "tensorflow/models"
    assert result.etag == recorded("repos-tensorflow-models.json")["headers"]["ETag"]
    assert api.calls == [{"api": "github", "path": "/repos/tensorflow/models", "headers": None}]


def test_it_asks_conditionally_and_keeps_what_it_has_on_304(api):
    etag = recorded("repos-tensorflow-models.json")["headers"]["ETag"]
    api.queue(answer("repos-tensorflow-models-304.json"))

    result = fetch("tensorflow", "models", etag=etag)

    assert result == GithubResult("not_modified", None, etag)
    assert api.calls[0]["headers"] == {"If-None-Match": etag}


def test_it_quotes_each_part_of_the_path(api):
    api.queue(answer("repos-not-found-404.json"))

    with pytest.raises(NotFound):
        fetch("tensorflow", "models/../../users?x=1")

    assert api.calls[0]["path"] == "/repos/tensorflow/models%2F..%2F..%2Fusers%3Fx%3D1"


def test_it_follows_a_rename_to_the_new_owner_and_name(api):
    api.queue(answer("repos-moved-301.json"), answer("repositories-155220641.json"))

    result = fetch("huggingface", "pytorch-transformers", etag='W/"old"')

    assert result.status == "ok"
    assert (result.metadata.owner, result.metadata.name) == ("huggingface", "transformers")
    assert result.metadata.github_id == 155220641
    assert result.etag == recorded("repositories-155220641.json")["headers"]["ETag"]
    assert [call["path"] for call in api.calls] == [
        "/repos/huggingface/pytorch-transformers",
        "https://api.github.com/repositories/155220641",
    ]
    # The old address's ETag says nothing about the new one.
    assert api.calls[1]["headers"] is None


def test_it_follows_the_address_in_the_body_when_location_is_missing(api):
    moved = answer("repos-moved-301.json")
    del moved.headers["location"]
    api.queue(moved, answer("repositories-155220641.json"))

    assert fetch("huggingface", "pytorch-transformers").metadata.full_name == "huggingface/transformers"
    assert api.calls[1]["path"] == "https://api.github.com/repositories/155220641"


def test_it_never_follows_a_redirect_off_the_api_host(api):
    api.queue(answer("repos-moved-301.json", Location="http://169.254.169.254/latest/meta-data/"))

    with pytest.raises(HostNotAllowed):
        fetch("huggingface", "pytorch-transformers")

    assert api.answers == []
    assert api.calls[-1]["path"] == "http://169.254.169.254/latest/meta-data/"


def test_it_gives_up_after_two_redirects(api):
    api.queue(answer("repos-moved-301.json"), answer("repos-moved-301.json"), answer("repos-moved-301.json"))

    with pytest.raises(BadResponse) as error:
        fetch("huggingface", "pytorch-transformers")

    assert "redirected more than 2 times" in str(error.value)
    assert len(api.calls) == 3


def test_it_reports_a_redirect_that_says_nowhere_as_bad(api):
    api.queue(Response(301, httpx.Headers({}), b"", f"{API}/repos/a/b"))

    with pytest.raises(BadResponse):
        fetch("a", "b")


def test_it_reports_a_missing_repository_as_not_found(api):
    api.queue(answer("repos-not-found-404.json"))

    with pytest.raises(NotFound) as error:
        fetch("paperdaily-fixtures", "no-such-repository")

    assert str(error.value) == (
        "GitHub has no repository paperdaily-fixtures/no-such-repository "
        "(deleted, renamed without redirect, or private)"
    )
    assert error.value.status == 404


def test_it_looks_a_known_repository_up_by_id_when_its_name_is_gone(api):
    api.queue(answer("repos-not-found-404.json"), answer("repositories-155220641.json"))

    result = fetch("huggingface", "pytorch-transformers", github_id=155220641)

    assert result.metadata.full_name == "huggingface/transformers"
    assert api.calls[1]["path"] == "/repositories/155220641"


def test_it_looks_a_known_repository_up_by_id_when_another_took_its_name(api):
    api.queue(answer("repos-tensorflow-models.json"), answer("repositories-155220641.json"))

    result = fetch("tensorflow", "models", github_id=155220641)

    assert result.metadata.github_id == 155220641
    assert api.calls[1]["path"] == "/repositories/155220641"


def test_it_reports_a_known_repository_gone_by_id_too_as_not_found(api):
    api.queue(answer("repos-not-found-404.json"), answer("repos-not-found-404.json"))

    with pytest.raises(NotFound):
        fetch("paperdaily-fixtures", "no-such-repository", github_id=1)


def test_it_lets_a_rate_limit_reach_the_caller(api):
    api.queue(answer("repos-rate-limited-403.json"))

    with pytest.raises(RateLimited):
        fetch("princeton-vl", "CornerNet")


def test_it_reports_another_refusal_with_githubs_message(api):
    api.queue(answer("repos-forbidden-403.json"))

    with pytest.raises(BadResponse) as error:
        fetch("paperdaily-fixtures", "private-models")

    assert "Resource not accessible by personal access token" in str(error.value)
    assert error.value.status == 403


@pytest.mark.parametrize("status", [400, 410, 451])
def test_it_reports_any_other_answer_as_bad(api, status):
    api.queue(Response(status, httpx.Headers({}), b'{"message": "Repository access blocked"}', f"{API}/repos/a/b"))

    with pytest.raises(BadResponse) as error:
        fetch("a", "b")

    assert str(status) in str(error.value)
