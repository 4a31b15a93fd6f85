import pytest
from django.contrib.auth import get_user_model

from recommendations.accounts.services import account_create
from recommendations.models import Recommender
from tests.factories import make_recommender
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def ada_client(client):
    user = account_create(handle="Ada", email="ada@example.org", password="plastic-synapses-2018")
    client.force_login(user)
    client.recommender = user.recommender
    return client


def legacy_client(client, username):
    """Logged in as an account made before recommender profiles existed (an editor's, say)."""
    user = User.objects.create_user(username=username)
    client.force_login(user)
    client.user = user
    return client


def save(client, **fields):
    return client.post("/accounts/profile/", {"display_name": "", "bio": "", **fields})


def test_it_asks_to_log_in_first(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_it_shows_the_handle_the_public_page_and_the_form(ada_client, django_assert_max_num_queries):
    Recommender.objects.filter(pk=ada_client.recommender.pk).update(display_name="Ada L.", bio="Reads on trains.")

    with django_assert_max_num_queries(3):  # session, user, recommender
        response = ada_client.get("/accounts/profile/")

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    assert document.find("h1").get_text(strip=True) == "@Ada"
    assert document.select_one('.page-head a[href="/recommenders/Ada/"]') is not None
    assert document.select_one(".form__readonly").get_text(strip=True) == "@Ada"
    assert document.select_one('input[name="handle"]') is None
    assert document.select_one("#id_display_name")["value"] == "Ada L."
    assert document.select_one("#id_bio").get_text().strip() == "Reads on trains."
    assert document.select_one("#id_bio")["maxlength"] == "2000"
    assert document.select_one("#id_bio_hint").get_text(" ", strip=True) == "1984 characters left of 2000."
    assert document.select_one('main a[href="/accounts/password/change/"]') is not None


def test_it_saves_the_display_name_and_the_bio(ada_client):
    response = save(ada_client, display_name="  Ada Lovelace ", bio="Reads about\r\nplasticity. 🧠")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    ada_client.recommender.refresh_from_db()
    assert ada_client.recommender.display_name == "Ada Lovelace"
    assert ada_client.recommender.bio == "Reads about\nplasticity. 🧠"
    assert ada_client.recommender.handle == "Ada"
    assert "Your profile is saved." in ada_client.get(response["Location"]).content.decode()


def test_it_ignores_an_attempt_to_change_the_handle(ada_client):
    save(ada_client, handle="Mallory", display_name="Ada")

    ada_client.recommender.refresh_from_db()
    assert ada_client.recommender.handle == "Ada"


def test_it_counts_a_line_break_as_one_character(ada_client):
    bio = ("x" * 99 + "\r\n") * 20  # 2,000 characters as the browser counts them

    response = save(ada_client, bio=bio)

    assert response.status_code == 302
    ada_client.recommender.refresh_from_db()
    assert len(ada_client.recommender.bio) == 1999  # the last line break is stripped


def test_it_refuses_a_bio_over_2000_characters(ada_client):
    response = save(ada_client, bio="x" * 2001)

    assert response.status_code == 200
    assert soup(response).select("#id_bio_error li")
    assert soup(response).select_one("#id_bio_hint").get_text(" ", strip=True) == "0 characters left of 2000."


@pytest.mark.parametrize(
    "field,value",
    [
        ("display_name", "Ada\x00"),
        ("display_name", "Ada\x07"),
        ("display_name", "Ada\nLovelace"),
        ("display_name", "\u202eecalevoL adA"),
        ("display_name", "A" * 101),
        ("bio", "nul\x00"),
        ("bio", "bell\x1b[31m"),
        ("bio", "\u2066isolated\u2069"),
    ],
)
def test_it_refuses_control_characters_and_overlong_names(ada_client, field, value):
    response = save(ada_client, **{field: value})

    assert response.status_code == 200
    assert soup(response).select(f"#id_{field}_error li")
    ada_client.recommender.refresh_from_db()
    assert ada_client.recommender.display_name == ""
    assert ada_client.recommender.bio == ""


def test_it_makes_a_profile_from_a_valid_free_user_name_on_the_first_visit(client):
    client = legacy_client(client, "grace")

    response = client.get("/accounts/profile/")

    assert response.status_code == 200
    assert soup(response).find("h1").get_text(strip=True) == "@grace"
    assert Recommender.objects.get().user == client.user


def test_it_asks_for_a_handle_when_the_user_name_cannot_be_one(client):
    client = legacy_client(client, "grace.hopper@example.org")

    response = client.get("/accounts/profile/")

    assert response.status_code == 200
    assert soup(response).find("h1").get_text(strip=True) == "Choose your handle"
    assert soup(response).select_one('input[name="handle"]') is not None
    assert Recommender.objects.count() == 0


def test_it_asks_for_a_handle_when_the_user_name_is_taken_as_a_handle(client):
    make_recommender("Grace")  # from the seed data, without a login
    client = legacy_client(client, "grace")

    response = client.get("/accounts/profile/")

    assert soup(response).find("h1").get_text(strip=True) == "Choose your handle"
    assert list(Recommender.objects.values_list("handle", "user")) == [("Grace", None)]


def test_it_makes_the_profile_from_the_picked_handle(client):
    client = legacy_client(client, "grace.hopper@example.org")

    response = client.post("/accounts/profile/", {"handle": "GraceHopper"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert Recommender.objects.get(handle="GraceHopper").user == client.user
    assert soup(client.get("/accounts/profile/")).find("h1").get_text(strip=True) == "@GraceHopper"


@pytest.mark.parametrize("handle", ["grace", "GRACE", "Editor", "g", "grace\u200f", "grace\x00", ""])
def test_it_refuses_a_taken_or_malformed_picked_handle(client, handle):
    make_recommender("Grace")
    User.objects.create_user(username="editor")
    client = legacy_client(client, "grace.hopper@example.org")

    response = client.post("/accounts/profile/", {"handle": handle})

    assert response.status_code == 200
    assert soup(response).select("#id_handle_error li")
    assert not Recommender.objects.filter(user=client.user).exists()
