import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

User = get_user_model()

NEW_PASSWORD = "corner-pooling-2019"


@pytest.fixture
def editor_client(client):
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "editor-password-1"))
    return client


@pytest.fixture
def ada():
    return User.objects.create_user(username="ada", email="ada@example.org", password="plastic-synapses-2018")


def test_it_revokes_the_api_token_when_an_editor_sets_a_new_password(editor_client, ada):
    Token.objects.create(user=ada)

    response = editor_client.post(
        f"/admin/auth/user/{ada.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(user=ada).exists()


def test_it_keeps_the_api_token_when_the_new_password_is_refused(editor_client, ada):
    Token.objects.create(user=ada)

    response = editor_client.post(
        f"/admin/auth/user/{ada.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": "something-else-42", "usable_password": "true"},
    )

    assert response.status_code == 200
    assert Token.objects.filter(user=ada).exists()


def test_it_still_lists_and_edits_users(editor_client, ada):
    assert editor_client.get("/admin/auth/user/").status_code == 200
    assert editor_client.get(f"/admin/auth/user/{ada.pk}/change/").status_code == 200
