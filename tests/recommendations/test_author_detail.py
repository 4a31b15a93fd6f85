"""Author pages and following authors (issue 18, item 1)."""

import pytest
from django.test import Client

from recommendations.models import Follow
from tests.factories import make_entry, make_issue, make_paper, make_recommendation
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db


@pytest.fixture
def law():
    paper = make_paper("CornerNet: Detecting Objects as Paired Keypoints", authors=["Hei Law", "Jia Deng"])
    make_entry(make_issue(128), paper=paper)
    return paper.authorships.get(position=1).author


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("reader", "reader@example.org", "reader-password-1")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_it_lists_the_authors_featured_papers(client, law):
    unpublished = make_paper("Unpublished work")
    unpublished.authorships.create(author=law, position=1)
    make_recommendation(paper=unpublished, status="submitted")

    page = soup(client.get(f"/authors/{law.pk}/"))

    assert page.select_one("h1").get_text(strip=True) == "Hei Law"
    titles = [a.get_text(strip=True) for a in page.select(".entry__title a")]
    assert titles == ["CornerNet: Detecting Objects as Paired Keypoints"]
    link = page.select_one(".page-head .follow-button")
    assert link["href"] == f"/accounts/login/?next=/authors/{law.pk}/"


def test_an_author_without_a_featured_paper_has_no_page(client):
    paper = make_paper("Draft only", authors=["Hidden Person"])
    make_recommendation(paper=paper, status="submitted")

    assert client.get(f"/authors/{paper.authorships.get().author_id}/").status_code == 404
    assert client.get("/authors/999999/").status_code == 404


def test_the_page_has_bounded_queries(client, law, django_assert_max_num_queries):
    issue = make_issue(129)
    for i in range(10):
        paper = make_paper(f"Paper {i}", authors=["Someone Else"])
        paper.authorships.create(author=law, position=2)
        make_entry(issue, paper=paper)

    with django_assert_max_num_queries(12):
        assert client.get(f"/authors/{law.pk}/").status_code == 200


def test_a_reader_follows_an_author_once_and_sees_it_alone(reader, law, django_user_model):
    client = signed_in(reader)
    for _ in range(2):
        response = client.post(f"/following/author/{law.pk}/", {"action": "follow"})
    assert response.status_code == 302
    assert Follow.objects.filter(user=reader, author=law).count() == 1

    page = soup(client.get(f"/authors/{law.pk}/"))
    assert page.select_one(".page-head .follow-button")["aria-pressed"] == "true"
    listed = soup(client.get("/following/"))
    # In the page's body: html.parser would also find elements written inside <title>, which a browser shows as text.
    assert listed.title.get_text() == "Following · PaperDaily"
    assert [a.get_text(strip=True) for a in listed.select("main #following-authors ~ ul a")] == ["Hei Law"]

    other = django_user_model.objects.create_user("other", "other@example.org", "other-password-1")
    assert "Hei Law" not in signed_in(other).get("/following/").content.decode()
    assert (
        soup(signed_in(other).get(f"/authors/{law.pk}/")).select_one(".page-head .follow-button")["aria-pressed"]
        == "false"
    )

    client.post(f"/following/author/{law.pk}/", {"action": "unfollow"})
    assert not Follow.objects.filter(user=reader).exists()


def test_an_author_without_a_featured_paper_cannot_be_followed(reader):
    paper = make_paper("Draft only", authors=["Hidden Person"])
    make_recommendation(paper=paper, status="submitted")
    client = signed_in(reader)

    assert (
        client.post(f"/following/author/{paper.authorships.get().author_id}/", {"action": "follow"}).status_code == 404
    )
    assert client.post("/following/author/abc/", {"action": "follow"}).status_code == 404
    assert not Follow.objects.exists()


def test_it_caches_the_author_page_without_leaking_who_follows(client, reader, law, django_user_model):
    follower = signed_in(reader)
    follower.post(f"/following/author/{law.pk}/", {"action": "follow"})
    assert client.get(f"/authors/{law.pk}/").status_code == 200

    anonymous = client.get(f"/authors/{law.pk}/")
    mine = follower.get(f"/authors/{law.pk}/")
    theirs = signed_in(django_user_model.objects.create_user("other", "other@example.org", "other-password-1")).get(
        f"/authors/{law.pk}/"
    )

    assert anonymous["X-Page-Cache"] == "hit"
    assert soup(anonymous).select_one(".page-head .follow-button").get_text(strip=True) == "Log in to follow"
    assert mine.get("X-Page-Cache") != "hit"
    assert soup(mine).select_one(".page-head .follow-button")["aria-pressed"] == "true"
    assert theirs.get("X-Page-Cache") != "hit"
    assert soup(theirs).select_one(".page-head .follow-button")["aria-pressed"] == "false"
    assert client.get(f"/authors/{law.pk}/")["X-Page-Cache"] == "hit"
