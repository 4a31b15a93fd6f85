import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_entry, make_issue, make_issue_with_entries, make_paper
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db


def test_it_shows_the_latest_published_issue_with_its_entries(client):
    make_issue(127, title="PaperDaily #127")
    latest = make_issue(128, title="PaperDaily #128")
    make_entry(latest, position=2, paper=make_paper("Second Paper"))
    make_entry(latest, position=1, paper=make_paper("First Paper"))
    make_entry(make_issue(129, published=False, title="Next week"), paper=make_paper("Secret Draft Paper"))

    response = client.get("/")

    assert response.status_code == 200
    document = soup(response)
    assert document.select_one("#latest-title a")["href"] == "/issues/128/"
    assert document.select_one("#latest-title").get_text(strip=True) == "PaperDaily #128"
    assert "2 papers" in document.select_one(".latest .issue-head__meta").get_text()
    assert [h3.get_text(strip=True) for h3 in document.select(".latest .digest__title")] == [
        "First Paper",
        "Second Paper",
    ]
    read_on = [a["href"] for a in document.select(".latest .digest__excerpt a")]
    assert read_on == ["/issues/128/#entry-1", "/issues/128/#entry-2"]
    assert b"Next week" not in response.content
    assert b"Secret Draft Paper" not in response.content


def test_it_lists_up_to_eight_earlier_issues(client):
    for number in range(1, 12):
        make_issue(number)

    document = soup(client.get("/"))

    earlier = [a["href"] for a in document.select(".archive-teaser .issue-row a")]
    assert earlier == [f"/issues/{number}/" for number in range(10, 2, -1)]
    assert document.select_one('.archive-teaser a[href="/issues/"]') is not None


def test_it_says_so_when_no_issue_is_published(client):
    make_issue(1, published=False)

    response = client.get("/")

    assert response.status_code == 200
    document = soup(response)
    assert document.select_one("section.empty") is not None
    assert document.select_one(".archive-teaser") is None


def test_it_answers_405_to_a_post(client):
    assert client.post("/").status_code == 405


def test_it_uses_as_many_queries_for_80_entries_as_for_17(client):
    make_issue_with_entries(17, number=1)
    with CaptureQueriesContext(connection) as for_17:
        assert len(soup(client.get("/")).select(".latest .digest__item")) == 17
    make_issue_with_entries(80, number=2)
    with CaptureQueriesContext(connection) as for_80:
        assert len(soup(client.get("/")).select(".latest .digest__item")) == 80

    print(f"\nhome page queries: 17 entries -> {len(for_17)}, 80 entries -> {len(for_80)}")
    assert len(for_17) == len(for_80)


def test_it_renders_the_home_page_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for number in range(1, 10):
        make_issue(number)
    make_issue_with_entries(17, number=10)

    with django_assert_max_num_queries(6):
        client.get("/")


def test_it_shows_the_latest_issue_compactly_with_the_first_write_ups_only(client):
    latest = make_issue(128, title="PaperDaily #128")
    for position in range(1, 18):
        make_entry(
            latest,
            position=position,
            paper=make_paper(f"Paper number {position}"),
            writeup=f"Write-up {position} &amp; more. " + "Long words to cut. " * 40,
        )
    make_entry(make_issue(127), paper=make_paper("Older"))

    document = soup(client.get("/"))

    titles = [h3.get_text(strip=True) for h3 in document.select(".latest .digest__title")]
    assert titles == [f"Paper number {n}" for n in range(1, 18)]
    excerpts = [p.get_text(" ", strip=True) for p in document.select(".digest__excerpt")]
    assert len(excerpts) == 3
    assert excerpts[0].startswith("Write-up 1 & more.")
    assert all(len(text) < 320 for text in excerpts)
    # Not the full cards: those are on the issue page.
    assert not document.select("article.entry")
    assert document.select_one('.latest .more a[href="/issues/128/"]') is not None
    assert all(
        item.select_one("a[href^='/tags/']") and item.select_one("a[href^='/recommenders/']")
        for item in document.select(".digest__item")
    )


def test_it_puts_the_newsletter_box_before_the_latest_issue(client):
    make_entry(make_issue(128), paper=make_paper("A paper"))

    document = soup(client.get("/"))

    sections = [element.get("class", [None])[0] for element in document.select("main section")]
    assert sections.index("newsletter-box") < sections.index("latest")


def test_it_says_plainly_when_an_entrys_paper_details_were_not_recorded(client):
    latest = make_issue(128)
    make_entry(latest, paper=make_paper("", authors=[]), writeup="A questionnaire made by a DQN.")

    response = client.get("/")

    assert soup(response).select_one(".digest__title").get_text(strip=True) == "Paper details not recorded"
    assert b"Untitled" not in response.content
    assert b"pending" not in response.content
