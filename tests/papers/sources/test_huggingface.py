"""Hugging Face source: recorded model, dataset and Space answers, fetched through the shared client."""

from datetime import UTC, datetime

import pytest

from papers.sources import budgets, huggingface
from papers.sources.base import BadResponse, HostNotAllowed, NotFound, RateLimited
from tests.recorded import load, serve


def test_it_parses_a_recorded_model():
    found = huggingface.parse_repo(load("huggingface/models-google-bert-bert-base-uncased.json")["body"])

    assert (found.owner, found.name) == ("google-bert", "bert-base-uncased")
    assert found.html_url == "https://huggingface.co/google-bert/bert-base-uncased"
    assert found.stars == 2341  # likes
    assert found.license == "apache-2.0"
    assert found.language == "transformers"
    assert found.pushed_at == datetime(2024, 2, 19, 11, 6, 12, tzinfo=UTC)
    assert found.archived is False


def test_it_parses_a_recorded_dataset():
    found = huggingface.parse_repo(load("huggingface/datasets-rajpurkar-squad.json")["body"], kind="dataset")

    assert found.html_url == "https://huggingface.co/datasets/rajpurkar/squad"
    assert found.stars == 311
    assert found.license == "cc-by-sa-4.0"
    assert found.description.startswith("Stanford Question Answering Dataset")


def test_it_parses_a_disabled_space_as_archived():
    found = huggingface.parse_repo(load("huggingface/spaces-gradio-hello-world.json")["body"], kind="space")

    assert found.html_url == "https://huggingface.co/spaces/gradio/hello_world"
    assert found.stars == 27
    assert found.language == "gradio"
    assert found.archived is True


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"likes": None}, "stars", None),
        ({"likes": 1.5}, "stars", None),
        ({"likes": False}, "stars", None),
        ({"lastModified": 1708340772}, "pushed_at", None),
        ({"disabled": 1}, "archived", False),
        ({"cardData": "apache-2.0"}, "license", None),
        ({"cardData": {"license": ["mit", "apache-2.0"]}}, "license", None),
        ({"cardData": {"license": ["mit"]}}, "license", "mit"),
        ({"library_name": 7}, "language", ""),
    ],
)
def test_it_reads_odd_values_as_unknown(changes, field, expected):
    body = {**load("huggingface/models-google-bert-bert-base-uncased.json")["body"], **changes}

    assert getattr(huggingface.parse_repo(body), field) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Internal error", "Hugging Face answered with invalid JSON"),
        (b'"google-bert/bert-base-uncased"', "Hugging Face answered with something that is not a model"),
        (b'{"id": "bert-base-uncased"}', "Hugging Face's answer names no model"),
        (b'{"id": "a/b/c"}', "Hugging Face's answer names no model"),
        (b'{"id": 7}', "Hugging Face's answer names no model"),
    ],
)
def test_it_refuses_answers_that_are_not_a_repository(content, message):
    with pytest.raises(BadResponse, match=message):
        huggingface.parse_repo(content)


@pytest.mark.parametrize(
    ("kind", "fixture", "path"),
    [
        ("model", "huggingface/models-google-bert-bert-base-uncased.json", "/api/models/google-bert/bert-base-uncased"),
        ("dataset", "huggingface/datasets-rajpurkar-squad.json", "/api/datasets/rajpurkar/squad"),
        ("space", "huggingface/spaces-gradio-hello-world.json", "/api/spaces/gradio/hello_world"),
    ],
)
def test_it_asks_each_kind_at_its_own_address(replay, kind, fixture, path):
    serve(replay.huggingface, fixture)
    owner, name = path.split("/")[-2:]

    result = huggingface.fetch(kind, owner, name)

    assert result.status == "ok"
    assert result.metadata.full_name == f"{owner}/{name}"
    assert [request.raw_path for request in replay.huggingface.requests] == [path]


def test_it_says_not_found_for_a_401(replay):
    serve(replay.huggingface, "huggingface/models-not-found-401.json")

    with pytest.raises(NotFound, match="Hugging Face has no public model someone/no-such-model"):
        huggingface.fetch("model", "someone", "no-such-model")


def test_it_names_the_hubs_own_words_for_other_errors(replay):
    replay.huggingface.add("/api/models/a/b", status=400, body={"error": "Invalid repo name"})

    with pytest.raises(BadResponse, match="Hugging Face answered HTTP 400 for a/b: Invalid repo name"):
        huggingface.fetch("model", "a", "b")


def test_it_follows_a_renamed_repository_on_its_own_host(replay):
    serve(replay.huggingface, "huggingface/models-google-bert-bert-base-uncased.json")
    replay.huggingface.add(
        "/api/models/old-owner/bert", status=307, headers={"Location": "/api/models/google-bert/bert-base-uncased"}
    )

    result = huggingface.fetch("model", "old-owner", "bert")

    assert result.metadata.full_name == "google-bert/bert-base-uncased"
    assert [request.path for request in replay.huggingface.requests] == [
        "/api/models/old-owner/bert",
        "/api/models/google-bert/bert-base-uncased",
    ]


def test_it_refuses_a_redirect_off_its_host_and_a_loop(replay):
    replay.huggingface.add(
        "/api/models/a/b", status=307, headers={"Location": replay.trap.base_url + "/api/models/a/c"}
    )
    replay.huggingface.add("/api/models/a/loop", status=308, headers={"Location": "/api/models/a/loop"})

    with pytest.raises(HostNotAllowed):
        huggingface.fetch("model", "a", "b")
    with pytest.raises(BadResponse, match="Hugging Face redirected more than 2 times"):
        huggingface.fetch("model", "a", "loop")
    assert replay.trap.requests == []


def test_it_refuses_a_kind_it_does_not_know(replay):
    with pytest.raises(BadResponse):
        huggingface.fetch("collection", "a", "b")
    assert replay.huggingface.requests == []


def test_it_spends_its_own_budget(replay, settings):
    settings.PAPERDAILY_RATE_LIMITS = {**settings.PAPERDAILY_RATE_LIMITS, "huggingface": "1 per hour"}
    settings.PAPERDAILY_RATE_LIMIT_MAX_WAIT = 0.1
    budgets.reset("huggingface")
    serve(replay.huggingface, "huggingface/datasets-rajpurkar-squad.json")

    huggingface.fetch("dataset", "rajpurkar", "squad")
    with pytest.raises(RateLimited, match="Hugging Face request budget"):
        huggingface.fetch("dataset", "rajpurkar", "squad")
