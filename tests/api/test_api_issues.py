import pytest
from django.db.models import F

from papers.models import Paper, Repository
from recommendations.models import Issue
from tests.api.conftest import results
from tests.factories import (
    make_entry,
    make_issue,
    make_issue_with_entries,
    make_paper,
    make_recommender,
    make_tag,
)

pytestmark = pytest.mark.django_db


def test_it_lists_published_issues_newest_first_with_their_entry_counts(api_client):
    make_issue_with_entries(2, number=127)
    make_issue_with_entries(3, number=128)
    make_issue_with_entries(1, number=129, published=False)

    rows = results(api_client.get("/api/issues/"))

    assert [(row["number"], row["entry_count"]) for row in rows] == [(128, 3), (127, 2)]
    assert rows[0]["url"] == "http://testserver/api/issues/128/"
    assert rows[0]["html_url"] == "http://testserver/issues/128/"
    assert set(rows[0]) == {"number", "title", "published_at", "entry_count", "url", "html_url"}


def test_it_shows_an_issue_with_its_intro_and_entries_in_order(api_client):
    issue = make_issue(128, title="PaperDaily #128", intro="Hello *readers*.")
    make_entry(
        issue,
        position=2,
        paper=make_paper("CornerNet", authors=["Hei Law", "Jia Deng"], venue="ECCV 2018", arxiv_id="1808.01244"),
        recommender=make_recommender("qaq", display_name="Q. A. Q."),
        tag=make_tag("Object Detection", slug="object-detection"),
        writeup="Boxes as **corners**.",
    )
    make_entry(issue, position=1, paper=make_paper("BERT"))

    response = api_client.get("/api/issues/128/")

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "PaperDaily #128"
    assert body["intro_html"].strip() == "<p>Hello <em>readers</em>.</p>"
    assert body["entry_count"] == 2
    assert [entry["paper"]["title"] for entry in body["entries"]] == ["BERT", "CornerNet"]
    second = body["entries"][1]
    assert second["position"] == 2
    assert second["recommender"]["handle"] == "qaq"
    assert second["recommender"]["display_name"] == "Q. A. Q."
    assert second["recommender"]["url"] == "http://testserver/api/recommenders/qaq/"
    assert second["tag"]["slug"] == "object-detection"
    assert second["tag"]["area"]["code"] == "NLP"
    assert second["writeup_html"].strip() == "<p>Boxes as <strong>corners</strong>.</p>"
    paper = second["paper"]
    assert paper["authors"] == ["Hei Law", "Jia Deng"]
    assert paper["venue"] == "ECCV 2018"
    assert paper["identifier_label"] == "arXiv:1808.01244"
    assert paper["landing_url"] == "https://arxiv.org/abs/1808.01244"
    assert paper["url"] == f"http://testserver/api/papers/{paper['id']}/"


def test_it_shows_the_frozen_card_with_todays_values_beside(api_client, freeze):
    issue = make_issue(128)
    recommendation = make_entry(
        issue, paper=make_paper("Old title", code_urls=["https://github.com/princeton-vl/CornerNet"])
    )
    Repository.objects.update(stars=100)
    freeze(issue)
    Paper.objects.filter(pk=recommendation.paper_id).update(title="New title")
    Repository.objects.update(stars=F("stars") + 50, archived=True)

    paper = api_client.get("/api/issues/128/").json()["entries"][0]["paper"]

    assert paper["frozen"] is True
    assert paper["title"] == "Old title"
    assert paper["title_now"] == "New title"
    assert paper["code"] == [
        {
            "url": "https://github.com/princeton-vl/CornerNet",
            "label": "princeton-vl/CornerNet",
            "full_name": "princeton-vl/CornerNet",
            "stars": 100,
            "stars_now": 150,
            "archived": False,
            "archived_now": True,
        }
    ]


def test_it_answers_404_for_a_draft_even_to_an_editor(api_client, editor_client):
    make_issue_with_entries(2, number=130, published=False)

    assert api_client.get("/api/issues/130/").status_code == 404
    response = editor_client.get("/api/issues/130/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("number", ["999", "0", "99999999999999999999999999"])
def test_it_answers_404_with_the_error_body_for_unknown_numbers(api_client, number):
    make_issue(1)

    response = api_client.get(f"/api/issues/{number}/")

    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "code": "not_found", "message": "Not found."}}


def test_it_does_not_count_an_api_read(api_client):
    make_issue(128)

    api_client.get("/api/issues/128/")

    assert Issue.objects.get(number=128).read_count == 0


def test_it_lists_issues_in_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    make_issue_with_entries(1)
    with django_assert_max_num_queries(2):
        assert len(results(api_client.get("/api/issues/"))) == 1
    for _ in range(5):
        make_issue_with_entries(3)
    with django_assert_max_num_queries(2):
        assert len(results(api_client.get("/api/issues/"))) == 6


def test_it_shows_an_issue_in_a_constant_number_of_queries(api_client, freeze, django_assert_max_num_queries):
    small = freeze(make_issue_with_entries(1))
    large = freeze(make_issue_with_entries(17))

    with django_assert_max_num_queries(7):
        assert len(api_client.get(f"/api/issues/{small.number}/").json()["entries"]) == 1
    with django_assert_max_num_queries(7):
        assert len(api_client.get(f"/api/issues/{large.number}/").json()["entries"]) == 17


def test_it_pages_the_issue_list(api_client):
    for number in range(1, 6):
        make_issue(number)

    body = api_client.get("/api/issues/?page=2&page_size=2").json()

    assert body["count"] == 5
    assert [row["number"] for row in body["results"]] == [3, 2]
    assert body["next"] == "http://testserver/api/issues/?page=3&page_size=2"
    assert body["previous"] == "http://testserver/api/issues/?page_size=2"
