"""The recommender leaderboard at /recommenders/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import Recommender
from tests.factories import (
    make_area,
    make_entry,
    make_issue,
    make_issue_with_entries,
    make_recommendation,
    make_recommender,
    make_tag,
)
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db


def rows(response):
    """Each row of the board as (rank, handle, total, {area code: count})."""
    table = []
    for tr in soup(response).select("table.board tbody tr"):
        cells = tr.select("td.board__count")
        table.append(
            (
                int(tr.select_one(".board__rank").get_text(strip=True)),
                tr.select_one(".board__who a").get_text(strip=True),
                int(cells[0].get_text(strip=True)),
                {cell["data-area"]: int(cell.get_text(strip=True)) for cell in cells[1:]},
            )
        )
    return table


def people(response):
    return [handle for _, handle, _, _ in rows(response)]


@pytest.fixture
def areas():
    """The demo's three areas, each with one topic: {code: tag}."""
    return {
        code: make_tag(area=make_area(code, name=name, position=position))
        for position, (code, name) in enumerate(
            [("NLP", "Natural Language Processing"), ("CV", "Computer Vision"), ("ML", "Machine Learning")], start=1
        )
    }


def publish(issue, recommender, tag, count=1):
    for _ in range(count):
        make_entry(issue, recommender=recommender, tag=tag)


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
    first = soup(response).select_one("table.board tbody tr")
    assert first.select_one(".board__who a")["href"] == "/recommenders/paperweekly/"
    assert "PaperWeekly" in first.get_text()
    assert rows(response)[0][:3] == (1, "@paperweekly", 3)
    assert_safe_html(response, page=True)


def test_it_gives_tied_recommenders_the_same_rank(client):
    issue = make_issue(128)
    for handle, count in [("dd", 1), ("bb", 2), ("aa", 3), ("cc", 2), ("ee", 1)]:
        publish(issue, make_recommender(handle), make_tag(), count)

    ranks = [(rank, handle, total) for rank, handle, total, _ in rows(client.get("/recommenders/"))]

    assert ranks == [(1, "@aa", 3), (2, "@bb", 2), (2, "@cc", 2), (4, "@dd", 1), (4, "@ee", 1)]


def test_it_counts_each_area_in_its_own_column(client, areas):
    issue = make_issue(128)
    ada, bo = make_recommender("ada"), make_recommender("bo")
    publish(issue, ada, areas["NLP"], 2)
    publish(issue, ada, areas["ML"], 1)
    publish(issue, bo, areas["CV"], 1)

    response = client.get("/recommenders/")

    headers = [th.get_text(strip=True) for th in soup(response).select("table.board thead th")]
    assert headers == ["Rank", "Recommender", "Total", "NLP", "CV", "ML"]
    assert soup(response).select_one('thead abbr[title="Computer Vision"]')
    assert rows(response) == [
        (1, "@ada", 3, {"NLP": 2, "CV": 0, "ML": 1}),
        (2, "@bo", 1, {"NLP": 0, "CV": 1, "ML": 0}),
    ]


@pytest.mark.parametrize("code", ["CV", "cv"])
def test_it_ranks_by_one_area_when_asked(client, areas, code):
    issue = make_issue(128)
    ada, bo, cy = make_recommender("ada"), make_recommender("bo"), make_recommender("cy")
    publish(issue, ada, areas["NLP"], 5)
    publish(issue, ada, areas["CV"], 1)
    publish(issue, bo, areas["CV"], 2)
    publish(issue, cy, areas["NLP"], 1)

    response = client.get(f"/recommenders/?area={code}")

    assert response.status_code == 200
    assert [(rank, handle, counts["CV"]) for rank, handle, _, counts in rows(response)] == [
        (1, "@bo", 2),
        (2, "@ada", 1),
    ]
    document = soup(response)
    assert document.select_one('.board-filter a[aria-current="page"]').get_text(strip=True) == "CV"
    assert document.select_one("thead th[aria-sort]").get_text(strip=True) == "CV"


def test_it_says_so_when_an_area_has_nothing_published(client, areas):
    publish(make_issue(128), make_recommender("ada"), areas["NLP"])

    response = client.get("/recommenders/?area=ML")

    assert response.status_code == 200
    assert people(response) == []
    assert "Machine Learning" in soup(response).select_one("p.empty").get_text()


@pytest.mark.parametrize("value", ["XYZ", "%00", "x" * 500, "%E2%80%AE", "%3Cscript%3E", "CV%00", "%FF"])
def test_it_names_an_unknown_area_and_shows_them_all(client, areas, value):
    publish(make_issue(128), make_recommender("ada"), areas["NLP"])
    publish(make_issue(129), make_recommender("bo"), areas["CV"])

    response = client.get(f"/recommenders/?area={value}")

    assert response.status_code == 200
    assert sorted(people(response)) == ["@ada", "@bo"]
    assert soup(response).select_one("p.notice") is not None
    assert soup(response).select_one("thead th[aria-sort]").get_text(strip=True) == "Total"
    assert_safe_html(response, page=True)


def test_it_leaves_out_recommenders_with_nothing_published(client):
    make_entry(make_issue(128), recommender=make_recommender("published"))
    make_entry(make_issue(129, published=False), recommender=make_recommender("drafted"))
    make_recommendation(recommender=make_recommender("submitted"), status="submitted")

    assert people(client.get("/recommenders/")) == ["@published"]


def test_it_counts_only_published_recommendations_in_published_issues(client, areas):
    ada = make_recommender("ada")
    publish(make_issue(128), ada, areas["CV"])
    make_entry(make_issue(129, published=False), recommender=ada, tag=areas["CV"])
    make_entry(make_issue(130, published=False), recommender=ada, tag=areas["CV"], status="published")
    make_recommendation(recommender=ada, tag=areas["CV"], status="accepted")
    make_recommendation(recommender=ada, tag=areas["CV"], status="published")  # in no issue at all

    assert rows(client.get("/recommenders/")) == [(1, "@ada", 1, {"NLP": 0, "CV": 1, "ML": 0})]
    assert rows(client.get("/recommenders/?area=CV"))[0][3]["CV"] == 1


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


@pytest.mark.parametrize(("query", "shown", "first_rank"), [("", 50, 1), ("?page=2", 5, 6), ("?page=abc", 50, 1)])
def test_it_paginates_by_fifty_and_ranks_across_pages(client, areas, query, shown, first_rank):
    issue = make_issue_with_entries(55, tag=areas["NLP"])
    # One more each for the first five: five tied at 1, then fifty tied at 6.
    for recommender in Recommender.objects.order_by("pk")[:5]:
        publish(issue, recommender, areas["NLP"])

    response = client.get(f"/recommenders/{query}")

    board = rows(response)
    assert len(board) == shown
    assert board[0][0] == first_rank


def test_it_keeps_the_area_in_the_page_links(client, areas):
    make_issue_with_entries(55, tag=areas["CV"])

    response = client.get("/recommenders/?area=CV")

    assert soup(response).select_one('.pagination a[rel="next"]')["href"] == "?area=CV&page=2"
    assert len(rows(client.get("/recommenders/?area=CV&page=2"))) == 5


def test_it_renders_the_list_in_a_bounded_number_of_queries(client, areas, django_assert_max_num_queries):
    issue = make_issue(128)
    for tag in areas.values():
        for _ in range(7):
            make_entry(issue, tag=tag)

    with django_assert_max_num_queries(3):
        response = client.get("/recommenders/")
    assert len(people(response)) == 21
    with django_assert_max_num_queries(3):
        client.get("/recommenders/?area=ML")


def test_it_uses_as_many_queries_for_120_recommenders_as_for_5(client, areas):
    make_issue_with_entries(5, tag=areas["NLP"])
    with CaptureQueriesContext(connection) as for_5:
        assert len(people(client.get("/recommenders/"))) == 5
    make_issue_with_entries(115, tag=areas["CV"])
    with CaptureQueriesContext(connection) as for_120:
        assert len(people(client.get("/recommenders/"))) == 50

    assert len(for_5) == len(for_120)
