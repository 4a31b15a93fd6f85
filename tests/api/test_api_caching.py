"""Conditional requests: ETag (ConditionalGetMiddleware) and an honest Last-Modified on details."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import http_date

from papers.models import Paper, Repository
from recommendations.models import Issue, Recommendation
from tests.factories import make_entry, make_issue, make_paper, make_tag

pytestmark = pytest.mark.django_db

LATER = timezone.now() + timedelta(hours=1)


@pytest.fixture
def issue_paper(freeze):
    """Issue 1 with one entry whose paper has code; returns the paper."""
    tag = make_tag()
    paper = make_paper("CornerNet", code_urls=["https://github.com/princeton-vl/CornerNet"])
    issue = make_issue(1)
    make_entry(issue, paper=paper, tag=tag)
    make_entry(make_issue(2), paper=make_paper("CenterNet"), tag=tag)
    freeze(issue)
    return paper


def test_it_answers_304_to_a_matching_etag_until_something_shown_changes(api_client, issue_paper):
    for url in ("/api/issues/1/", f"/api/papers/{issue_paper.pk}/", "/api/issues/", "/api/papers/"):
        etag = api_client.get(url)["ETag"]
        assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    etag = api_client.get("/api/issues/1/")["ETag"]
    Repository.objects.update(stars=10)

    changed = api_client.get("/api/issues/1/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["entries"][0]["paper"]["code"][0]["stars_now"] == 10


def test_it_sets_last_modified_on_an_issue_to_the_latest_change_shown(api_client, issue_paper):
    issue = Issue.objects.get(number=1)

    response = api_client.get("/api/issues/1/")

    latest = max(issue.updated_at, issue.published_at, Paper.objects.get(pk=issue_paper.pk).updated_at)
    assert response["Last-Modified"] == http_date(latest.timestamp())


@pytest.mark.parametrize(
    "change",
    [
        lambda paper: Paper.objects.filter(pk=paper.pk).update(title="CornerNet v2", updated_at=LATER),
        lambda paper: Repository.objects.update(stars=99, updated_at=LATER),
        lambda paper: Recommendation.objects.filter(paper=paper).update(writeup_html="<p>New</p>", updated_at=LATER),
        lambda paper: Issue.objects.filter(number=1).update(title="Renamed", updated_at=LATER),
    ],
    ids=["paper", "repository", "recommendation", "issue"],
)
def test_it_answers_304_to_if_modified_since_until_a_change(api_client, issue_paper, change):
    urls = ["/api/issues/1/", f"/api/papers/{issue_paper.pk}/"]
    since = {url: api_client.get(url)["Last-Modified"] for url in urls}
    for url in urls:
        assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=since[url]).status_code == 304

    change(issue_paper)

    for url in urls:
        response = api_client.get(url, HTTP_IF_MODIFIED_SINCE=since[url])
        assert response.status_code == 200
        assert response["Last-Modified"] == http_date(LATER.timestamp())


def test_it_counts_a_related_papers_change_in_the_papers_last_modified(api_client, issue_paper):
    url = f"/api/papers/{issue_paper.pk}/"
    since = api_client.get(url)["Last-Modified"]

    Paper.objects.filter(title="CenterNet").update(title="CenterNet++", updated_at=LATER)

    response = api_client.get(url, HTTP_IF_MODIFIED_SINCE=since)
    assert response.status_code == 200
    assert response.json()["related"][0]["title"] == "CenterNet++"
