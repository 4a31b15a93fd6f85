"""With Redis unreachable, log-ins are still limited, counted in the process; recommending still fails open."""

import pytest

from paperdaily.lib import ratelimits
from recommendations.accounts.services import account_create

from .test_recommend_redis_down import redis_down

pytestmark = pytest.mark.django_db

PASSWORD = "plastic-synapses-2018"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PAPERDAILY_RATE_LOGIN_IP = "3/10m"
    settings.PAPERDAILY_RATE_LOGIN_ACCOUNT = "3/10m"
    ratelimits.local_reset()
    yield
    ratelimits.local_reset()


@pytest.fixture
def grace():
    user = account_create(handle="Grace", email="grace@example.org", password=PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_it_limits_the_log_in_pages(client, grace, url):
    with redis_down():
        answers = [client.post(url, {"username": "Grace", "password": "wrong-password"}).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]


def test_it_limits_the_api_token(client, grace):
    with redis_down():
        answers = [
            client.post(
                "/api/auth/token/", {"username": "Grace", "password": "wrong-password"}, content_type="application/json"
            )
            for _ in range(4)
        ]

    assert [answer.status_code for answer in answers] == [400, 400, 400, 429]
    assert int(answers[-1]["Retry-After"]) > 0


def test_it_counts_the_api_and_the_pages_together(client, grace):
    with redis_down():
        client.post("/api/auth/token/", {"username": "Grace", "password": "wrong"}, content_type="application/json")
        client.post("/accounts/login/", {"username": "Grace", "password": "wrong"})
        client.post("/admin/login/", {"username": "Grace", "password": "wrong"})
        response = client.post("/admin/login/", {"username": "Grace", "password": PASSWORD})

    assert response.status_code == 429


def test_it_lets_recommending_fail_open(rf, settings):
    # The recommend form's own Redis-down test checks the row is saved; here, that nothing is counted locally.
    settings.PAPERDAILY_RATE_RECOMMEND_IP = "1/h"
    with redis_down():
        answers = [
            ratelimits.over_limit(
                rf.post("/recommend/"), group="recommend", limits=[("ip", "PAPERDAILY_RATE_RECOMMEND_IP")]
            )
            for _ in range(3)
        ]

    assert answers == [False, False, False]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/", "/api/auth/token/"])
def test_it_counts_a_request_without_an_address_instead_of_failing(client, grace, url):
    # Real servers always set REMOTE_ADDR; a WSGI harness may not, and the in-process count must cope.
    with redis_down():
        extra = {"content_type": "application/json"} if url.startswith("/api/") else {}
        answers = [
            client.post(url, {"username": "Grace", "password": "wrong-password"}, REMOTE_ADDR="", **extra).status_code
            for _ in range(4)
        ]

    assert answers[-1] == 429
    assert 500 not in answers
