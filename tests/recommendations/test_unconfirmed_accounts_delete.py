from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token

from recommendations.accounts import tasks as account_tasks
from recommendations.accounts.services import (
    account_create,
    accounts_unconfirmed_delete,
    email_is_taken,
    handle_is_taken,
)
from recommendations.models import Recommender
from tests.factories import make_recommendation

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "plastic-synapses-2018"
WEEK = 7 * 24 * 3600


def signed_up(handle, *, days_ago, confirmed=False):
    user = account_create(handle=handle, email=f"{handle.lower()}@example.org", password=PASSWORD, confirmed=confirmed)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_ago))
    return user


def test_it_deletes_accounts_never_confirmed_and_frees_their_handle_and_address():
    signed_up("Mallory", days_ago=8)

    assert accounts_unconfirmed_delete(older_than_seconds=WEEK) == 1

    assert not User.objects.exists()
    assert not Recommender.objects.exists()
    assert not handle_is_taken("mallory")
    assert not email_is_taken("MALLORY@example.org")
    account_create(handle="Mallory", email="mallory@example.org", password=PASSWORD)


def test_it_keeps_recent_confirmed_and_used_accounts():
    signed_up("Recent", days_ago=6)
    signed_up("Active", days_ago=30, confirmed=True)
    banned = signed_up("Banned", days_ago=30, confirmed=True)
    User.objects.filter(pk=banned.pk).update(is_active=False, last_login=timezone.now() - timedelta(days=20))
    staff = signed_up("Staff", days_ago=30)
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    recommending = signed_up("Recommending", days_ago=30)
    make_recommendation(recommender=recommending.recommender)
    tokened = signed_up("Tokened", days_ago=30)
    Token.objects.create(user=tokened)
    User.objects.create_user(username="nohandle", email="x@example.org", is_active=False)  # joined now

    assert accounts_unconfirmed_delete(older_than_seconds=WEEK) == 0

    assert User.objects.count() == 7
    assert Recommender.objects.count() == 6


def test_it_runs_from_beat_after_the_configured_age(eager, settings):
    settings.PAPERDAILY_UNCONFIRMED_ACCOUNT_TTL = WEEK
    signed_up("Old", days_ago=8)
    signed_up("Young", days_ago=2)

    result = account_tasks.delete_unconfirmed_accounts.delay().get()

    assert result == {"deleted": 1}
    assert list(User.objects.values_list("username", flat=True)) == ["Young"]
    [entry] = [
        entry
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == account_tasks.delete_unconfirmed_accounts.name
    ]
    assert entry["task"] == "recommendations.delete_unconfirmed_accounts"


def test_it_never_deletes_an_account_whose_confirmation_link_still_works(eager, settings):
    settings.PAPERDAILY_UNCONFIRMED_ACCOUNT_TTL = 3600
    settings.PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
    signed_up("Waiting", days_ago=2)

    assert account_tasks.delete_unconfirmed_accounts.delay().get() == {"deleted": 0}
    assert User.objects.filter(username="Waiting").exists()
