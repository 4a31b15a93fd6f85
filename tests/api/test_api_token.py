"""The "API token" page of the account area (/accounts/api-token/), and the token it makes."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.htmlcheck import soup
from tests.recommendations.helpers import login_recommender

pytestmark = pytest.mark.django_db
URL = "/accounts/api-token/"


@pytest.fixture
def person(client, django_user_model):
    return login_recommender(client, django_user_model).user


def answers(key):
    """The status the API gives a client holding ``key``."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/recommendations/mine/").status_code


def test_it_sends_visitors_to_log_in_first(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/api-token/")


def test_it_is_linked_from_the_profile_page(client, person):
    page = soup(client.get("/accounts/profile/"))
    assert page.select_one(f'.account-links a[href="{URL}"]')


def test_it_offers_to_create_a_token_when_there_is_none(client, person):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    page = soup(response)
    assert page.select_one("input[name=action]")["value"] == "create"
    assert page.select_one("form input[name=csrfmiddlewaretoken]")
    assert not page.select_one("#api-token-key")


def test_it_shows_a_new_token_once_and_it_works(client, person):
    response = client.post(URL, {"action": "create"})
    assert response.status_code == 200
    key = soup(response).select_one("#api-token-key").get_text()
    assert Token.objects.get(user=person).key == key
    assert answers(key) == 200
    again = client.get(URL)
    assert key not in again.content.decode()
    assert {i["value"] for i in soup(again).select("input[name=action]")} == {"regenerate", "revoke"}


def test_it_replaces_a_token_and_the_old_one_stops_working(client, person):
    old = Token.objects.create(user=person).key
    response = client.post(URL, {"action": "regenerate"})
    new = soup(response).select_one("#api-token-key").get_text()
    assert new != old
    assert (answers(old), answers(new)) == (401, 200)


def test_it_revokes_a_token(client, person):
    key = Token.objects.create(user=person).key
    response = client.post(URL, {"action": "revoke"}, follow=True)
    assert response.status_code == 200
    assert not Token.objects.exists()
    assert answers(key) == 401


def test_it_refuses_an_unknown_action_and_changes_nothing(client, person):
    key = Token.objects.create(user=person).key
    response = client.post(URL, {"action": "x\x00" * 100})
    assert response.status_code == 400
    assert Token.objects.get().key == key


def test_it_needs_the_csrf_token(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    assert client.post(URL, {"action": "create"}).status_code == 403
    assert not Token.objects.exists()


def test_it_only_touches_the_callers_own_token(client, person, django_user_model):
    other = Token.objects.create(user=django_user_model.objects.create_user(username="other"))
    client.post(URL, {"action": "revoke"})
    client.post(URL, {"action": "regenerate"})
    assert Token.objects.filter(pk=other.pk).exists()


# --- POST /api/auth/token/: the password for the token

TOKEN_URL = "/api/auth/token/"


@pytest.fixture
def account(django_user_model):
    user = django_user_model.objects.create_user(username="Reader", email="reader@example.org", password="s3cret-pass")
    return user


@pytest.mark.parametrize("identifier", ["Reader", "reader", "READER@example.org"])
def test_it_answers_a_token_for_a_handle_or_email_and_password(account, identifier):
    response = APIClient().post(TOKEN_URL, {"username": identifier, "password": "s3cret-pass"}, format="json")
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert Token.objects.get(user=account).key == key
    assert answers(key) == 200


def test_it_answers_the_existing_token_rather_than_a_new_one(account):
    existing = Token.objects.create(user=account)
    response = APIClient().post(TOKEN_URL, {"username": "Reader", "password": "s3cret-pass"}, format="json")
    assert response.json()["token"] == existing.key


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "Reader", "password": "wrong"},
        {"username": "nobody", "password": "s3cret-pass"},
        {"username": "Reader"},
        {"username": 12, "password": "s3cret-pass"},
        {"username": "Reader\x00", "password": "s3cret-pass"},
        {"username": "x" * 300, "password": "s3cret-pass"},
    ],
)
def test_it_refuses_wrong_credentials_without_making_a_token(account, payload):
    response = APIClient().post(TOKEN_URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not Token.objects.exists()


@pytest.mark.parametrize("body", ["[1]", '"Reader"', "null", '{"username": ["Reader"], "password": "s3cret-pass"}'])
def test_it_answers_a_body_that_is_not_an_object_of_strings_with_400(account, body):
    # The log-in limit reads the user name before the form does: it must not choke on any JSON value.
    response = APIClient().post(TOKEN_URL, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["status"] == 400
    assert not Token.objects.exists()


def test_it_says_what_the_login_page_says(account):
    response = APIClient().post(TOKEN_URL, {"username": "Reader", "password": "wrong"}, format="json")
    assert "do not match an account" in response.json()["error"]["fields"]["non_field_errors"][0]


def test_it_refuses_an_inactive_account(account):
    account.is_active = False
    account.save()
    response = APIClient().post(TOKEN_URL, {"username": "Reader", "password": "s3cret-pass"}, format="json")
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_it_shares_the_login_pages_rate_limit(account, client, settings):
    settings.PAPERDAILY_RATE_LOGIN_IP = "2/h"
    assert client.post("/accounts/login/", {"username": "Reader", "password": "wrong"}).status_code == 200
    api = APIClient()
    assert api.post(TOKEN_URL, {"username": "Reader", "password": "wrong"}, format="json").status_code == 400
    response = api.post(TOKEN_URL, {"username": "Reader", "password": "s3cret-pass"}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert not Token.objects.exists()
