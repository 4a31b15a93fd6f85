"""The admin's log-in page shares the site log-in's limits: one budget of password guesses."""

import pytest
from django.core.cache import cache

from recommendations.accounts.services import account_create
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db

PASSWORD = "plastic-synapses-2018"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PAPERDAILY_RATE_LOGIN_IP = "3/10m"
    settings.PAPERDAILY_RATE_LOGIN_ACCOUNT = "3/10m"
    cache.clear()


@pytest.fixture
def editor():
    user = account_create(handle="Grace", email="grace@example.org", password=PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def admin_log_in(client, username="Grace", password=PASSWORD, ip="10.0.0.1"):
    return client.post("/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def site_log_in(client, username="Grace", password=PASSWORD, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_answers_429_after_as_many_wrong_passwords_as_the_site(client, editor):
    answers = [admin_log_in(client, password="wrong-password").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]


def test_it_counts_wrong_passwords_sent_to_the_site(client, editor):
    for _ in range(3):
        site_log_in(client, password="wrong-password")

    assert admin_log_in(client, password="wrong-password").status_code == 429


def test_it_counts_toward_the_site_log_in(client, editor):
    for _ in range(3):
        admin_log_in(client, password="wrong-password")

    assert site_log_in(client, password="wrong-password").status_code == 429


def test_it_limits_one_account_tried_from_many_addresses(client, editor):
    for n in range(3):
        admin_log_in(client, password="wrong-password", ip=f"10.0.1.{n}")

    assert admin_log_in(client, password="wrong-password", ip="10.0.2.1").status_code == 429
    # Another account from a fresh address is not held back.
    assert admin_log_in(client, username="someone-else", ip="10.0.2.2").status_code == 200


def test_it_limits_one_address_trying_many_accounts(client, editor):
    for n in range(3):
        admin_log_in(client, username=f"guess-{n}", password="wrong-password")

    assert admin_log_in(client, username="guess-9", password="wrong-password").status_code == 429


def test_it_refuses_the_right_password_over_the_limit_as_the_site_does(client, editor):
    for _ in range(3):
        admin_log_in(client, password="wrong-password")

    assert admin_log_in(client).status_code == 429
    assert "_auth_user_id" not in client.session
    assert site_log_in(client).status_code == 429


def test_it_answers_a_readable_page_in_the_admins_look_with_retry_after(client, editor):
    for _ in range(3):
        admin_log_in(client, password="wrong-password")

    response = admin_log_in(client, password="wrong-password")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    page = soup(response.content.decode())
    assert "admin/429.html" in [template.name for template in response.templates]
    assert page.select_one("#site-name").get_text(strip=True) == "PaperDaily"
    assert "a lot of log-in attempts" in page.select_one("#content").get_text(" ", strip=True)


def test_it_still_logs_in_under_the_limit(client, editor):
    admin_log_in(client, password="wrong-password")

    response = admin_log_in(client)

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
