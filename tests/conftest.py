import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request served in Chinese
    leaves Chinese active in the thread, and views called directly would inherit it."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # admin_client's user is created with a password; the real hasher costs ~0.2 s a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user_client(client, django_user_model):
    """A client logged in as a reader: an account, but not an editor."""
    client.force_login(django_user_model.objects.create_user(username="reader"))
    return client
