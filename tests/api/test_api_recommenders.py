import pytest

from recommendations.models import Recommendation
from tests.api.conftest import results
from tests.factories import (
    make_entry,
    make_issue,
    make_issue_with_entries,
    make_paper,
    make_recommendation,
    make_recommender,
)

pytestmark = pytest.mark.django_db


def test_it_lists_recommenders_with_something_published_most_first(api_client):
    qaq, zkt = make_recommender("qaq", display_name="Q"), make_recommender("zkt18")
    make_entry(make_issue(1), recommender=zkt)
    make_entry(make_issue(2), recommender=qaq)
    make_entry(make_issue(3), recommender=qaq)
    make_entry(make_issue(4, published=False), recommender=make_recommender("drafty"))
    make_recommendation(recommender=make_recommender("waiting"), status=Recommendation.Status.ACCEPTED)

    rows = results(api_client.get("/api/recommenders/"))

    assert [(row["handle"], row["published_count"]) for row in rows] == [("qaq", 2), ("zkt18", 1)]
    assert rows[0] == {
        "handle": "qaq",
        "display_name": "Q",
        "published_count": 2,
        "url": "http://testserver/api/recommenders/qaq/",
        "html_url": "http://testserver/recommenders/qaq/",
    }


def test_it_shows_a_recommender_by_handle_in_any_case(api_client):
    qaq = make_recommender("QaQ", bio="Reads papers.")
    make_entry(make_issue(1), recommender=qaq, paper=make_paper("First"))
    make_entry(make_issue(2), recommender=qaq, paper=make_paper("Second"))
    make_entry(make_issue(3, published=False), recommender=qaq, paper=make_paper("Draft"))
    make_recommendation(recommender=qaq, paper=make_paper("Rejected"), status=Recommendation.Status.REJECTED)

    body = api_client.get("/api/recommenders/qaq/").json()

    assert body["handle"] == "QaQ"
    assert body["bio"] == "Reads papers."
    assert body["published_count"] == 2
    assert [(rec["paper"]["title"], rec["issue"]["number"]) for rec in body["recommendations"]] == [
        ("Second", 2),
        ("First", 1),
    ]


@pytest.mark.parametrize("handle", ["drafty", "nobody", "a.b", "x" * 3000])
def test_it_answers_404_for_a_recommender_with_nothing_published(api_client, editor_client, handle):
    make_entry(make_issue(1, published=False), recommender=make_recommender("drafty"))

    response = api_client.get(f"/api/recommenders/{handle}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert editor_client.get(f"/api/recommenders/{handle}/").status_code == 404


def test_it_lists_and_shows_recommenders_in_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    person = make_recommender("prolific")
    make_issue_with_entries(1, recommender=person)
    with django_assert_max_num_queries(2):
        assert len(results(api_client.get("/api/recommenders/"))) == 1
    with django_assert_max_num_queries(2):
        assert len(api_client.get("/api/recommenders/prolific/").json()["recommendations"]) == 1
    make_issue_with_entries(12, recommender=person)
    make_issue_with_entries(12)
    with django_assert_max_num_queries(2):
        assert len(results(api_client.get("/api/recommenders/?page_size=100"))) == 13
    with django_assert_max_num_queries(2):
        assert len(api_client.get("/api/recommenders/prolific/").json()["recommendations"]) == 13
