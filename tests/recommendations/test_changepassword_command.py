import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

User = get_user_model()

NEW_PASSWORD = "corner-pooling-2019"


@pytest.fixture
def ada():
    user = User.objects.create_user(username="ada", email="ada@example.org", password="plastic-synapses-2018")
    Token.objects.create(user=user)
    return user


@pytest.fixture
def typed(monkeypatch):
    """What the person types at the two password prompts (the terminal is not a test's to read)."""
    answers = []
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="Password: ": answers.pop(0))
    return answers


def test_it_revokes_the_api_token_when_the_password_is_changed(ada, typed):
    typed += [NEW_PASSWORD, NEW_PASSWORD]

    call_command("changepassword", "ada", stdout=io.StringIO())

    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(user=ada).exists()


def test_it_keeps_the_api_token_when_the_change_fails(ada, typed):
    with pytest.raises(CommandError):
        call_command("changepassword", "nobody")

    assert Token.objects.filter(user=ada).exists()
