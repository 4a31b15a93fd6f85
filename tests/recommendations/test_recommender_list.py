import pytest

from tests.factories import make_entry, make_issue, make_recommendation, make_recommender
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db


def people(response):
    return [li.a.get_text() for li in soup(response).select("ol.people > li")]


def test_it_lists_recommenders_by_published_recommendations(client):
    issue = make_issue(128)
    paperweekly = make_recommender("paperweekly", display_name="PaperWeekly")
    for _ in range(3):
        make_entry(issue, recommender=paperweekly)
    make_entry(issue, recommender=make_recommender("zkt18"))
    make_entry(issue, recommender=make_recommender("figo"))

    response = client.get("/recommenders/")

    assert response.status_code == 200
    assert people(response) == ["@paperweekly", "@figo", "@zkt18"]
    first = soup(response).select_one("ol.people > li")
    assert first.a["href"] == "/recommenders/paperweekly/"
    assert "PaperWeekly" in first.get_text()
    assert "3 papers" in first.select_one(".count").get_text()


def test_it_leaves_out_recommenders_with_nothing_published(client):
    make_entry(make_issue(128), recommender=make_recommender("published"))
    make_entry(make_issue(129, published=False), recommender=make_recommender("drafted"))
    make_recommendation(recommender=make_recommender("submitted"), status="submitted")

    assert people(client.get("/recommenders/")) == ["@published"]


def test_it_lists_only_recommenders_whose_profile_readers_can_open(client):
    # "published" status but the issue is a draft again (or was deleted): the profile is a 404.
    make_entry(make_issue(129, published=False), recommender=make_recommender("early"), status="published")
    make_recommendation(recommender=make_recommender("orphan"), status="published")

    response = client.get("/recommenders/")

    assert people(response) == []
    assert client.get("/recommenders/early/").status_code == 404


def test_it_says_so_when_nobody_has_been_published(client):
    response = client.get("/recommenders/")

    assert response.status_code == 200
    assert soup(response).select_one("p.empty") is not None


def test_it_answers_405_to_a_post(client):
    assert client.post("/recommenders/").status_code == 405


def test_it_renders_the_list_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    issue = make_issue(128)
    for _ in range(20):
        make_entry(issue)

    with django_assert_max_num_queries(2):
        response = client.get("/recommenders/")
    assert len(people(response)) == 20
