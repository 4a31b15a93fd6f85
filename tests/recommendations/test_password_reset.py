import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, TestCase
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from paperdaily.celery import app
from recommendations.accounts.services import account_create
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "plastic-synapses-2018"
NEW_PASSWORD = "backpropamine-2019"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.PAPERDAILY_SITE_URL = "https://paperdaily.example/"


@pytest.fixture
def ada():
    return account_create(handle="Ada", email="ada@example.org", password=PASSWORD)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(eager):
    """The link is mailed by a task; ``ask_for_reset`` runs it as the commit would."""


def ask_for_reset(client, email):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/accounts/password/reset/", {"email": email})


def link_in(message):
    return re.search(r"https://paperdaily\.example(/accounts/password/reset/\S+/\S+/)", message.body).group(1)


def test_it_shows_the_reset_form(client):
    response = client.get("/accounts/password/reset/")

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    assert document.select_one('label[for="id_email"]') is not None
    assert document.select_one("main form")["action"] == "/accounts/password/reset/"


def test_it_emails_a_link_that_sets_a_new_password(client, ada, mailoutbox):
    response = ask_for_reset(client, "ADA@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()
    [message] = mailoutbox
    assert message.to == ["ada@example.org"]
    assert message.subject == "Choose a new PaperDaily password"
    assert message.body.startswith("Hello @Ada,")
    assert "expires in 24 hours" in message.body

    form_page = client.get(link_in(message), follow=True)
    assert form_page.status_code == 200
    assert soup(form_page).select_one("#id_new_password1") is not None
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/done/"
    assert "Your new password is set" in client.get(done["Location"]).content.decode()
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    assert not ada.check_password(PASSWORD)


def test_it_refuses_a_used_link(client, ada, mailoutbox):
    ask_for_reset(client, "ada@example.org")
    link = link_in(mailoutbox[0])
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.get(link, follow=True)

    document = soup(response)
    assert document.find("h1").get_text(strip=True) == "This link does not work any more"
    assert document.select_one('main a[href="/accounts/password/reset/"]') is not None


def test_it_refuses_a_made_up_link(client, ada):
    response = client.get("/accounts/password/reset/MQ/abc-123/")

    assert response.status_code == 200
    assert soup(response).find("h1").get_text(strip=True) == "This link does not work any more"


def test_it_refuses_a_weak_new_password(client, ada, mailoutbox):
    ask_for_reset(client, "ada@example.org")
    form_page = client.get(link_in(mailoutbox[0]), follow=True)

    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"})

    assert response.status_code == 200
    assert soup(response).select("#id_new_password2_error li")
    ada.refresh_from_db()
    assert ada.check_password(PASSWORD)


def test_it_says_the_same_and_sends_nothing_for_an_unknown_address(client, ada, mailoutbox):
    response = ask_for_reset(client, "nobody@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mailoutbox == []


@pytest.mark.parametrize("email", ["ada\x00@example.org", "not-an-email", "a" * 100_000 + "@example.org", ""])
def test_it_answers_a_malformed_address_with_a_form_error(client, ada, mailoutbox, email):
    response = ask_for_reset(client, email)

    assert response.status_code == 200
    assert soup(response).select("#id_email_error li")
    assert mailoutbox == []


def test_it_answers_429_after_too_many_requests_for_one_address(client, ada, settings, mailoutbox):
    settings.PAPERDAILY_RATE_PASSWORD_RESET_EMAIL = "2/h"
    ask_for_reset(client, "ada@example.org")
    ask_for_reset(client, "ADA@example.org ")

    response = ask_for_reset(client, "Ada@Example.org")

    assert response.status_code == 429
    assert "429.html" in [template.name for template in response.templates]
    assert len(mailoutbox) == 2


def test_it_answers_429_after_too_many_requests_from_one_address(client, ada, settings, mailoutbox):
    settings.PAPERDAILY_RATE_PASSWORD_RESET_IP = "2/h"
    ask_for_reset(client, "first@example.org")
    ask_for_reset(client, "second@example.org")

    response = ask_for_reset(client, "ada@example.org")

    assert response.status_code == 429
    assert mailoutbox == []


def test_it_revokes_the_api_token_and_other_sessions_when_the_password_is_reset(client, ada, mailoutbox):
    old_key = Token.objects.create(user=ada).key
    elsewhere = Client()
    elsewhere.force_login(ada)
    ask_for_reset(client, "ada@example.org")
    form_page = client.get(link_in(mailoutbox[0]), follow=True)

    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert api.get("/api/recommendations/mine/").status_code == 401
    assert not Token.objects.filter(user=ada).exists()
    assert elsewhere.get("/accounts/profile/").status_code == 302


@pytest.mark.parametrize("host", ["localhost:1", "127.0.0.1:8000", "testserver"])
def test_it_builds_the_link_from_the_site_url_whatever_the_host_of_the_request(client, ada, mailoutbox, host):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "ada@example.org"}, HTTP_HOST=host)

    [message] = mailoutbox
    assert host not in message.body
    assert re.findall(r"\w+://\S+", message.body) == ["https://paperdaily.example" + link_in(message)]


def without_csrf_token(content):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_it_answers_alike_for_known_and_unknown_addresses_and_mails_from_a_task(
    client, ada, mailoutbox, django_capture_on_commit_callbacks
):
    app.conf.task_always_eager = False  # as in production, for the requests (the eager fixture restores it)
    answers = {}
    for email in ("ada@example.org", "nobody@example.org"):
        with django_capture_on_commit_callbacks() as queued:
            response = client.post("/accounts/password/reset/", {"email": email})
        page = client.get(response["Location"])
        answers[email] = (
            response.status_code,
            response["Location"],
            response.content,
            without_csrf_token(page.content),
        )
        # Nothing goes out while the request is answered, so its duration tells nothing.
        assert mailoutbox == []
        assert len(queued) == 1

    assert answers["ada@example.org"] == answers["nobody@example.org"]

    app.conf.task_always_eager = True  # the worker's turn
    for task in queued:  # the last one: for the unknown address, it sends nothing
        task()
    assert mailoutbox == []
    ask_for_reset(client, "ADA@example.org")
    [message] = mailoutbox
    assert message.to == ["ada@example.org"]
    assert link_in(message)
