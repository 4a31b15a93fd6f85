"""A reading page never writes to the database: no INSERT, UPDATE or DELETE on any GET a reader makes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import Recommendation
from tests.factories import make_issue_with_entries

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


@pytest.fixture
def archive():
    make_issue_with_entries(3, number=127)
    issue = make_issue_with_entries(3, number=128)
    recommendation = (
        Recommendation.objects.filter(issue_entry__issue=issue).select_related("tag", "recommender").first()
    )
    return {
        "paper": recommendation.paper_id,
        "tag": recommendation.tag.slug,
        "handle": recommendation.recommender.handle,
    }


def reading_urls(rows):
    return [
        "/",
        "/issues/",
        "/issues/128/",
        f"/papers/{rows['paper']}/",
        "/tags/",
        f"/tags/{rows['tag']}/",
        "/recommenders/",
        f"/recommenders/{rows['handle']}/",
        "/search/?q=bulk",
        "/feeds/issues.atom",
        "/feeds/issues.rss",
        f"/feeds/tags/{rows['tag']}.atom",
        "/issues/128/export.md",
        "/issues/128/export.html",
        "/issues/128/papers.bib",
        "/api/",
        "/api/issues/",
        "/api/issues/128/",
        "/api/papers/",
        f"/api/papers/{rows['paper']}/",
        "/api/tags/",
        f"/api/tags/{rows['tag']}/",
        "/api/areas/",
        "/api/recommenders/",
        f"/api/recommenders/{rows['handle']}/",
        "/api/search/?q=bulk",
    ]


def test_it_answers_every_reading_page_without_writing(client, archive):
    for url in reading_urls(archive):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_USER_AGENT=FIREFOX)
        assert response.status_code == 200, url
        writes = [
            query["sql"]
            for query in queries
            if query["sql"].lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
        ]
        assert writes == [], url
