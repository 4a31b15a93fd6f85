"""GitLab source: recorded project answers parsed, and fetched through the shared client from a replay server."""

import json
from datetime import UTC, datetime

import pytest

from papers.sources import budgets, github, gitlab
from papers.sources.base import BadResponse, HostNotAllowed, NotFound, RateLimited
from papers.sources.http import api_get
from tests.recorded import load, serve


def test_it_parses_a_recorded_project():
    found = gitlab.parse_project(load("gitlab/projects-libeigen-eigen.json")["body"])

    assert (found.owner, found.name) == ("libeigen", "eigen")
    assert found.html_url == "https://gitlab.com/libeigen/eigen"
    assert found.stars == 1497
    assert found.pushed_at == datetime(2026, 11, 28, 17, 2, 41, 655000, tzinfo=UTC)
    assert found.archived is False
    assert found.default_branch == "master"
    assert found.description.startswith("Eigen is a C++ template library")
    assert found.github_id is None
    assert found.language == ""  # GitLab's project answer names no language


def test_it_reads_a_subgroup_path_and_the_archived_flag():
    found = gitlab.parse_project(load("gitlab/projects-subgroup-archived.json")["body"])

    assert (found.owner, found.name) == ("vision-lab/research", "models")
    assert found.archived is True
    assert found.stars == 12


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"star_count": True}, "stars", None),
        ({"star_count": -4}, "stars", None),
        ({"star_count": "1497"}, "stars", None),
        ({"star_count": 2**40}, "stars", None),
        ({"last_activity_at": "yesterday"}, "pushed_at", None),
        ({"last_activity_at": "9" * 500}, "pushed_at", None),
        ({"archived": "true"}, "archived", False),
        ({"description": None}, "description", ""),
        ({"description": {"html": "<b>x</b>"}}, "description", ""),
        ({"default_branch": ["main"]}, "default_branch", ""),
    ],
)
def test_it_reads_odd_values_as_unknown(changes, field, expected):
    body = {**load("gitlab/projects-libeigen-eigen.json")["body"], **changes}

    assert getattr(gitlab.parse_project(body), field) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>Sign in</html>", "GitLab answered with invalid JSON"),
        (b"[]", "GitLab answered with something that is not a project"),
        (b"null", "GitLab answered with something that is not a project"),
        (json.dumps({"id": 1, "name": "x"}).encode(), "GitLab's answer names no project"),
        (b"[" * 100_000, "GitLab answered with JSON nested too deeply to read"),
    ],
)
def test_it_refuses_answers_that_are_not_a_project(content, message):
    with pytest.raises(BadResponse, match=message):
        gitlab.parse_project(content)


def test_it_fetches_a_project_by_its_encoded_path(replay):
    serve(replay.gitlab, "gitlab/projects-libeigen-eigen.json")

    result = gitlab.fetch("libeigen", "eigen")

    assert result.status == "ok"
    assert result.metadata.stars == 1497
    request = replay.gitlab.requests[0]
    # One path segment: GitLab reads "libeigen/eigen" only with its slash encoded.
    assert request.raw_path == "/api/v4/projects/libeigen%2Feigen"
    assert request.headers["accept"] == "application/json"
    assert "authorization" not in request.headers


def test_it_fetches_a_project_in_a_subgroup(replay):
    serve(replay.gitlab, "gitlab/projects-subgroup-archived.json")

    result = gitlab.fetch("vision-lab/research", "models")

    assert result.metadata.archived is True
    assert replay.gitlab.requests[0].raw_path == "/api/v4/projects/vision-lab%2Fresearch%2Fmodels"


def test_it_says_not_found_for_a_404(replay):
    serve(replay.gitlab, "gitlab/projects-not-found-404.json")

    with pytest.raises(NotFound, match="GitLab has no public project someone/no-such-project"):
        gitlab.fetch("someone", "no-such-project")


def test_it_names_gitlabs_own_words_for_other_errors(replay):
    replay.gitlab.add("/api/v4/projects/a%2Fb", status=403, body={"message": "403 Forbidden"})

    with pytest.raises(BadResponse, match=r"GitLab answered HTTP 403 for a/b: 403 Forbidden"):
        gitlab.fetch("a", "b")


def test_it_does_not_follow_a_redirect_off_its_host(replay):
    replay.gitlab.add("/api/v4/projects/a%2Fb", status=302, headers={"Location": replay.trap.base_url + "/x"})

    with pytest.raises(BadResponse, match="GitLab answered HTTP 302"):
        gitlab.fetch("a", "b")
    assert replay.trap.requests == []


def test_it_keeps_to_its_own_host(replay):
    with pytest.raises(HostNotAllowed):
        api_get("gitlab", replay.github.base_url + "/repos/a/b")


def test_it_spends_its_own_budget(replay, settings):
    settings.PAPERDAILY_RATE_LIMITS = {**settings.PAPERDAILY_RATE_LIMITS, "gitlab": "1 per hour"}
    settings.PAPERDAILY_RATE_LIMIT_MAX_WAIT = 0.1
    budgets.reset("gitlab")
    serve(replay.gitlab, "gitlab/projects-libeigen-eigen.json")
    serve(replay.github, "github/repos-tensorflow-models.json")

    gitlab.fetch("libeigen", "eigen")
    with pytest.raises(RateLimited, match="GitLab request budget"):
        gitlab.fetch("libeigen", "eigen")

    assert github.fetch("tensorflow", "models").status == "ok"  # GitHub's budget is its own
