"""The API's JSON parser: a body nested too deep is a 400 with the error body, on every endpoint."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.recommendations.helpers import login_recommender

pytestmark = pytest.mark.django_db


def nested(depth, *, closed=True):
    return "[" * depth + ("]" * depth if closed else "")


@pytest.fixture
def signed_in(django_user_model):
    client = APIClient()
    user = login_recommender(APIClient(), django_user_model).user
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/api/auth/token/", "anonymous"),
        ("/api/auth/token/", "signed in"),
        ("/api/recommendations/", "signed in"),
    ],
)
@pytest.mark.parametrize("body", [nested(1_000), nested(100_000), nested(100_000, closed=False), nested(65)])
def test_it_refuses_json_nested_too_deep_with_a_400(api_client, signed_in, url, who, body):
    client = api_client if who == "anonymous" else signed_in

    response = client.post(url, body, content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["code"] == "parse_error"
    assert "nested" in error["message"]


def test_it_asks_for_credentials_before_reading_a_deep_body(api_client):
    response = api_client.post("/api/recommendations/", nested(100_000), content_type="application/json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("url", ["/api/auth/token/", "/api/recommendations/"])
def test_it_refuses_a_deep_value_inside_an_ordinary_object(signed_in, url):
    body = json.dumps({"username": "reader", "password": "x"})[:-1] + ', "extra": ' + nested(5_000) + "}"

    response = signed_in.post(url, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_it_still_reads_json_nested_to_the_limit(signed_in):
    # 64 levels: far more than any of the API's inputs, and read as usual (refused by the serializer).
    body = json.dumps({"paper_link": "https://arxiv.org/abs/1810.04805", "extra": json.loads(nested(62))})

    response = signed_in.post("/api/recommendations/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_it_still_reads_an_ordinary_token_request(api_client, django_user_model):
    django_user_model.objects.create_user(username="reader", password="a-long-password-1")

    response = api_client.post(
        "/api/auth/token/", {"username": "reader", "password": "a-long-password-1"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["token"]
