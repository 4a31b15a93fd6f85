"""/search/: the search page readers use."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_area, make_entry, make_issue, make_issue_with_entries, make_paper, make_tag
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db


def featured(title, *, writeup="A fine paper.", **fields):
    paper = make_paper(title, **fields)
    make_entry(make_issue(), paper=paper, writeup=writeup)
    return paper


def result_titles(response):
    return [h2.get_text(" ", strip=True) for h2 in soup(response).select(".search-result__title")]


def test_it_shows_results_with_the_matches_marked(client):
    paper = featured("Slimmable Neural Networks", authors=["Jiahui Yu", "Linjie Yang"], year=2019, venue="ICLR 2019")
    featured("Machine Translation")

    response = client.get("/search/", {"q": "neural networks"})

    assert response.status_code == 200
    document = soup(response)
    [result] = document.select(".search-result")
    link = result.select_one(".search-result__title a")
    assert link["href"] == f"/papers/{paper.pk}/"
    assert [mark.get_text() for mark in link.select("mark")] == ["Neural", "Networks"]
    byline = result.select_one(".search-result__byline").get_text(" ", strip=True)
    assert "Jiahui Yu, Linjie Yang" in byline
    assert "ICLR 2019" in byline
    assert "2019" in byline
    assert "1 paper found" in document.select_one(".search-count").get_text()
    assert document.select_one("#search-q")["value"] == "neural networks"


def test_it_shows_a_snippet_of_a_chinese_writeup(client):
    featured("Graph Networks for Recommendation", writeup="本文研究图神经网络在推荐中的应用。")

    document = soup(client.get("/search/", {"q": "神经网络"}))

    snippet = document.select_one(".search-result__snippet")
    assert snippet.select_one("mark").get_text() == "神经网络"
    assert "图神经网络在推荐中的应用" in snippet.get_text()


def test_it_shows_user_text_as_text(client):
    featured(
        "<img src=x onerror=alert(1)> Networks",
        writeup="Networks <script>alert(2)</script> and <b onclick=x>bold</b>.",
        authors=["<svg onload=alert(3)>"],
    )

    response = client.get("/search/", {"q": "networks <script>"})

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    assert "<script>alert(2)</script>" in document.select_one(".search-result__snippet").get_text()
    assert "<img src=x onerror=alert(1)>" in document.select_one(".search-result__title").get_text()


def test_it_keeps_the_query_and_filters_across_pages(client):
    tag = make_tag("Bulk Topic", slug="bulk-topic")
    make_issue_with_entries(25, tag=tag)

    first = soup(client.get("/search/", {"q": "bulk paper", "tag": "bulk-topic"}))

    assert len(first.select(".search-result")) == 20
    assert "25 papers found" in first.select_one(".search-count").get_text()
    next_url = first.select_one('a[rel="next"]')["href"]
    assert next_url == "?q=bulk+paper&tag=bulk-topic&page=2"
    second = soup(client.get("/search/" + next_url))
    assert len(second.select(".search-result")) == 5
    assert second.select_one('a[rel="prev"]')["href"] == "?q=bulk+paper&tag=bulk-topic&page=1"
    assert second.select_one('select[name="tag"] option[selected]')["value"] == "bulk-topic"


@pytest.mark.parametrize("year", ["abc", "99999999999999999999", "-5", "1.5", "2018\x00", "1800"])
def test_it_explains_a_bad_year_and_searches_without_it(client, year):
    featured("Slimmable Neural Networks", year=2019)

    response = client.get("/search/", {"q": "slimmable", "year": year})

    assert response.status_code == 200
    document = soup(response)
    assert "Year" in document.select_one(".search-form__errors").get_text()
    assert result_titles(response) == ["Slimmable Neural Networks"]


def test_it_filters_by_area_topic_and_year(client):
    cv = make_tag("Object Detection", slug="object-detection", area=make_area("CV", name="Computer Vision"))
    paper = make_paper("Detection Networks", year=2018)
    make_entry(make_issue(), paper=paper, tag=cv)
    featured("Translation Networks", year=2018)

    assert result_titles(client.get("/search/", {"q": "networks", "area": "CV"})) == ["Detection Networks"]
    assert result_titles(client.get("/search/", {"q": "networks", "tag": "object-detection"})) == ["Detection Networks"]
    assert sorted(result_titles(client.get("/search/", {"q": "networks", "year": "2018"}))) == [
        "Detection Networks",
        "Translation Networks",
    ]
    assert result_titles(client.get("/search/", {"area": "CV"})) == ["Detection Networks"]


def test_it_reports_an_unknown_filter_and_ignores_it(client):
    featured("Slimmable Neural Networks")

    response = client.get("/search/", {"q": "slimmable", "area": "NOPE", "tag": "no-such-topic"})

    assert response.status_code == 200
    assert len(soup(response).select(".search-form__errors li")) == 2
    assert result_titles(response) == ["Slimmable Neural Networks"]


def test_it_invites_a_search_without_a_query(client):
    featured("Slimmable Neural Networks")

    response = client.get("/search/")

    assert response.status_code == 200
    document = soup(response)
    assert document.select(".search-result") == []
    assert document.select_one(".search-intro") is not None
    assert document.select_one(".search-empty") is None


def test_it_says_so_when_nothing_matches(client):
    featured("Slimmable Neural Networks")

    response = client.get("/search/", {"q": "quantum <chromodynamics>"})

    document = soup(response)
    assert "No paper matches “quantum <chromodynamics>”." in document.select_one(".search-empty").get_text()
    assert "0 papers found" in document.select_one(".search-count").get_text()


@pytest.mark.parametrize("query", ["\x00", "a" * 10_000, '"', "-", "OR", "%_\\", "\ufffd\u202e"])
def test_it_answers_any_query_without_an_error(client, query):
    featured("Slimmable Neural Networks")

    response = client.get("/search/", {"q": query, "page": "999999999999999999999"})

    assert response.status_code == 200
    assert_safe_html(soup(response), page=True)


def test_it_hides_drafts(client):
    paper = featured("Published Paper")
    make_entry(make_issue(published=False), paper=paper, writeup="Secret xylophone.")
    make_entry(make_issue(published=False), paper=make_paper("Draft Only Xylophone"))

    response = client.get("/search/", {"q": "xylophone"})

    assert result_titles(response) == []
    assert b"Draft Only" not in response.content


def test_it_uses_as_many_queries_for_twenty_results_as_for_one(client, django_assert_max_num_queries):
    featured("Bulk paper alone", authors=["Solo"])
    with CaptureQueriesContext(connection) as for_one:
        response = client.get("/search/", {"q": "alone"})
    assert len(soup(response).select(".search-result")) == 1

    make_issue_with_entries(30)
    with CaptureQueriesContext(connection) as for_many:
        response = client.get("/search/", {"q": "bulk paper"})
    assert len(soup(response).select(".search-result")) == 20
    make_issue_with_entries(60)
    with CaptureQueriesContext(connection) as for_more:
        response = client.get("/search/", {"q": "bulk paper"})
    assert len(soup(response).select(".search-result")) == 20

    print(f"\nsearch page queries: 1 result {len(for_one)}, 20 of 31 {len(for_many)}, 20 of 91 {len(for_more)}")
    assert len(for_many) == len(for_more)
    # Less than a page of matches: the matches' ids are read once more, with typo matches.
    assert len(for_one) == len(for_many) + 1
    with django_assert_max_num_queries(7):
        client.get("/search/", {"q": "bulk paper", "area": "NLP", "year": "2019"})


def test_it_offers_a_search_box_on_every_page(client):
    document = soup(client.get("/tags/"))

    form = document.select_one("form.site-search")
    assert form["action"] == "/search/"
    assert form.select_one('input[name="q"]') is not None


def test_it_answers_405_to_a_post(client):
    assert client.post("/search/", {"q": "x"}).status_code == 405


def test_it_says_when_more_papers_match_than_it_ranks(client, settings, monkeypatch):
    monkeypatch.setattr("recommendations.reading.search.SEARCH_RANK_POOL", 3)
    monkeypatch.setattr("recommendations.reading.views.SEARCH_RANK_POOL", 3)
    monkeypatch.setattr("recommendations.reading.search.SEARCH_TYPOS_BELOW", 2)  # enough exact matches: no typo pool
    make_issue_with_entries(5)

    response = client.get("/search/", {"q": "paper"})

    assert len(soup(response).select(".search-result")) == 3
    assert "More than 3 papers match: the newest 3 are ranked here." in soup(response).select_one(".search-count").text
