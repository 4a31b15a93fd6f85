"""The thank-you page after recommending, and the status it polls."""

import pytest
from bs4 import BeautifulSoup

from papers.models import Paper
from recommendations.models import Recommendation
from tests.factories import make_paper, make_recommendation

from .helpers import login_recommender

pytestmark = pytest.mark.django_db


@pytest.fixture
def rec(client, django_user_model):
    recommender = login_recommender(client, django_user_model)
    paper = make_paper("", arxiv_id="1809.08370", metadata_status=Paper.MetadataStatus.PENDING)
    return make_recommendation(
        paper=paper, recommender=recommender, status=Recommendation.Status.SUBMITTED, submitted_link="1809.08370"
    )


def test_it_shows_the_link_while_the_paper_is_fetched(client, rec):
    response = client.get(f"/recommend/{rec.pk}/thanks/")
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("[data-paper-title]").get_text(strip=True) == "1809.08370"
    assert soup.select_one("[data-paper-state][data-pending]")
    assert soup.select_one("[data-status-url]")["data-status-url"] == f"/recommend/{rec.pk}/status/"


def test_it_shows_the_title_once_known(client, rec):
    Paper.objects.filter(pk=rec.paper_id).update(title="Semi-Supervised Sequence Modeling", metadata_status="ok")
    soup = BeautifulSoup(client.get(f"/recommend/{rec.pk}/thanks/").content, "html.parser")
    assert soup.select_one("[data-paper-title]").get_text(strip=True) == "Semi-Supervised Sequence Modeling"
    assert not soup.select_one("[data-pending]")


def test_status_answers_the_title_and_status_as_json(client, rec, django_assert_max_num_queries):
    Paper.objects.filter(pk=rec.paper_id).update(title="Semi-Supervised Sequence Modeling", metadata_status="ok")
    with django_assert_max_num_queries(6):
        response = client.get(f"/recommend/{rec.pk}/status/")
    data = response.json()
    assert data["status"] == "submitted"
    assert data["paper"]["title"] == "Semi-Supervised Sequence Modeling"
    assert data["paper"]["metadata_status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_it_hides_other_peoples_recommendations(client, rec, django_user_model):
    other = make_recommendation(status=Recommendation.Status.SUBMITTED)
    assert client.get(f"/recommend/{other.pk}/thanks/").status_code == 404
    assert client.get(f"/recommend/{other.pk}/status/").status_code == 404
    assert client.get("/recommend/99999999999999999999/status/").status_code == 404


@pytest.mark.parametrize("state", ["pending", "failed", "needs_editor"])
def test_it_shows_the_title_at_once_when_the_paper_is_already_known(client, rec, state):
    Paper.objects.filter(pk=rec.paper_id).update(title="Semi-Supervised Sequence Modeling", metadata_status=state)

    soup = BeautifulSoup(client.get(f"/recommend/{rec.pk}/thanks/").content, "html.parser")

    assert soup.select_one("[data-paper-title]").get_text(strip=True) == "Semi-Supervised Sequence Modeling"
    note = soup.select_one("[data-paper-state]").get_text(" ", strip=True)
    assert "We know this paper already" in note
    assert "editor will" not in note


def test_it_promises_nothing_when_the_fetch_failed(client, rec):
    Paper.objects.filter(pk=rec.paper_id).update(metadata_status="failed")

    soup = BeautifulSoup(client.get(f"/recommend/{rec.pk}/thanks/").content, "html.parser")

    assert "will complete" not in soup.get_text()
    assert "Your link is saved" in soup.select_one("[data-paper-state]").get_text()
