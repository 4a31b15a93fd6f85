"""The shared HTTP client against the local replay servers: real sockets, no mocks."""

import email.utils
import gzip
import logging
import socket
import time
import zlib

import pytest

from papers.sources import budgets as ratelimit
from papers.sources.base import BadResponse, HostNotAllowed, RateLimited, TemporaryError
from papers.sources.http import API_NAMES, api_get, api_post
from tests.replay import ENDLESS, HANG


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_joins_paths_to_each_api_base_url(replay):
    replay.arxiv.add("/api/query", query={"id_list": "1808.01244"}, body="<feed/>")
    replay.crossref.add("/works/10.18653/v1/D18-1217", body={"status": "ok"})
    replay.semantic_scholar.add("/graph/v1/paper/ARXIV:1808.01244", body={"paperId": "abc"})
    replay.github.add("/repos/tensorflow/models", body={"id": 1})

    arxiv = api_get("arxiv", params={"id_list": "1808.01244"})
    crossref = api_get("crossref", "/works/10.18653/v1/D18-1217")
    s2 = api_get("semantic_scholar", "/paper/ARXIV:1808.01244", params={"fields": "title"})
    github = api_get("github", "/repos/tensorflow/models")

    assert (arxiv.status, arxiv.content) == (200, b"<feed/>")
    assert crossref.content == b'{"status": "ok"}'
    assert s2.url == replay.semantic_scholar.base_url + "/graph/v1/paper/ARXIV:1808.01244?fields=title"
    assert github.headers["content-type"] == "application/json"
    assert replay.semantic_scholar.requests[0].query == {"fields": "title"}
    assert not any(server.unmatched for server in replay.servers())


def test_it_reads_a_path_as_a_path_even_if_it_holds_a_url(replay):
    replay.semantic_scholar.add("/graph/v1/paper/URL:https://arxiv.org/abs/1808.01244", body={"paperId": "abc"})

    response = api_get("semantic_scholar", "/paper/URL:https://arxiv.org/abs/1808.01244")

    assert response.status == 200
    assert replay.trap.requests == []


def test_it_accepts_an_absolute_url_on_the_api_host(replay):
    replay.github.add("/repositories/123", body={"id": 123})

    response = api_get("github", replay.github.base_url + "/repositories/123")

    assert response.status == 200
    assert [r.path for r in replay.github.requests] == ["/repositories/123"]


def test_it_posts_json(replay):
    replay.semantic_scholar.add("/graph/v1/paper/batch", method="POST", body=[{"paperId": "a"}])

    response = api_post("semantic_scholar", "/paper/batch", params={"fields": "title"}, json={"ids": ["ARXIV:1"]})

    assert response.status == 200
    (request,) = replay.semantic_scholar.requests
    assert (request.method, request.body) == ("POST", b'{"ids":["ARXIV:1"]}')


@pytest.mark.parametrize(
    "make_url",
    [
        pytest.param(lambda replay: replay.trap.base_url + "/repos/a/b", id="another-local-server"),
        pytest.param(lambda replay: f"http://127.0.0.1:{replay.trap.port}/", id="same-host-other-port"),
        pytest.param(lambda replay: "http://169.254.169.254/latest/meta-data/", id="cloud-metadata"),
        pytest.param(lambda replay: "file:///etc/passwd", id="file"),
        pytest.param(lambda replay: "gopher://127.0.0.1/", id="other-scheme"),
        pytest.param(lambda replay: replay.github.base_url.replace("http:", "https:") + "/repos/a/b", id="https"),
        pytest.param(lambda replay: f"http://localhost:{replay.github.port}/repos/a/b", id="other-host-name"),
        pytest.param(
            lambda replay: replay.github.base_url.replace("://", "://user:secret@") + "/repos/a/b", id="userinfo"
        ),
        # Not a path: appended to the base it would turn the base's host into userinfo and point at the trap.
        pytest.param(lambda replay: f"@127.0.0.1:{replay.trap.port}/x", id="path-as-userinfo"),
        pytest.param(lambda replay: f"//127.0.0.1:{replay.trap.port}/x", id="scheme-relative"),
        pytest.param(lambda replay: "repos/a/b", id="relative-without-slash"),
    ],
)
def test_it_refuses_urls_off_the_api_host_without_contacting_them(replay, make_url):
    replay.trap.add("/", body="trapped")

    with pytest.raises(HostNotAllowed):
        api_get("github", make_url(replay))

    assert replay.all_requests() == []


def test_it_raises_value_error_for_an_unknown_api(replay):
    with pytest.raises(ValueError, match="Unknown API"):
        api_get("pubmed", "/x")
    assert set(API_NAMES) == {"arxiv", "arxiv_pdf", "crossref", "semantic_scholar", "github", "gitlab", "huggingface"}


@pytest.mark.parametrize("status", [301, 302])
def test_it_returns_redirects_without_following_them(replay, status):
    location = replay.trap.base_url + "/repositories/1"
    replay.github.add("/repos/old/name", status=status, headers={"Location": location})

    response = api_get("github", "/repos/old/name")

    assert (response.status, response.headers["location"]) == (status, location)
    assert replay.trap.requests == []


def test_it_returns_client_errors_other_than_429(replay):
    replay.github.add("/repos/gone/away", status=404, body={"message": "Not Found"})
    replay.github.add("/repos/same/etag", status=304, headers={"ETag": '"abc"'})

    assert api_get("github", "/repos/gone/away").status == 404
    assert api_get("github", "/repos/same/etag").status == 304


def test_it_raises_rate_limited_with_retry_after_in_seconds(replay):
    replay.crossref.add("/works/x", status=429, headers={"Retry-After": "17"})

    with pytest.raises(RateLimited) as caught:
        api_get("crossref", "/works/x")

    assert (caught.value.status, caught.value.retry_after) == (429, 17.0)
    assert caught.value.retryable


def test_it_raises_rate_limited_with_retry_after_as_an_http_date(replay):
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    replay.semantic_scholar.add("/graph/v1/paper/x", status=429, headers={"Retry-After": later})

    with pytest.raises(RateLimited) as caught:
        api_get("semantic_scholar", "/paper/x")

    assert 118 <= caught.value.retry_after <= 120


def test_it_raises_rate_limited_without_retry_after(replay):
    # arXiv's 429 comes without Retry-After; the task then backs off on its own.
    replay.arxiv.add("/api/query", status=429)

    with pytest.raises(RateLimited) as caught:
        api_get("arxiv", params={"id_list": "1808.01244"})

    assert caught.value.retry_after is None
    assert str(caught.value) == "arXiv asked us to slow down (HTTP 429)"


def test_it_raises_temporary_error_on_5xx(replay):
    replay.arxiv.add("/api/query", status=503, headers={"Retry-After": "5"}, times=1)
    replay.arxiv.add("/api/query", body="<feed/>")

    with pytest.raises(TemporaryError) as caught:
        api_get("arxiv")

    assert not isinstance(caught.value, RateLimited)
    assert (caught.value.status, caught.value.retry_after) == (503, 5.0)
    assert api_get("arxiv").status == 200


def test_it_gives_up_quickly_on_a_server_that_does_not_answer(replay, settings):
    settings.PAPERDAILY_HTTP_READ_TIMEOUT = 0.3
    replay.arxiv.add("/api/query", body=HANG)

    started = time.monotonic()
    with pytest.raises(TemporaryError, match="^arXiv did not answer in time$"):
        api_get("arxiv")

    assert time.monotonic() - started < 1.5


def test_it_raises_temporary_error_when_the_connection_is_refused(replay, settings):
    settings.PAPERDAILY_CROSSREF_API_URL = f"http://127.0.0.1:{closed_port()}"

    with pytest.raises(TemporaryError, match="^could not reach Crossref$"):
        api_get("crossref", "/works/x")


def test_it_refuses_an_answer_declared_larger_than_the_cap(replay, settings):
    settings.PAPERDAILY_HTTP_MAX_BYTES = 1000
    replay.crossref.add("/works/big", body=b"x" * 1001)
    replay.crossref.add("/works/fits", body=b"x" * 1000)

    with pytest.raises(BadResponse, match="larger than 1000 bytes"):
        api_get("crossref", "/works/big")
    assert len(api_get("crossref", "/works/fits").content) == 1000


def test_it_stops_reading_an_endless_answer_at_the_cap(replay, settings):
    settings.PAPERDAILY_HTTP_MAX_BYTES = 200_000
    replay.github.add("/repos/endless/body", body=ENDLESS)

    started = time.monotonic()
    with pytest.raises(BadResponse, match="^GitHub sent an answer larger than 200000 bytes$"):
        api_get("github", "/repos/endless/body")

    assert time.monotonic() - started < 2


def test_it_counts_the_cap_on_decompressed_bytes(replay, settings):
    settings.PAPERDAILY_HTTP_MAX_BYTES = 10_000
    small = gzip.compress(b'{"title": "ok"}')
    bomb = gzip.compress(b" " * 100_000)  # about 150 bytes on the wire
    replay.crossref.add("/works/small", body=small, headers={"Content-Encoding": "gzip"})
    replay.crossref.add("/works/bomb", body=bomb, headers={"Content-Encoding": "gzip"})

    assert api_get("crossref", "/works/small").content == b'{"title": "ok"}'
    with pytest.raises(BadResponse):
        api_get("crossref", "/works/bomb")


def test_it_asks_for_gzip_alone(replay):
    replay.github.add("/repos/a/b", body={"id": 1})

    api_get("github", "/repos/a/b")

    assert replay.github.requests[0].headers["accept-encoding"] == "gzip"


def test_it_unpacks_deflate_and_ignores_identity(replay):
    replay.crossref.add("/works/deflate", body=zlib.compress(b'{"a": 1}'), headers={"Content-Encoding": "deflate"})
    replay.crossref.add("/works/identity", body=b'{"a": 2}', headers={"Content-Encoding": "identity"})
    replay.crossref.add("/works/both", body=gzip.compress(b'{"a": 3}'), headers={"Content-Encoding": "identity, gzip"})

    assert api_get("crossref", "/works/deflate").content == b'{"a": 1}'
    assert api_get("crossref", "/works/identity").content == b'{"a": 2}'
    assert api_get("crossref", "/works/both").content == b'{"a": 3}'


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("br", r"^Crossref sent a body in an encoding we do not read \(br\); refused$"),
        ("gzip, gzip", r"^Crossref sent a body encoded more than once \(gzip, gzip\); refused$"),
    ],
)
def test_it_refuses_an_encoding_it_does_not_read_or_layers_of_them(encoding, message, replay):
    replay.crossref.add("/works/x", body=gzip.compress(gzip.compress(b"{}")), headers={"Content-Encoding": encoding})

    with pytest.raises(BadResponse, match=message):
        api_get("crossref", "/works/x")


def test_it_refuses_a_body_that_is_not_what_its_encoding_says(replay):
    replay.crossref.add("/works/x", body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    replay.crossref.add("/works/cut", body=gzip.compress(b"{}" * 1000)[:-20], headers={"Content-Encoding": "gzip"})

    for path in ("/works/x", "/works/cut"):
        with pytest.raises(BadResponse, match="^Crossref sent a body that could not be decoded$"):
            api_get("crossref", path)


def test_it_ends_a_request_at_its_deadline_before_the_read_timeout(replay, settings):
    settings.PAPERDAILY_HTTP_DEADLINE = 1.0  # shorter than the read timeout (2 s): the deadline ends it
    replay.arxiv.add("/api/query", body=HANG)
    started = time.monotonic()
    with pytest.raises(TemporaryError, match=r"^arXiv did not answer within 1 s$"):
        api_get("arxiv")

    assert 0.9 < time.monotonic() - started < 1.5


def test_it_stops_asking_an_api_whose_own_budget_is_spent(replay):
    reset_at = int(time.time()) + 60
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset_at)}
    replay.github.add("/repos/a/b", body={"id": 1}, headers=spent)

    assert api_get("github", "/repos/a/b").status == 200
    with pytest.raises(RateLimited) as caught:
        api_get("github", "/repos/a/b")

    assert 55 <= caught.value.retry_after <= 60
    assert len(replay.github.requests) == 1
    assert api_get("crossref", "/works/x").status == 404  # other APIs are not affected


@pytest.mark.parametrize("status", [403, 429])
def test_it_raises_rate_limited_when_the_budget_headers_refuse_the_request(replay, status):
    reset_at = int(time.time()) + 30
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset_at)}
    replay.github.add("/repos/a/b", status=status, body={"message": "API rate limit exceeded"}, headers=spent)

    with pytest.raises(RateLimited) as caught:
        api_get("github", "/repos/a/b")

    assert 25 <= caught.value.retry_after <= 30
    assert ratelimit.blocked_for("github") > 25


def test_it_returns_a_403_that_is_not_about_the_budget(replay):
    replay.github.add("/repos/a/b", status=403, headers={"x-ratelimit-remaining": "12"})

    assert api_get("github", "/repos/a/b").status == 403
    assert ratelimit.blocked_for("github") == 0.0


def test_it_sends_the_github_token_only_when_set_and_never_logs_it(replay, settings, caplog):
    caplog.set_level(logging.DEBUG)
    replay.github.add("/repos/a/b", body={"id": 1})
    settings.GITHUB_TOKEN = ""
    api_get("github", "/repos/a/b")
    settings.GITHUB_TOKEN = "ghp_secret_token_value"
    api_get("github", "/repos/a/b")

    without, with_token = replay.github.requests
    assert "authorization" not in without.headers
    assert with_token.headers["authorization"] == "Bearer ghp_secret_token_value"
    assert with_token.headers["accept"] == "application/vnd.github+json"
    assert with_token.headers["x-github-api-version"] == "2022-11-28"
    assert "/repos/a/b" in caplog.text
    assert "ghp_secret_token_value" not in caplog.text


def test_it_sends_the_semantic_scholar_key_only_to_semantic_scholar(replay, settings):
    settings.SEMANTIC_SCHOLAR_API_KEY = "s2-key"
    replay.semantic_scholar.add("/graph/v1/paper/x", body={})
    replay.crossref.add("/works/x", body={})

    api_get("semantic_scholar", "/paper/x")
    api_get("crossref", "/works/x")

    assert replay.semantic_scholar.requests[0].headers["x-api-key"] == "s2-key"
    assert "x-api-key" not in replay.crossref.requests[0].headers
    assert "authorization" not in replay.crossref.requests[0].headers


def test_it_names_the_contact_address_in_the_user_agent(replay, settings):
    replay.crossref.add("/works/x", body={})
    settings.PAPERDAILY_CONTACT_EMAIL = ""
    api_get("crossref", "/works/x")
    settings.PAPERDAILY_CONTACT_EMAIL = "editors@example.org"
    api_get("crossref", "/works/x")

    without, with_contact = (r.headers["user-agent"] for r in replay.crossref.requests)
    assert without == "PaperDaily/1.0 (+https://github.com/paperdaily)"
    assert with_contact == "PaperDaily/1.0 (+https://github.com/paperdaily; mailto:editors@example.org)"


def test_it_lets_callers_override_default_headers(replay):
    replay.github.add("/repos/a/b", status=304)

    api_get("github", "/repos/a/b", headers={"If-None-Match": '"etag1"', "accept": "application/json"})

    (request,) = replay.github.requests
    assert request.headers["if-none-match"] == '"etag1"'
    assert request.headers["accept"] == "application/json"


def test_it_waits_for_the_api_rate_limit(replay, settings):
    settings.PAPERDAILY_RATE_LIMITS = {**settings.PAPERDAILY_RATE_LIMITS, "arxiv": "1 per second"}
    ratelimit.reset("arxiv")
    replay.arxiv.add("/api/query", body="<feed/>")

    started = time.monotonic()
    api_get("arxiv")
    api_get("arxiv")

    assert time.monotonic() - started >= 0.95
