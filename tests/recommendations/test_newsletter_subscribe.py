"""Signing up for the newsletter: double opt-in over a real SMTP server, confirm and unsubscribe links."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from paperdaily.celery import app
from recommendations.models import Subscriber
from tests.htmlcheck import assert_safe_html, soup
from tests.smtp import closed_port

from .test_recommend_redis_down import redis_down

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.PAPERDAILY_SITE_URL = "https://paperdaily.example/"


@pytest.fixture
def signup(client, eager, django_capture_on_commit_callbacks):
    """Post the sign-up form as a browser would, running the tasks it queues."""

    def post(email="ada@example.org", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/newsletter/", {"email": email, "website": "", **fields})

    return post


def confirmed(email="ada@example.org", **fields):
    return Subscriber.objects.create(email=email, confirmed_at=timezone.now(), **fields)


def link_path(text, kind):
    [url] = [url for url in LINK.findall(text) if f"/newsletter/{kind}/" in url]
    assert url.startswith("https://paperdaily.example/newsletter/")
    return url.removeprefix("https://paperdaily.example")


def field_errors(response, name):
    return [li.get_text(" ", strip=True) for li in soup(response).select(f"#id_{name}_error li")]


def test_it_explains_the_newsletter_and_shows_the_form(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/newsletter/")

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    assert "Each issue in your inbox" in document.h1.get_text()
    form = document.select_one("main form.form")
    assert form["method"] == "post"
    assert form["action"] == "/newsletter/"
    assert form.select_one('input[name="csrfmiddlewaretoken"]') is not None
    assert document.select_one('label[for="id_email"]') is not None
    assert document.select_one("#id_email")["type"] == "email"
    assert document.select_one('input[name="website"]').find_parent(class_="form__trap")["aria-hidden"] == "true"
    # Under its plain name, or its hashed one once collectstatic has run (newsletter.0123456789ab.css).
    stylesheets = [link["href"] for link in document.select('link[rel="stylesheet"]')]
    assert [href for href in stylesheets if re.search(r"/css/newsletter(\.[0-9a-f]{12})?\.css$", href)]


def test_it_signs_up_and_confirms_through_the_link_in_the_email(client, signup, smtp):
    response = signup("Ada@Example.ORG")

    assert response.status_code == 302
    assert response["Location"] == "/newsletter/check-your-inbox/"
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "Ada@example.org"
    assert subscriber.confirmed_at is None
    assert subscriber.confirmation_sent_at is not None
    assert not Subscriber.objects.confirmed().exists()
    page = client.get(response["Location"])
    assert "Check your inbox" in soup(page).h1.get_text()

    [mail] = smtp.messages
    assert mail.rcpt_tos == ["Ada@example.org"]
    assert mail.message["Subject"] == "Confirm your PaperDaily subscription"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert "List-Unsubscribe" not in mail.message
    confirm_path = link_path(mail.text, "confirm")
    assert confirm_path == f"/newsletter/confirm/{subscriber.token}/"

    response = client.get(confirm_path)

    assert response.status_code == 200
    assert_safe_html(soup(response), page=True)
    assert "You are subscribed" in soup(response).h1.get_text()
    assert "Ada@example.org" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is not None
    assert list(Subscriber.objects.confirmed()) == [subscriber]


def test_it_confirms_only_once_however_often_the_link_is_opened(client):
    subscriber = Subscriber.objects.create(email="ada@example.org")
    client.get(f"/newsletter/confirm/{subscriber.token}/")
    first = Subscriber.objects.get().confirmed_at

    response = client.get(f"/newsletter/confirm/{subscriber.token}/")

    assert response.status_code == 200
    assert Subscriber.objects.get().confirmed_at == first


def test_it_answers_alike_for_a_new_and_a_subscribed_address(signup, smtp):
    confirmed("known@example.org")

    new = signup("new@example.org")
    known = signup("KNOWN@example.org")

    assert (new.status_code, new["Location"]) == (known.status_code, known["Location"])
    # The subscribed address gets no mail at all: nothing to confirm, and no one to pester.
    assert [mail.rcpt_tos for mail in smtp.messages] == [["new@example.org"]]
    assert Subscriber.objects.count() == 2


def without_csrf_token(content):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_it_gives_identical_answers_and_mails_only_from_a_task_after_the_request(
    client, smtp, django_capture_on_commit_callbacks, eager
):
    app.conf.task_always_eager = False  # as in production, for the requests (the eager fixture restores it)
    confirmed("known@example.org")
    answers, queued = [], []
    for email in ("KNOWN@example.org", "new@example.org"):
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post("/newsletter/", {"email": email, "website": ""})
        page = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], response.content, without_csrf_token(page.content)))
        # Nothing goes out while the request is answered, so its duration tells nothing.
        assert smtp.messages == []
        queued += callbacks

    assert answers[0] == answers[1]
    # The request does the same work for both (one task queued, no row written): a new
    # address's insert would otherwise make its answer measurably slower.
    assert len(queued) == 2
    assert not Subscriber.objects.filter(email="new@example.org").exists()
    app.conf.task_always_eager = True  # the worker's turn
    with django_capture_on_commit_callbacks(execute=True):  # and the confirmation mail the task queues
        for task in queued:
            task()
    assert [mail.rcpt_tos for mail in smtp.messages] == [["new@example.org"]]
    assert Subscriber.objects.filter(email="new@example.org", confirmed_at=None).exists()


def test_it_keeps_one_subscription_per_address_whatever_its_case(signup, smtp):
    signup("Ada@Example.org")
    signup("ada@example.ORG")
    signup(" ADA@EXAMPLE.ORG ")

    assert Subscriber.objects.count() == 1


def test_it_sends_no_second_confirmation_within_minutes(signup, smtp):
    signup()
    signup()
    assert len(smtp.messages) == 1

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        signup()

    assert len(smtp.messages) == 2
    assert {mail.message["Subject"] for mail in smtp.messages} == {"Confirm your PaperDaily subscription"}


def test_it_asks_an_unsubscribed_address_to_confirm_again(client, signup, smtp):
    subscriber = confirmed(unsubscribed_at=timezone.now())

    signup()

    [mail] = smtp.messages
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None  # not until the new link is opened
    client.get(link_path(mail.text, "confirm"))
    subscriber.refresh_from_db()
    assert subscriber.is_active


def test_it_keeps_the_subscription_when_the_mail_server_is_down(settings, signup, smtp):
    settings.EMAIL_PORT = closed_port()

    response = signup()

    assert response.status_code == 302
    assert Subscriber.objects.filter(email="ada@example.org").exists()
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "This field is required."),
        ("not-an-address", "Enter a valid email address."),
        ("ada@", "Enter a valid email address."),
        ("ada@example.org\nBcc: eve@example.org", "Enter a valid email address."),
        ("ada\x00@example.org", "Null characters are not allowed."),
        ("a" * 250 + "@example.org", "Ensure this value has at most 254 characters (it has 262)."),
    ],
)
def test_it_refuses_a_bad_address_with_a_clear_message(signup, smtp, email, message):
    response = signup(email)

    assert response.status_code == 200
    assert message in field_errors(response, "email")
    assert Subscriber.objects.count() == 0
    assert smtp.messages == []


def test_it_says_what_is_missing_in_an_empty_post(client):
    response = client.post("/newsletter/", {})

    assert response.status_code == 200
    assert field_errors(response, "email") == ["This field is required."]


def test_it_signs_up_no_one_when_the_honeypot_is_filled(signup, smtp):
    response = signup(website="https://spam.example")

    assert response.status_code == 200
    assert "We could not sign you up" in soup(response).select_one(".form__summary").get_text()
    assert Subscriber.objects.count() == 0
    assert smtp.messages == []


def test_it_limits_sign_ups_per_address_of_the_sender(settings, signup, smtp):
    settings.PAPERDAILY_RATE_SUBSCRIBE = "2/h"

    answers = [signup(f"reader{n}@example.org").status_code for n in range(3)]

    assert answers == [302, 302, 429]
    assert Subscriber.objects.count() == 2
    assert "a lot of requests" in soup(signup("late@example.org")).h1.get_text()


@pytest.mark.parametrize(
    "token",
    ["nope", "x" * 43, "a" * 500, "%00" * 20, "%3Cscript%3Ealert(1)%3C", "%E2%80%AE" + "b" * 40],
)
@pytest.mark.parametrize("kind", ["confirm", "unsubscribe"])
def test_it_answers_a_bad_link_with_a_friendly_404(client, kind, token):
    Subscriber.objects.create(email="ada@example.org")

    response = client.get(f"/newsletter/{kind}/{token}/")

    assert response.status_code == 404
    document = soup(response)
    assert_safe_html(document, page=True)
    assert "This newsletter link is not valid." in document.h1.get_text()
    assert document.select_one('a[href="/newsletter/"]') is not None
    assert Subscriber.objects.get().unsubscribed_at is None


def test_it_unsubscribes_at_once_with_the_link_and_offers_to_subscribe_again(client):
    subscriber = confirmed()

    response = client.get(f"/newsletter/unsubscribe/{subscriber.token}/")

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    assert "You are unsubscribed" in document.h1.get_text()
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None
    assert not Subscriber.objects.confirmed().exists()
    again = document.select_one("form.newsletter-again")
    assert again["method"] == "post"
    assert again["action"] == f"/newsletter/confirm/{subscriber.token}/"
    assert again.select_one('input[name="csrfmiddlewaretoken"]') is not None


def test_it_unsubscribes_once_however_often_the_link_is_opened(client):
    subscriber = confirmed()
    client.get(f"/newsletter/unsubscribe/{subscriber.token}/")
    first = Subscriber.objects.get().unsubscribed_at

    response = client.get(f"/newsletter/unsubscribe/{subscriber.token}/")

    assert response.status_code == 200
    assert Subscriber.objects.get().unsubscribed_at == first


def test_it_subscribes_again_with_the_button(client):
    subscriber = confirmed(unsubscribed_at=timezone.now())
    csrf_client = Client(enforce_csrf_checks=True)
    page = soup(csrf_client.get(f"/newsletter/unsubscribe/{subscriber.token}/"))
    form = page.select_one("form.newsletter-again")
    token = form.select_one('input[name="csrfmiddlewaretoken"]')["value"]

    response = csrf_client.post(form["action"], {"csrfmiddlewaretoken": token})

    assert response.status_code == 200
    assert "You are subscribed" in soup(response).h1.get_text()
    subscriber.refresh_from_db()
    assert subscriber.is_active


def test_it_refuses_the_subscribe_again_button_without_a_csrf_token(client):
    subscriber = confirmed(unsubscribed_at=timezone.now())

    response = Client(enforce_csrf_checks=True).post(f"/newsletter/confirm/{subscriber.token}/")

    assert response.status_code == 403
    subscriber.refresh_from_db()
    assert not subscriber.is_active


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_it_unsubscribes_with_the_one_click_post_of_rfc_8058(encoding):
    subscriber = confirmed()
    mail_client = Client(enforce_csrf_checks=True)  # a mail client has no CSRF token
    url = f"/newsletter/unsubscribe/{subscriber.token}/"

    if encoding == "urlencoded":
        response = mail_client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    else:
        response = mail_client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None


@pytest.mark.parametrize("body", ["", "List-Unsubscribe=Two-Clicks", "unsubscribe=yes"])
def test_it_refuses_another_post_to_the_unsubscribe_link_clearly(body):
    subscriber = confirmed()

    response = Client().post(
        f"/newsletter/unsubscribe/{subscriber.token}/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert "List-Unsubscribe=One-Click" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is None


def test_it_answers_an_unreadable_post_with_400_not_500():
    subscriber = confirmed()

    response = Client().post(
        f"/newsletter/unsubscribe/{subscriber.token}/",
        b"--x\r\nbroken",
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is None


def test_it_changes_nothing_when_a_link_checker_asks_for_the_head_only(client):
    subscriber = Subscriber.objects.create(email="ada@example.org")

    assert client.head(f"/newsletter/confirm/{subscriber.token}/").status_code == 200
    assert client.head(f"/newsletter/unsubscribe/{subscriber.token}/").status_code == 200
    assert client.head("/newsletter/unsubscribe/unknown-token-0123456789/").status_code == 404

    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None
    assert subscriber.unsubscribed_at is None


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_refuses_other_methods(client, method):
    subscriber = confirmed()

    assert getattr(client, method)(f"/newsletter/unsubscribe/{subscriber.token}/").status_code == 405
    assert getattr(client, method)("/newsletter/").status_code == 405


def test_it_shows_a_subscribe_box_on_the_home_page(client, signup, smtp):
    document = soup(client.get("/"))

    box = document.select_one("section.newsletter-box form")
    assert box["action"] == "/newsletter/"
    assert box["method"] == "post"
    assert box.select_one('input[name="csrfmiddlewaretoken"]') is not None
    assert box.select_one('input[name="email"]')["type"] == "email"
    assert box.select_one('input[name="website"]').find_parent(class_="form__trap") is not None
    assert document.select_one(f'label[for="{box.select_one("input[name=email]")["id"]}"]') is not None

    response = signup("box@example.org")

    assert response.status_code == 302
    assert smtp.recipients() == {"box@example.org": 1}


def test_it_records_the_sign_up_at_once_when_the_broker_is_down(client, django_capture_on_commit_callbacks):
    with redis_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/newsletter/", {"email": "ada@example.org", "website": ""})

    assert response.status_code == 302
    # No task could be queued and no sweeper knows of it: the row is what keeps the reader's request.
    assert Subscriber.objects.filter(email="ada@example.org", confirmed_at=None).exists()
