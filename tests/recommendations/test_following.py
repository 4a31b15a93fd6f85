"""Following topics and recommenders (issue 18, item 1): a button on their pages, a private list."""

import threading

import pytest
from django.db import connection
from django.test import Client

from papers.models import Tag
from recommendations.following import services
from recommendations.models import Follow
from tests.factories import make_entry, make_issue, make_recommender, make_tag
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    tag = make_tag("Object Detection", slug="object-detection")
    make_entry(make_issue(128), tag=tag, recommender=make_recommender("QAQ"))
    return tag


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("reader", "reader@example.org", "reader-password-1")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_signed_out_reader_is_offered_to_log_in_and_come_back(client, topic):
    page = soup(client.get("/tags/object-detection/"))

    link = page.select_one(".page-head .follow-button")
    assert link.name == "a" and link["href"] == "/accounts/login/?next=/tags/object-detection/"
    assert page.select_one(".follow-form") is None


def test_a_reader_follows_and_unfollows_a_topic(reader, topic):
    client = signed_in(reader)

    response = client.post(
        "/following/topic/object-detection/", {"action": "follow", "next": "/tags/object-detection/"}
    )
    assert response.status_code == 302 and response["Location"] == "/tags/object-detection/"
    assert Follow.objects.filter(user=reader, tag=topic).count() == 1
    button = soup(client.get("/tags/object-detection/")).select_one(".follow-form button")
    assert (button["value"], button["aria-pressed"]) == ("unfollow", "true")
    assert "#Object Detection" in soup(client.get("/following/")).select_one(".following__list").get_text()

    client.post("/following/topic/object-detection/", {"action": "unfollow"})

    assert not Follow.objects.filter(user=reader).exists()
    button = soup(client.get("/tags/object-detection/")).select_one(".follow-form button")
    assert (button["value"], button["aria-pressed"]) == ("follow", "false")


def test_a_reader_follows_a_recommender_from_their_page(reader, topic):
    client = signed_in(reader)
    assert soup(client.get("/recommenders/QAQ/")).select_one(".page-head .follow-form button")["value"] == "follow"

    client.post("/following/recommender/qaq/", {"action": "follow"})

    assert Follow.objects.get(user=reader).recommender.handle == "QAQ"
    assert "@QAQ" in soup(client.get("/following/")).select_one("#following-recommenders").find_parent().get_text()


def test_a_double_click_makes_one_row(reader, topic):
    client = signed_in(reader)

    for _ in range(3):
        client.post("/following/topic/object-detection/", {"action": "follow"})

    assert Follow.objects.filter(user=reader).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_tabs_following_at_once_make_one_row(django_user_model):
    tag = make_tag("Object Detection", slug="object-detection")
    user = django_user_model.objects.create_user("reader", "reader@example.org", "reader-password-1")
    barrier, errors = threading.Barrier(6), []

    def press():
        try:
            barrier.wait()
            services.follow(user=user, kind=Follow.Kind.TOPIC, target=tag)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Follow.objects.filter(user=user, tag=tag).count() == 1


def test_what_one_follows_is_nobody_elses_business(reader, topic, django_user_model):
    services.follow(user=reader, kind=Follow.Kind.TOPIC, target=topic)
    other = django_user_model.objects.create_user("other", "other@example.org", "other-password-1")

    assert Client().get("/following/").status_code == 302  # to the login page
    page = soup(signed_in(other).get("/following/"))
    assert page.select_one(".following__list") is None
    assert "Object Detection" not in page.select_one("main").get_text()
    assert soup(signed_in(other).get("/tags/object-detection/")).select_one(".follow-form button")["value"] == "follow"


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("/following/topic/no-such-topic/", {"action": "follow"}, 404),
        ("/following/paper/object-detection/", {"action": "follow"}, 404),
        ("/following/recommender/nobody-here/", {"action": "follow"}, 404),
        ("/following/topic/object-detection/", {"action": "like"}, 400),
        ("/following/topic/object-detection/", {}, 400),
    ],
)
def test_bad_requests_get_a_clear_answer_and_change_nothing(reader, topic, path, data, status):
    response = signed_in(reader).post(path, data)

    assert response.status_code == status
    assert not Follow.objects.exists()


def test_a_proposed_topic_cannot_be_followed(reader):
    Tag.objects.create(name="Proposal", slug="proposal", area=make_tag().area, approved=False)

    assert signed_in(reader).post("/following/topic/proposal/", {"action": "follow"}).status_code == 404


def test_it_never_sends_the_reader_to_another_site(reader, topic):
    response = signed_in(reader).post(
        "/following/topic/object-detection/", {"action": "follow", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/tags/object-detection/"


def test_following_is_a_post_only_and_signed_in_action(client, topic):
    assert client.get("/following/topic/object-detection/").status_code == 405
    response = client.post("/following/topic/object-detection/", {"action": "follow"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Follow.objects.exists()
