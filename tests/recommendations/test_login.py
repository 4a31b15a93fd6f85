import pytest
from django.contrib.auth import get_user_model
from django.test import TestCase

from recommendations.accounts.services import account_create
from tests.factories import make_recommender
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "plastic-synapses-2018"


@pytest.fixture(autouse=True)
def _redirect_home(settings):
    # The default target (/recommend/mine/) belongs to the recommend pages.
    settings.LOGIN_REDIRECT_URL = "home"


@pytest.fixture
def ada():
    return account_create(handle="Ada", email="Ada.Lovelace@example.org", password=PASSWORD)


def log_in(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def logged_in_user_id(client):
    return int(client.session["_auth_user_id"]) if "_auth_user_id" in client.session else None


def test_it_shows_the_login_form(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    assert document.select_one('label[for="id_username"]').get_text(strip=True) == "Handle or e-mail address"
    assert document.select_one("#id_password")["type"] == "password"
    assert document.select_one('main a[href="/accounts/password/reset/"]') is not None
    assert document.select_one('main a[href="/accounts/signup/"]') is not None


@pytest.mark.parametrize("identifier", ["Ada", "ada", "ADA", "ada.lovelace@example.org", "ADA.LOVELACE@EXAMPLE.ORG"])
def test_it_logs_in_by_handle_in_any_case_or_by_email(client, ada, identifier):
    response = log_in(client, identifier)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == ada.pk


def test_it_logs_in_by_handle_an_account_whose_user_name_differs(client):
    old = User.objects.create_user(username="old.editor", password=PASSWORD)
    make_recommender("OldEditor", user=old)

    log_in(client, "oldeditor")

    assert logged_in_user_id(client) == old.pk


def test_it_prefers_an_exact_user_name(client):
    exact = User.objects.create_user(username="ada", password=PASSWORD)
    User.objects.create_user(username="ADA", password=PASSWORD + "-other")

    log_in(client, "ada")

    assert logged_in_user_id(client) == exact.pk


def test_it_does_not_guess_between_two_accounts_with_one_email(client):
    User.objects.create_user(username="one", email="shared@example.org", password=PASSWORD)
    User.objects.create_user(username="two", email="Shared@example.org", password=PASSWORD)

    response = log_in(client, "shared@example.org")

    assert response.status_code == 200
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize(
    "username,password", [("Ada", "wrong-password-123"), ("nobody", PASSWORD), ("ada@example.com", PASSWORD)]
)
def test_it_refuses_a_wrong_password_or_an_unknown_person(client, ada, username, password):
    response = log_in(client, username, password)

    assert response.status_code == 200
    assert "do not match an account" in soup(response).select_one(".form__summary").get_text()
    assert logged_in_user_id(client) is None


def test_it_refuses_an_inactive_account(client, ada):
    User.objects.filter(pk=ada.pk).update(is_active=False)

    response = log_in(client, "Ada")

    assert response.status_code == 200
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize("username", ["Ad\x00a", "ada\x00@example.org", "x" * 300, "a" * 100_000])
def test_it_answers_nul_characters_and_huge_names_with_a_form_error(client, ada, username):
    response = log_in(client, username)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert logged_in_user_id(client) is None


def test_it_answers_a_nul_character_in_the_password_with_a_form_error(client, ada):
    response = log_in(client, "Ada", PASSWORD + "\x00")

    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_it_goes_to_a_safe_next_page(client, ada):
    response = log_in(client, "Ada", next="/issues/")

    assert response["Location"] == "/issues/"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_it_ignores_a_next_page_on_another_site(client, ada, next_url):
    response = log_in(client, "Ada", next=next_url)

    assert response["Location"] == "/"


def test_it_answers_429_over_the_rate_limit(client, ada, settings):
    settings.PAPERDAILY_RATE_LOGIN_IP = "3/10m"
    for _ in range(3):
        log_in(client, "Ada", "wrong-password-123")

    response = log_in(client, "Ada")

    assert response.status_code == 429
    assert "429.html" in [template.name for template in response.templates]
    assert logged_in_user_id(client) is None


def test_it_logs_out_on_post_only(client, ada):
    client.force_login(ada)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) is None


def test_it_offers_recommending_log_in_and_sign_up_in_the_header(client):
    header = soup(client.get("/issues/")).select_one(".user-nav")

    links = {a.get_text(strip=True): a["href"] for a in header.select("a")}
    assert links == {
        "Recommend a paper": "/accounts/login/?next=/recommend/",
        "Log in": "/accounts/login/?next=/issues/",
        "Sign up": "/accounts/signup/",
    }
    assert header.select_one("a")["class"] == ["user-nav__cta"]
    assert header.select_one("form") is None


def test_the_headers_recommend_link_leads_through_the_login_to_the_form(client, ada):
    header = soup(client.get("/")).select_one(".user-nav")
    login = client.get(header.select_one(".user-nav__cta")["href"])
    assert login.status_code == 200

    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD, "next": login.context["next"]})

    assert response.status_code == 302
    assert response["Location"] == "/recommend/"


def test_it_does_not_send_people_back_to_the_login_page_after_logging_in(client):
    header = soup(client.get("/accounts/login/")).select_one(".user-nav")

    log_in = next(a for a in header.select("a") if a.get_text(strip=True) == "Log in")
    assert log_in["href"] == "/accounts/login/"


def test_it_shows_the_signed_in_corner_of_the_header(client, ada):
    client.force_login(ada)

    header = soup(client.get("/issues/")).select_one(".user-nav")

    links = {a.get_text(strip=True): a["href"] for a in header.select("a")}
    assert links == {
        "Recommend a paper": "/recommend/",
        "My recommendations": "/recommend/mine/",
        "Library": "/library/",
        "Following": "/following/",
        "Digest e-mail": "/digest/",
        "Profile": "/accounts/profile/",
        "Your data": "/account/privacy/",
        "Change password": "/accounts/password/change/",
    }
    assert header.select_one(".user-menu summary").get_text(strip=True) == ada.get_username()
    form = header.select_one("form")
    assert form["action"] == "/accounts/logout/"
    assert form["method"] == "post"
    assert form.select_one('input[name="csrfmiddlewaretoken"]') is not None
    assert form.select_one("button").get_text(strip=True) == "Log out"


@pytest.fixture
def unconfirmed():
    return account_create(handle="Bea", email="bea@example.org", password=PASSWORD, confirmed=False)


def test_it_tells_the_right_password_of_an_unconfirmed_account_to_confirm_and_offers_a_new_link(
    client, unconfirmed, mailoutbox, eager, django_capture_on_commit_callbacks
):
    response = log_in(client, "bea@example.org")

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    assert "is not confirmed yet" in document.select_one(".form__summary").get_text()
    assert "do not match" not in document.get_text()
    resend = document.select_one('main form[action="/accounts/signup/resend/"]')
    assert resend.select_one("button[type=submit]") is not None
    assert logged_in_user_id(client) is None

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/accounts/signup/resend/")

    assert sent.status_code == 302
    assert sent["Location"] == "/accounts/signup/sent/"
    [message] = mailoutbox
    assert message.to == ["bea@example.org"]
    assert "/accounts/signup/confirm/" in message.body
    # Once per correct log-in: pressing again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/resend/")
    assert len(mailoutbox) == 1


def test_it_gives_a_wrong_password_of_an_unconfirmed_account_the_usual_answer(client, unconfirmed, mailoutbox, eager):
    response = log_in(client, "Bea", "wrong-password-123")

    assert "do not match an account" in soup(response).select_one(".form__summary").get_text()
    assert soup(response).select_one('form[action="/accounts/signup/resend/"]') is None
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = client.post("/accounts/signup/resend/")
    assert answer["Location"] == "/accounts/signup/sent/"
    assert mailoutbox == []


def test_it_answers_the_resend_page_on_post_only(client):
    assert client.get("/accounts/signup/resend/").status_code == 405
