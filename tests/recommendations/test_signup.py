import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection

from recommendations import account_forms, accounts
from recommendations.accounts import account_create
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


def signup(client, **fields):
    data = {"handle": "Ada", "email": "ada@example.org", "password": PASSWORD, "password2": PASSWORD}
    data.update(fields)
    return client.post("/accounts/signup/", {key: value for key, value in data.items() if value is not None})


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


def test_it_creates_an_account_with_its_recommender_and_logs_in(client):
    response = signup(client, email="Ada@Example.ORG")

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get()
    assert user.username == "Ada"
    assert user.email == "Ada@example.org"
    assert user.check_password(PASSWORD)
    assert user.recommender.handle == "Ada"
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "@Ada" in client.get("/").content.decode()


def test_it_goes_to_a_safe_next_page_after_signing_up(client):
    response = signup(client, next="/issues/?page=2")

    assert response["Location"] == "/issues/?page=2"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "\x01//evil.example", "/" * 3000]
)
def test_it_ignores_a_next_page_on_another_site(client, next_url):
    response = signup(client, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["+", "issues", "recommendations:mine"])
def test_it_treats_a_bare_word_next_page_as_a_relative_url(client, next_url):
    response = signup(client, next=next_url)

    assert response.status_code == 302
    assert User.objects.count() == 1


def test_it_keeps_a_next_page_with_a_nul_character_on_this_site(client):
    response = signup(client, next="/\x00")

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


def test_it_refuses_an_email_already_used_and_offers_to_log_in_or_reset(client):
    User.objects.create_user(username="someone", email="ada@example.org")

    response = signup(client, email="ADA@example.org")

    errors = soup(response).select_one("#id_email_error")
    assert errors.get_text(" ", strip=True).startswith("An account with this e-mail address already exists")
    assert [a["href"] for a in errors.select("a")] == ["/accounts/login/", "/accounts/password/reset/"]
    assert User.objects.count() == 1


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
