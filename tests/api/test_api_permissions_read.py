"""Everyone reads the same public data through the API: drafts and unpublished work never leak."""

import json

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from papers.models import Tag
from recommendations.models import Recommendation
from tests.factories import make_entry, make_issue, make_paper, make_recommendation, make_recommender, make_tag

pytestmark = pytest.mark.django_db

HIDDEN = ["Draft-only paper", "Accepted paper", "Rejected paper", "proposed-topic", "silent-sam", "Secret write-up"]


@pytest.fixture
def world(django_user_model):
    """Published issue 1; draft issue 2; an accepted and a rejected recommendation; a proposed topic.
    Returns the public paper and the users who read."""
    public = make_paper("Public paper")
    person = make_recommender("alice")
    make_entry(make_issue(1), paper=public, recommender=person)
    proposed = make_tag("Proposed topic", slug="proposed-topic")
    Tag.objects.filter(pk=proposed.pk).update(approved=False)
    silent = make_recommender("silent-sam")
    make_entry(
        make_issue(2, published=False),
        paper=make_paper("Draft-only paper"),
        recommender=silent,
        tag=proposed,
        writeup="Secret write-up",
    )
    # Alice's own work in progress, on the paper that is public through her published recommendation.
    make_entry(make_issue(3, published=False), paper=make_paper("Accepted paper"), recommender=person)
    make_recommendation(paper=make_paper("Rejected paper"), recommender=silent, status=Recommendation.Status.REJECTED)
    accepted = Recommendation.Status.ACCEPTED
    make_recommendation(paper=public, recommender=silent, status=accepted, writeup="Secret write-up")

    users = {
        "recommender": django_user_model.objects.create_user(username="alice"),
        "editor": django_user_model.objects.create_user(username="editor", is_staff=True),
        "superuser": django_user_model.objects.create_superuser(username="root", password="x"),
    }
    person.user = users["recommender"]
    person.save()
    users["editor"].groups.add(Group.objects.get(name="Editors"))
    return public, users


def reading_urls(public):
    return [
        "/api/",
        "/api/issues/",
        "/api/issues/1/",
        "/api/papers/",
        f"/api/papers/{public.pk}/",
        "/api/tags/",
        "/api/areas/",
        "/api/recommenders/",
        "/api/recommenders/alice/",
        "/api/search/?q=paper",
        "/api/search/?q=secret",
    ]


def everything_read_by(client, urls):
    answers = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        answers[url] = response.json()
    return answers


def test_it_shows_the_same_public_data_to_everyone(world):
    public, users = world
    urls = reading_urls(public)
    anonymous = everything_read_by(APIClient(), urls)

    for user in users.values():
        client = APIClient()
        client.force_login(user)
        assert everything_read_by(client, urls) == anonymous

    text = json.dumps(anonymous)
    for hidden in HIDDEN:
        assert hidden not in text
    assert "Public paper" in text


@pytest.mark.parametrize("who", ["anonymous", "recommender", "editor", "superuser"])
def test_it_answers_404_for_what_is_not_published_whoever_asks(world, who):
    public, users = world
    client = APIClient()
    if who != "anonymous":
        client.force_login(users[who])
    hidden_paper_ids = Recommendation.objects.exclude(paper=public).values_list("paper_id", flat=True)
    urls = [
        "/api/issues/2/",
        "/api/issues/3/",
        "/api/tags/proposed-topic/",
        "/api/recommenders/silent-sam/",
        *(f"/api/papers/{pk}/" for pk in hidden_paper_ids),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/papers/?issue=2").json()["count"] == 0
    assert client.get("/api/papers/?tag=proposed-topic").json()["count"] == 0
