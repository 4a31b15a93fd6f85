import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    make_entry,
    make_issue,
    make_issue_with_entries,
    make_paper,
    make_recommendation,
    make_recommender,
)
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db


def titles(response):
    return [h3.get_text(strip=True) for h3 in soup(response).select("article.entry .entry__title")]


def test_it_shows_a_recommenders_published_recommendations_newest_issue_first(client):
    qaq = make_recommender("QAQ", display_name="Q. A. Q.", bio="Reads everything about plasticity.")
    make_entry(make_issue(127), recommender=qaq, paper=make_paper("Older Pick"))
    make_entry(make_issue(128), recommender=qaq, paper=make_paper("Backpropamine"))

    response = client.get("/recommenders/QAQ/")

    assert response.status_code == 200
    document = soup(response)
    assert document.find("h1").get_text() == "@QAQ"
    assert "Q. A. Q." in document.select_one(".page-head").get_text()
    assert "Reads everything about plasticity." in document.select_one(".page-head").get_text()
    assert titles(response) == ["Backpropamine", "Older Pick"]
    assert [a["href"] for a in document.select(".entry__issue a")] == ["/issues/128/#entry-1", "/issues/127/#entry-1"]


@pytest.mark.parametrize("spelling", ["qaq", "QAQ", "Qaq"])
def test_it_finds_a_recommender_whatever_the_case_of_the_handle(client, spelling):
    make_entry(make_issue(128), recommender=make_recommender("QAQ"))

    response = client.get(f"/recommenders/{spelling}/")

    assert response.status_code == 200
    assert soup(response).find("h1").get_text() == "@QAQ"


def test_it_hides_drafts_and_unpublished_recommendations(client):
    qaq = make_recommender("QAQ")
    make_entry(make_issue(128), recommender=qaq, paper=make_paper("Published Pick"))
    make_entry(make_issue(129, published=False), recommender=qaq, paper=make_paper("Secret Draft Paper"))
    make_recommendation(recommender=qaq, paper=make_paper("Only Submitted Paper"), status="submitted")

    response = client.get("/recommenders/QAQ/")

    assert titles(response) == ["Published Pick"]
    assert b"Secret Draft Paper" not in response.content
    assert b"Only Submitted Paper" not in response.content


def test_it_hides_a_recommender_with_only_drafts(client, user_client, admin_client):
    make_entry(make_issue(129, published=False), recommender=make_recommender("early"))

    assert client.get("/recommenders/early/").status_code == 404
    assert user_client.get("/recommenders/early/").status_code == 404
    assert admin_client.get("/recommenders/early/").status_code == 200


def test_it_answers_404_for_an_unknown_handle(client):
    assert client.get("/recommenders/nobody/").status_code == 404


@pytest.mark.parametrize("handle", ["a%00b", "%00", "x" * 400, "%E2%80%AE", "..%2F..", "a%20b"])
def test_it_answers_404_not_500_for_a_strange_handle(client, handle):
    assert client.get(f"/recommenders/{handle}/").status_code == 404


def test_it_answers_405_to_a_post(client):
    make_entry(make_issue(128), recommender=make_recommender("QAQ"))

    assert client.post("/recommenders/QAQ/").status_code == 405


@pytest.mark.parametrize(("query", "shown"), [("", 20), ("?page=2", 5), ("?page=abc", 20), ("?page=999", 5)])
def test_it_paginates_by_twenty(client, query, shown):
    make_issue_with_entries(25, recommender=make_recommender("busy"))

    response = client.get(f"/recommenders/busy/{query}")

    assert response.status_code == 200
    assert len(titles(response)) == shown


def test_it_uses_as_many_queries_for_80_recommendations_as_for_17(client):
    make_issue_with_entries(17, recommender=make_recommender("small"))
    make_issue_with_entries(80, recommender=make_recommender("large"))

    with CaptureQueriesContext(connection) as for_17:
        assert len(titles(client.get("/recommenders/small/"))) == 17
    with CaptureQueriesContext(connection) as for_80:
        assert len(titles(client.get("/recommenders/large/"))) == 20

    print(f"\nrecommender page queries: 17 -> {len(for_17)}, 80 -> {len(for_80)}")
    assert len(for_17) == len(for_80)


def test_it_renders_a_profile_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    make_issue_with_entries(17, recommender=make_recommender("small"))

    with django_assert_max_num_queries(7):
        client.get("/recommenders/small/")
