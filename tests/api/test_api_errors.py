import json

import pytest
from django.test import Client, RequestFactory

from paperdaily import views
from tests.factories import make_entry, make_issue
from tests.recommendations.helpers import login_recommender

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/nothing-here/", "/api/issues/abc/", "/api/papers/1/extra/", "/api/%00/"])
def test_it_answers_unknown_api_paths_with_the_json_error_body(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"status": 404, "code": "not_found", "message": "Not found."}}


def test_it_keeps_the_html_404_page_outside_the_api(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_it_answers_a_server_error_under_api_in_json():
    response = views.server_error(RequestFactory().get("/api/issues/"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert b'"code": "server_error"' in response.content


def test_it_refuses_writing_to_a_reading_endpoint_with_a_405(api_client):
    make_issue(1)

    response = api_client.post("/api/issues/1/", {}, format="json")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_it_refuses_a_wrong_token_even_on_public_data(api_client):
    response = api_client.get("/api/issues/", HTTP_AUTHORIZATION="Token not-a-real-token")

    # 403, not 401: session authentication comes first, and it names no WWW-Authenticate scheme.
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "authentication_failed"


def test_it_answers_406_in_json_to_a_client_that_refuses_json(api_client):
    response = api_client.get("/api/issues/", HTTP_ACCEPT="text/html")

    assert response.status_code == 406
    assert response.json()["error"]["code"] == "not_acceptable"


def test_it_answers_head_like_get_without_a_body(api_client):
    make_entry(make_issue(1))

    get, head = api_client.get("/api/issues/1/"), api_client.head("/api/issues/1/")

    assert head.status_code == 200
    assert head.content == b""
    assert head["Last-Modified"] == get["Last-Modified"]


@pytest.fixture
def low_rates(settings):
    """API rates of 2 a minute for anonymous readers and 3 for signed-in ones."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "3/min"}}


def test_it_throttles_anonymous_readers_with_a_429_and_retry_after(api_client, low_rates):
    make_issue(1)

    answers = [api_client.get("/api/issues/") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["error"]["code"] == "throttled"
    assert answers[2].json()["error"]["status"] == 429
    assert 0 < int(answers[2]["Retry-After"]) <= 60


def test_it_gives_signed_in_readers_their_own_rate(api_client, low_rates, django_user_model):
    api_client.force_login(django_user_model.objects.create_user(username="reader"))

    answers = [api_client.get("/api/tags/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]


@pytest.mark.parametrize("url", ["/api/auth/token/", "/api/recommendations/"])
def test_it_refuses_a_body_too_large_with_the_json_error_body(api_client, django_user_model, settings, url):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    api_client.force_login(login_recommender(Client(), django_user_model).user)
    body = json.dumps({"username": "reader", "password": "x", "padding": "a" * 2_000})

    response = api_client.post(url, body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "too_large"
