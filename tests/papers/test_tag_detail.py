import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_entry, make_issue, make_issue_with_entries, make_paper, make_recommendation, make_tag
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db


def titles(response):
    return [h3.get_text(strip=True) for h3 in soup(response).select("article.entry .entry__title")]


def test_it_shows_the_tag_and_its_published_papers_newest_issue_first(client):
    tag = make_tag("Object Detection", slug="object-detection", description="Finding things in images.")
    make_entry(make_issue(127), paper=make_paper("Older Detector"), tag=tag)
    newer = make_issue(128)
    make_entry(newer, paper=make_paper("Unrelated Paper"))
    make_entry(newer, paper=make_paper("CornerNet"), tag=tag)

    response = client.get("/tags/object-detection/")

    assert response.status_code == 200
    document = soup(response)
    assert document.find("h1").get_text(strip=True) == "#Object Detection"
    assert "Finding things in images." in document.select_one(".page-head").get_text()
    assert "2 recommended papers" in document.select_one(".page-head .muted").get_text()
    assert titles(response) == ["CornerNet", "Older Detector"]


def test_it_leaves_out_drafts_and_unpublished_recommendations(client):
    tag = make_tag("Object Detection", slug="object-detection")
    make_entry(make_issue(128), paper=make_paper("Published Paper"), tag=tag)
    make_entry(make_issue(129, published=False), paper=make_paper("Secret Draft Paper"), tag=tag)
    make_recommendation(paper=make_paper("Only Submitted Paper"), tag=tag, status="submitted")

    response = client.get("/tags/object-detection/")

    assert titles(response) == ["Published Paper"]
    assert b"Secret Draft Paper" not in response.content
    assert b"Only Submitted Paper" not in response.content


def test_it_shows_a_tag_without_published_papers(client):
    make_tag("Active Learning", slug="active-learning")

    response = client.get("/tags/active-learning/")

    assert response.status_code == 200
    assert soup(response).select_one("p.empty") is not None


@pytest.mark.parametrize(("query", "shown"), [("", 20), ("?page=2", 5), ("?page=abc", 20), ("?page=999", 5)])
def test_it_paginates_by_twenty(client, query, shown):
    tag = make_tag(slug="busy")
    make_issue_with_entries(25, tag=tag)

    response = client.get(f"/tags/busy/{query}")

    assert response.status_code == 200
    assert len(titles(response)) == shown


def test_it_answers_404_for_an_unknown_tag(client):
    assert client.get("/tags/no-such-topic/").status_code == 404


def test_it_answers_405_to_a_post(client):
    make_tag(slug="object-detection")

    assert client.post("/tags/object-detection/").status_code == 405


def test_it_uses_as_many_queries_for_80_papers_as_for_17(client):
    make_issue_with_entries(17, tag=make_tag(slug="small"))
    make_issue_with_entries(80, tag=make_tag(slug="large"))

    with CaptureQueriesContext(connection) as for_17:
        assert len(titles(client.get("/tags/small/"))) == 17
    with CaptureQueriesContext(connection) as for_80:
        assert len(titles(client.get("/tags/large/"))) == 20

    print(f"\ntag page queries: 17 papers -> {len(for_17)}, 80 papers -> {len(for_80)}")
    assert len(for_17) == len(for_80)


def test_it_renders_a_tag_page_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    make_issue_with_entries(17, tag=make_tag(slug="small"))

    with django_assert_max_num_queries(7):
        client.get("/tags/small/")
