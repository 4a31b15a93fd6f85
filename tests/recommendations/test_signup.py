import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, TestCase

from paperdaily.celery import app
from recommendations.accounts import forms as account_forms
from recommendations.accounts import services as accounts
from recommendations.accounts.services import HANDLE_TAKEN, account_create
from recommendations.models import Recommender
from tests.factories import make_recommender
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "plastic-synapses-2018"


@pytest.fixture(autouse=True)
def _redirect_home(settings):
    # The default target (/recommend/mine/) belongs to the recommend pages.
    settings.LOGIN_REDIRECT_URL = "home"
    settings.PAPERDAILY_SITE_URL = "https://paperdaily.example/"


def links_in(message):
    return re.findall(r"\w+://\S+", message.body)


def confirm_path(message):
    [link] = [link for link in links_in(message) if "/accounts/signup/confirm/" in link]
    assert link.startswith("https://paperdaily.example/accounts/signup/confirm/")
    return link.removeprefix("https://paperdaily.example")


def without_csrf_token(content):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def signup(client, **fields):
    data = {"handle": "Ada", "email": "ada@example.org", "password": PASSWORD, "password2": PASSWORD}
    data.update(fields)
    return client.post("/accounts/signup/", {key: value for key, value in data.items() if value is not None})


def signup_and_confirm(client, **fields):
    """Sign up, open the link mailed, type the password and press the button, as a person would; the last answer."""
    from django.core import mail

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = signup(client, **fields)
    assert response["Location"] == "/accounts/signup/sent/"
    link = confirm_path(mail.outbox[-1])
    return confirm(client, link, password=fields.get("password", PASSWORD))


def confirm(client, link, *, password):
    """Open a confirmation link and submit its form with ``password``; the answer."""
    form = soup(client.get(link)).select_one("main form")
    data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    return client.post(link, {**data, "password": password})


def field_errors(response, name):
    return [li.get_text(" ", strip=True) for li in soup(response).select(f"#id_{name}_error li")]


def assert_nothing_created():
    assert User.objects.count() == 0
    assert Recommender.objects.count() == 0


def test_it_shows_the_signup_form(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/accounts/signup/")

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    form = document.select_one("main form.form")
    assert form["method"] == "post"
    assert form.select_one('input[name="csrfmiddlewaretoken"]') is not None
    for name in ("handle", "email", "password", "password2"):
        assert document.select_one(f'label[for="id_{name}"]') is not None, name
    assert document.select_one("#id_password")["type"] == "password"
    assert "#id_handle_helptext" in "#" + document.select_one("#id_handle")["aria-describedby"]


def test_it_hides_the_honeypot_from_people(client):
    trap = soup(client.get("/accounts/signup/")).select_one('input[name="website"]')

    assert trap["tabindex"] == "-1"
    assert trap["autocomplete"] == "off"
    assert trap.find_parent(class_="form__trap")["aria-hidden"] == "true"


def test_it_creates_an_account_with_its_recommender_and_logs_in_once_confirmed(client, eager, mailoutbox):
    response = signup_and_confirm(client, email="Ada@Example.ORG")

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get()
    assert user.username == "Ada"
    assert user.email == "Ada@example.org"
    assert user.is_active
    assert user.check_password(PASSWORD)
    assert user.recommender.handle == "Ada"
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "@Ada" in client.get("/").content.decode()


def test_it_goes_to_a_safe_next_page_after_confirming(client, eager, mailoutbox):
    response = signup_and_confirm(client, next="/issues/?page=2")

    assert response["Location"] == "/issues/?page=2"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "\x01//evil.example", "/" * 3000]
)
def test_it_ignores_a_next_page_on_another_site(client, eager, mailoutbox, next_url):
    response = signup_and_confirm(client, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["+", "issues", "recommendations:mine"])
def test_it_treats_a_bare_word_next_page_as_a_relative_url(client, next_url):
    response = signup(client, next=next_url)

    assert response.status_code == 302
    assert User.objects.count() == 1


def test_it_keeps_a_next_page_with_a_nul_character_on_this_site(client, eager, mailoutbox):
    response = signup_and_confirm(client, next="/\x00")

    assert response.status_code == 302
    assert response["Location"] == "/%00"


def test_it_carries_a_safe_next_page_through_the_form(client):
    document = soup(client.get("/accounts/signup/?next=/issues/"))

    assert document.select_one('form.form input[name="next"]')["value"] == "/issues/"
    assert document.select_one(".form__aside a")["href"] == "/accounts/login/?next=/issues/"


def test_it_sends_a_signed_in_person_on(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="reader"))

    response = signup(client, handle="Other", email="other@example.org")

    assert response.status_code == 302
    assert User.objects.count() == 1


@pytest.mark.parametrize("taken", ["ada", "ADA", "aDa"])
def test_it_refuses_a_handle_taken_in_another_case(client, taken):
    make_recommender(taken)

    response = signup(client, handle="Ada")

    assert response.status_code == 200
    assert field_errors(response, "handle") == ["This handle is taken. Please choose another one."]
    assert User.objects.count() == 0


def test_it_refuses_a_handle_that_is_someone_elses_user_name(client):
    User.objects.create_user(username="Editor")  # an editor's login, without a recommender

    response = signup(client, handle="editor")

    assert field_errors(response, "handle") == ["This handle is taken. Please choose another one."]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "handle",
    [
        "a",
        "x" * 31,
        "x" * 100_000,
        "ada\u200f",  # right-to-left mark
        "\u202eada",  # right-to-left override
        "ad\u200ba",  # zero-width space
        "ad a",
        "adä",
        "ada😀",
        "ad\na",
        "ada.lovelace",
        "ada@example",
    ],
)
def test_it_refuses_a_malformed_handle(client, handle):
    response = signup(client, handle=handle)

    assert response.status_code == 200
    assert field_errors(response, "handle")
    assert_nothing_created()


@pytest.mark.parametrize(
    "email", ["not-an-email", "ada@", "@example.org", "ada lovelace@example.org", "a" * 250 + "@x.org"]
)
def test_it_refuses_a_malformed_email(client, email):
    response = signup(client, email=email)

    assert response.status_code == 200
    assert field_errors(response, "email")
    assert_nothing_created()


@pytest.mark.parametrize("password", ["password", "12345678901", "short1!", "ada.lovelace.org"])
def test_it_refuses_a_weak_password(client, password):
    response = signup(
        client, handle="adalovelace", email="ada.lovelace@example.org", password=password, password2=password
    )

    assert response.status_code == 200
    assert field_errors(response, "password")
    assert_nothing_created()


def test_it_refuses_passwords_that_differ(client):
    response = signup(client, password2=PASSWORD + "x")

    assert field_errors(response, "password2") == ["The two password fields didn’t match."]
    assert_nothing_created()


def test_it_never_shows_the_password_again(client):
    response = signup(client, password2="something else entirely")

    assert PASSWORD not in response.content.decode()


def test_it_creates_nothing_when_the_honeypot_is_filled(client):
    response = signup(client, website="https://cheap-pills.example")

    assert response.status_code == 200
    document = soup(response)
    assert "We could not create your account" in document.select_one(".form__summary").get_text()
    assert document.select_one('input[name="website"]')["value"] == ""
    assert_nothing_created()


@pytest.mark.parametrize("field", ["handle", "email", "password", "password2", "website"])
def test_it_answers_a_nul_character_in_any_field_with_a_form_error(client, field):
    value = {"handle": "Ada", "email": "ada@example.org", "password": PASSWORD, "password2": PASSWORD, "website": ""}
    value = value[field][:2] + "\x00" + value[field][2:]

    response = signup(client, **{field: value})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert_nothing_created()


@pytest.mark.parametrize("field", ["handle", "email", "password", "password2"])
def test_it_requires_every_field(client, field):
    response = signup(client, **{field: None})

    assert response.status_code == 200
    assert field_errors(response, field) == ["This field is required."]
    assert_nothing_created()


def test_it_answers_an_empty_post_with_every_required_field_marked(client):
    response = client.post("/accounts/signup/", {})

    assert response.status_code == 200
    for name in ("handle", "email", "password", "password2"):
        assert field_errors(response, name) == ["This field is required."], name
    assert_nothing_created()


def test_it_answers_429_over_the_rate_limit_and_creates_nothing_more(client, settings):
    settings.PAPERDAILY_RATE_SIGNUP_IP = "2/h"
    signup(client, handle="First", email="first@example.org")
    client.logout()
    signup(client, handle="Second", email="second@example.org")
    client.logout()

    response = signup(client, handle="Third", email="third@example.org")

    assert response.status_code == 429
    assert "429.html" in [template.name for template in response.templates]
    assert sorted(User.objects.values_list("username", flat=True)) == ["First", "Second"]


def test_it_lets_reading_the_form_cost_nothing(client, settings):
    settings.PAPERDAILY_RATE_SIGNUP_IP = "1/h"

    for _ in range(3):
        assert client.get("/accounts/signup/").status_code == 200


def test_it_rechecks_the_handle_when_it_is_taken_after_the_form_was_checked(client, monkeypatch):
    make_recommender("ada")
    monkeypatch.setattr(account_forms, "handle_is_taken", lambda handle: False)

    response = signup(client)

    assert field_errors(response, "handle") == ["This handle is taken. Please choose another one."]
    assert User.objects.count() == 0


def test_it_turns_a_constraint_violation_into_a_field_error(client, monkeypatch):
    # As if another sign-up wrote "ada" between every check and the insert.
    make_recommender("ada")
    monkeypatch.setattr(account_forms, "handle_is_taken", lambda handle: False)
    monkeypatch.setattr(accounts, "handle_is_taken", lambda handle: False)

    response = signup(client)

    assert response.status_code == 200
    assert field_errors(response, "handle") == ["This handle is taken. Please choose another one."]
    assert User.objects.count() == 0
    assert list(Recommender.objects.values_list("handle", flat=True)) == ["ada"]


def sign_up_at_once(*signups):
    """Run ``account_create`` for each (handle, e-mail) in its own thread and connection, all at once."""
    barrier = threading.Barrier(len(signups))
    outcomes = []

    def sign_up(handle, email):
        try:
            barrier.wait()
            account_create(handle=handle, email=email, password=PASSWORD)
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(sorted(error.message_dict))
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=signup) for signup in signups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes, key=str)


@pytest.mark.django_db(transaction=True)
def test_it_gives_a_handle_to_only_one_of_two_simultaneous_signups():
    outcomes = sign_up_at_once(("Ada", "ada@example.org"), ("ADA", "ada2@example.org"))

    assert outcomes == [["handle"], "created"]
    assert User.objects.count() == 1
    assert Recommender.objects.get().user == User.objects.get()


@pytest.mark.django_db(transaction=True)
def test_it_gives_an_email_address_to_only_one_of_two_simultaneous_signups():
    outcomes = sign_up_at_once(("Ada", "ada@example.org"), ("Lovelace", "ADA@example.org"))

    assert outcomes == [["email"], "created"]
    assert User.objects.count() == 1


def test_it_validates_in_the_service_too():
    with pytest.raises(ValidationError) as raised:
        account_create(handle="a\x00", email="nul\x00@example.org", password="123")

    assert sorted(raised.value.message_dict) == ["email", "handle", "password"]
    assert_nothing_created()


def test_it_answers_alike_for_a_new_and_a_known_address_and_mails_from_a_task(
    client, mailoutbox, django_capture_on_commit_callbacks, eager
):
    app.conf.task_always_eager = False  # as in production, for the requests (the eager fixture restores it)
    User.objects.create_user(username="someone", email="ada@example.org", password=PASSWORD)
    answers, queued = [], []
    for handle, email in [("Lovelace", "ADA@example.org"), ("Bea", "bea@example.org")]:
        with django_capture_on_commit_callbacks() as callbacks:
            response = signup(client, handle=handle, email=email)
        page = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], response.content, without_csrf_token(page.content)))
        # Nothing goes out while the request is answered, so its duration tells nothing.
        assert mailoutbox == []
        assert len(callbacks) == 1
        queued += callbacks

    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, "/accounts/signup/sent/")
    assert "Check your inbox" in answers[0][3].decode()
    assert_safe_html(soup(client.get("/accounts/signup/sent/")), page=True)
    # Nothing is made for the known address, and no one is logged in.
    assert sorted(User.objects.values_list("username", flat=True)) == ["Bea", "someone"]
    assert "_auth_user_id" not in client.session

    app.conf.task_always_eager = True  # the worker's turn
    for task in queued:
        task()
    tried, welcome = mailoutbox
    assert tried.to == ["ada@example.org"]
    assert links_in(tried) == [
        "https://paperdaily.example/accounts/login/",
        "https://paperdaily.example/accounts/password/reset/",
    ]
    assert "someone tried to sign up" in tried.body.lower()
    assert welcome.to == ["bea@example.org"]
    assert confirm_path(welcome)


def test_it_logs_in_once_the_address_is_confirmed_with_the_link(client, mailoutbox, eager):
    with TestCase.captureOnCommitCallbacks(execute=True):
        signup(client, email="Ada@Example.ORG", next="/issues/?page=2")
    user = User.objects.get()
    assert not user.is_active
    assert user.recommender.handle == "Ada"
    [message] = mailoutbox
    assert message.to == ["Ada@example.org"]
    link = confirm_path(message)

    page = client.get(link)
    assert page.status_code == 200
    assert_safe_html(soup(page), page=True)
    assert soup(page).select_one("main form button[type=submit]") is not None
    assert "_auth_user_id" not in client.session  # opening the link (a mail scanner, say) does not log in
    next_url = soup(page).select_one('main form input[name="next"]')["value"]
    response = client.post(link, {"next": next_url, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/issues/?page=2"
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk
    again = Client().get(link)
    assert "This link does not work any more" in again.content.decode()


@pytest.mark.parametrize("host", ["localhost:1", "127.0.0.1:8000"])
def test_it_builds_the_links_from_the_site_url_whatever_the_host_of_the_request(client, mailoutbox, eager, host):
    User.objects.create_user(username="someone", email="ada@example.org")
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {"handle": "Bea", "email": "bea@example.org", "password": PASSWORD, "password2": PASSWORD},
            HTTP_HOST=host,
        )
        client.post(
            "/accounts/signup/",
            {"handle": "Ada", "email": "ada@example.org", "password": PASSWORD, "password2": PASSWORD},
            HTTP_HOST=host,
        )

    assert len(mailoutbox) == 2
    for message in mailoutbox:
        assert host not in message.body
        assert links_in(message)
        assert all(link.startswith("https://paperdaily.example/") for link in links_in(message))


@pytest.mark.parametrize("path", ["MQ/made-up-token/", "%00/x/", "not-base64!/x/", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5/x-y/"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_answers_a_bad_confirmation_link_with_a_friendly_page(client, path, method):
    User.objects.create_user(username="someone", email="ada@example.org", is_active=False)

    response = getattr(client, method)("/accounts/signup/confirm/" + path)

    assert response.status_code == 200
    assert "This link does not work any more" in response.content.decode()
    assert not User.objects.get().is_active
    assert "_auth_user_id" not in client.session


def test_it_limits_sign_ups_per_address_so_no_one_can_flood_its_owner(client, settings, mailoutbox, eager):
    settings.PAPERDAILY_RATE_SIGNUP_EMAIL = "2/h"
    User.objects.create_user(username="someone", email="ada@example.org")
    answers = []
    for handle, email in [("Bea", "ada@example.org"), ("Cleo", " ADA@example.org"), ("Dora", "Ada@Example.org")]:
        with TestCase.captureOnCommitCallbacks(execute=True):
            answers.append(signup(Client(REMOTE_ADDR=f"10.0.0.{len(answers) + 1}"), handle=handle, email=email))

    assert [response.status_code for response in answers] == [302, 302, 429]
    assert len(mailoutbox) == 2


def test_it_asks_for_the_password_chosen_at_sign_up_before_confirming(client, mailoutbox, eager):
    with TestCase.captureOnCommitCallbacks(execute=True):
        signup(client)
    [message] = mailoutbox
    assert "password you chose" in message.body
    link = confirm_path(message)
    page = soup(client.get(link))
    assert page.select_one('main form input[name="password"]')["type"] == "password"

    refused = client.post(link, {"password": "not-the-password-42"})

    assert refused.status_code == 200
    assert field_errors(refused, "password") == ["This is not the password chosen when signing up."]
    assert_safe_html(soup(refused), page=True)
    assert not User.objects.get().is_active
    assert "_auth_user_id" not in client.session
    # The link is not spent by a wrong password: the right one still confirms.
    assert client.post(link, {"password": PASSWORD})["Location"] == "/"
    assert User.objects.get().is_active


@pytest.mark.parametrize("password", [None, "", "\x00", "x" * 5000])
def test_it_answers_a_missing_or_odd_confirmation_password_with_a_form_error(client, mailoutbox, eager, password):
    with TestCase.captureOnCommitCallbacks(execute=True):
        signup(client)
    link = confirm_path(mailoutbox[0])

    response = client.post(link, {} if password is None else {"password": password})

    assert response.status_code == 200
    assert field_errors(response, "password")
    assert not User.objects.get().is_active


def test_it_limits_confirmation_tries_like_log_ins(client, mailoutbox, eager, settings):
    settings.PAPERDAILY_RATE_LOGIN_IP = "2/h"
    with TestCase.captureOnCommitCallbacks(execute=True):
        signup(client)
    link = confirm_path(mailoutbox[0])

    answers = [client.post(link, {"password": guess}).status_code for guess in ["guess-one-1", "guess-two-2", PASSWORD]]

    assert answers == [200, 200, 429]
    assert not User.objects.get().is_active


def test_it_lets_the_owner_of_the_address_take_over_an_account_signed_up_by_someone_else(mailoutbox, eager):
    attacker, victim = Client(), Client(REMOTE_ADDR="10.0.0.9")
    with TestCase.captureOnCommitCallbacks(execute=True):
        signup(
            attacker,
            handle="Mallory",
            email="ada@example.org",
            password="hunter-gatherer-77",
            password2="hunter-gatherer-77",
        )
    [first] = mailoutbox
    old_link = confirm_path(first)

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = signup(victim, handle="Ada", email="ADA@example.org", password=PASSWORD)

    assert response["Location"] == "/accounts/signup/sent/"
    user = User.objects.get()
    assert user.username == "Ada"
    assert user.recommender.handle == "Ada"
    assert Recommender.objects.count() == 1
    assert user.check_password(PASSWORD)
    assert not user.check_password("hunter-gatherer-77")
    assert not user.is_active
    # The first link is dead: the token holds the old password's hash.
    assert "This link does not work any more" in victim.get(old_link).content.decode()
    [_, fresh] = mailoutbox
    assert fresh.to == ["ada@example.org"]
    assert "Hello @Ada" in fresh.body
    assert confirm(victim, confirm_path(fresh), password="hunter-gatherer-77").status_code == 200
    assert not User.objects.get().is_active
    assert confirm(victim, confirm_path(fresh), password=PASSWORD)["Location"] == "/"
    assert int(victim.session["_auth_user_id"]) == user.pk
    # The handle the first sign-up took is free again.
    assert not accounts.handle_is_taken("Mallory")


def test_it_keeps_the_handle_of_an_unconfirmed_account_when_the_new_one_is_taken_meanwhile(
    client, mailoutbox, eager, monkeypatch
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        signup(client, handle="Mallory", password="hunter-gatherer-77", password2="hunter-gatherer-77")
    make_recommender("Bea")
    # The form saw "Bea" free; the service, under its lock, sees it taken.
    monkeypatch.setattr(account_forms, "handle_is_taken", lambda handle: False)

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = signup(Client(REMOTE_ADDR="10.0.0.9"), handle="Bea")

    assert response["Location"] == "/accounts/signup/sent/"
    user = User.objects.get()
    assert user.username == "Mallory"
    assert user.recommender.handle == "Mallory"
    assert user.check_password(PASSWORD)
    assert "Hello @Mallory" in mailoutbox[-1].body


def test_it_answers_an_unconfirmed_address_like_any_other(
    client, mailoutbox, django_capture_on_commit_callbacks, eager
):
    app.conf.task_always_eager = False  # as in production, for the requests (the eager fixture restores it)
    User.objects.create_user(username="someone", email="known@example.org", password=PASSWORD)
    account_create(handle="Pending", email="pending@example.org", password=PASSWORD, confirmed=False)
    answers = []
    for handle, email in [("Ada", "known@example.org"), ("Bea", "pending@example.org"), ("Cleo", "new@example.org")]:
        with django_capture_on_commit_callbacks() as callbacks:
            response = signup(Client(), handle=handle, email=email)
        answers.append((response.status_code, response["Location"], response.content))
        assert len(callbacks) == 1
        assert mailoutbox == []

    assert answers[0] == answers[1] == answers[2]


def test_it_lets_a_person_sign_up_again_with_the_handle_of_their_own_unconfirmed_account(mailoutbox, eager):
    # The first mail was lost: the same handle and address again must give a fresh link, not "handle taken".
    client = Client()
    with TestCase.captureOnCommitCallbacks(execute=True):
        signup(client, password="first-try-password-9", password2="first-try-password-9")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = signup(client, handle="ada", email="Ada@Example.org")

    assert response.status_code == 302, field_errors(response, "handle")
    assert response["Location"] == "/accounts/signup/sent/"
    assert User.objects.count() == 1
    [_, fresh] = mailoutbox
    assert confirm(client, confirm_path(fresh), password=PASSWORD).status_code == 302
    assert User.objects.get().is_active


def test_it_still_refuses_the_handle_of_an_unconfirmed_account_to_another_address(mailoutbox, eager):
    with TestCase.captureOnCommitCallbacks(execute=True):
        signup(Client())

    response = signup(Client(REMOTE_ADDR="10.0.0.9"), email="someone-else@example.org")

    assert response.status_code == 200
    assert field_errors(response, "handle") == [str(HANDLE_TAKEN)]


def test_it_shows_the_confirmation_page_to_a_visitor_who_is_not_logged_in_yet(client, mailoutbox, eager):
    # The page names the account being confirmed; its header must still offer to log in, not that account's menu.
    with TestCase.captureOnCommitCallbacks(execute=True):
        signup(client)
    link = confirm_path(mailoutbox[0])

    for response in (client.get(link), client.post(link, {"password": "not-the-password-42"})):
        page = soup(response)
        assert "@Ada" in page.select_one("main").get_text()
        assert page.select_one('header a[href^="/accounts/login/"]') is not None
        assert page.select_one("header .user-nav__logout") is None
