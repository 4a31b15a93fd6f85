import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import Issue
from tests.factories import PUBLISHED_AT, make_entry, make_issue
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db

PER_PAGE = 12  # settings.PAPERDAILY_ISSUES_PER_PAGE's default


def make_issues(count, *, start=1):
    """``count`` published issues without entries, in bulk."""
    return Issue.objects.bulk_create(
        Issue(number=number, status=Issue.Status.PUBLISHED, published_at=PUBLISHED_AT)
        for number in range(start, start + count)
    )


def numbers(response):
    return [a.select_one(".issue-row__number").get_text() for a in soup(response).select(".issue-row")]


def test_it_lists_published_issues_newest_first_with_their_size(client):
    older = make_issue(127, title="PaperDaily #127")
    make_entry(older)
    make_entry(older)
    make_issue(128, title="PaperDaily #128")
    make_issue(129, published=False, title="Next week")

    response = client.get("/issues/")

    assert response.status_code == 200
    rows = soup(response).select(".issue-row")
    assert numbers(response) == ["#128", "#127"]
    assert rows[0].a["href"] == "/issues/128/"
    assert rows[0].select_one(".issue-row__title").get_text() == "PaperDaily #128"
    assert "2 papers" in rows[1].select_one(".issue-row__meta").get_text()
    assert b"Next week" not in response.content


def test_it_says_so_when_nothing_is_published(client):
    make_issue(1, published=False)

    response = client.get("/issues/")

    assert response.status_code == 200
    assert soup(response).select_one("p.empty") is not None


@pytest.mark.parametrize(
    ("query", "first", "count"),
    [("", "#30", PER_PAGE), ("?page=2", "#18", PER_PAGE), ("?page=3", "#6", 6), ("?page=abc", "#30", PER_PAGE),
     ("?page=999", "#6", 6), ("?page=-1", "#6", 6), ("?page=99999999999999999999999", "#6", 6), ("?page=", "#30", 12)],
)  # fmt: skip
def test_it_paginates_and_forgives_a_bad_page_number(client, query, first, count):
    make_issues(30)

    response = client.get(f"/issues/{query}")

    assert response.status_code == 200
    assert numbers(response)[0] == first
    assert len(numbers(response)) == count


def test_it_links_to_the_next_and_previous_pages(client):
    make_issues(30)

    document = soup(client.get("/issues/?page=2"))

    assert document.select_one('.pagination a[rel="prev"]')["href"] == "?page=1"
    assert document.select_one('.pagination a[rel="next"]')["href"] == "?page=3"


def test_it_answers_405_to_a_post(client):
    assert client.post("/issues/").status_code == 405


def test_it_uses_as_many_queries_for_80_issues_as_for_17(client):
    make_issues(17)
    with CaptureQueriesContext(connection) as for_17:
        assert len(numbers(client.get("/issues/"))) == PER_PAGE
    make_issues(63, start=18)
    with CaptureQueriesContext(connection) as for_80:
        assert len(numbers(client.get("/issues/"))) == PER_PAGE

    print(f"\narchive queries: 17 issues -> {len(for_17)}, 80 issues -> {len(for_80)}")
    assert len(for_17) == len(for_80)


def test_it_renders_the_archive_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    make_issues(80)

    with django_assert_max_num_queries(2):
        client.get("/issues/?page=3")
