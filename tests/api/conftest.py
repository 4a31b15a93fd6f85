"""Fixtures shared by the API tests."""

import pytest
from rest_framework.test import APIClient

from recommendations.reading.cards import issue_recommendations, paper_facts


@pytest.fixture
def api_client():
    """An anonymous API client: answers are parsed with ``response.json()``."""
    return APIClient()


@pytest.fixture
def freeze():
    """Freeze a published issue's cards as publishing does: ``freeze(issue)``."""

    def freeze_issue(issue):
        for recommendation in issue_recommendations(issue):
            entry = recommendation.issue_entry
            entry.snapshot = paper_facts(recommendation.paper)
            entry.save(update_fields=["snapshot"])
        return issue

    return freeze_issue


def results(response):
    """The rows of a paginated answer, after checking that it is one."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    return body["results"]
