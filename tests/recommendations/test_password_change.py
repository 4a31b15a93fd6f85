import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recommendations.accounts.services import account_create
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db

PASSWORD = "plastic-synapses-2018"
NEW_PASSWORD = "backpropamine-2019"


@pytest.fixture
def ada_client(client):
    user = account_create(handle="Ada", email="ada@example.org", password=PASSWORD)
    client.force_login(user)
    client.user = user
    return client


def change(client, old=PASSWORD, new1=NEW_PASSWORD, new2=NEW_PASSWORD):
    return client.post(
        "/accounts/password/change/", {"old_password": old, "new_password1": new1, "new_password2": new2}
    )


def test_it_asks_to_log_in_first(client):
    response = client.get("/accounts/password/change/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/change/"


def test_it_shows_the_form(ada_client):
    response = ada_client.get("/accounts/password/change/")

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    for name in ("old_password", "new_password1", "new_password2"):
        assert document.select_one(f'label[for="id_{name}"]') is not None, name


def test_it_changes_the_password_and_keeps_the_person_logged_in(ada_client):
    response = change(ada_client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    done = ada_client.get(response["Location"])
    assert done.status_code == 200
    assert "Your password is changed" in done.content.decode()
    ada_client.user.refresh_from_db()
    assert ada_client.user.check_password(NEW_PASSWORD)


def test_it_refuses_a_wrong_current_password(ada_client):
    response = change(ada_client, old="not-my-password")

    assert response.status_code == 200
    assert soup(response).select("#id_old_password_error li")
    ada_client.user.refresh_from_db()
    assert ada_client.user.check_password(PASSWORD)


def test_it_refuses_new_passwords_that_differ(ada_client):
    response = change(ada_client, new2=NEW_PASSWORD + "x")

    assert [li.get_text() for li in soup(response).select("#id_new_password2_error li")] == [
        "The two password fields didn’t match."
    ]


@pytest.mark.parametrize("weak", ["password", "12345678901", "short1!"])
def test_it_refuses_a_weak_new_password(ada_client, weak):
    response = change(ada_client, new1=weak, new2=weak)

    assert response.status_code == 200
    assert soup(response).select("#id_new_password2_error li")


def test_it_answers_a_nul_character_with_a_form_error(ada_client):
    response = change(ada_client, new1="nul\x00-in-the-password", new2="nul\x00-in-the-password")

    assert response.status_code == 200
    assert response.context["form"].errors


def test_it_revokes_the_api_token_and_keeps_a_new_one_working(ada_client):
    old_key = Token.objects.create(user=ada_client.user).key

    change(ada_client)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert api.get("/api/recommendations/mine/").status_code == 401
    assert not Token.objects.filter(user=ada_client.user).exists()
    # The page that changed it still works, and can issue a new token.
    assert ada_client.post("/accounts/api-token/", {"action": "create"}).status_code == 200
    assert Token.objects.filter(user=ada_client.user).exists()


def test_it_keeps_the_api_token_when_the_change_is_refused(ada_client):
    Token.objects.create(user=ada_client.user)

    change(ada_client, old="not-my-password")

    assert Token.objects.filter(user=ada_client.user).exists()
