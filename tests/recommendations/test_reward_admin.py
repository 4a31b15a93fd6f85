"""Rewards in the admin: editors read the claims and mark them sent."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import Issue, Reward
from recommendations.rewards.services import reward_claim
from tests.factories import make_entry, make_issue, make_paper, make_recommender
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/recommendations/reward/"
NOTE = "Ada Lovelace\n12 St James's Square, London SW1Y 4JH\n+44 20 7946 0000"


def earn(handle, number, *, title=None):
    """A reward for ``handle``'s recommendation in published issue ``number``."""
    issue = Issue.objects.filter(number=number).first() or make_issue(number)
    recommendation = make_entry(issue, recommender=make_recommender(handle), paper=make_paper(title))
    return Reward.objects.create(recommender=recommendation.recommender, recommendation=recommendation, issue=issue)


def claim(reward, note=NOTE):
    return reward_claim(reward_id=reward.pk, recommender=reward.recommender, shipping_note=note)


def listed(response):
    return [reward.recommender.handle for reward in response.context["cl"].result_list]


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def board():
    """ada claimed and was sent hers, bo claimed, cy did not: issues 127 and 128."""
    ada, bo, cy = earn("ada", 127, title="Backpropamine"), earn("bo", 128), earn("cy", 128)
    ada = claim(ada)
    claim(bo, note="Bo\nSomewhere")
    Reward.objects.filter(pk=ada.pk).update(sent_at=ada.claimed_at)
    return {"ada": ada, "bo": bo, "cy": cy}


# --- The list


def test_it_lists_rewards_with_their_claim(editor_client, board):
    response = editor_client.get(CHANGELIST)

    assert response.status_code == 200
    assert sorted(listed(response)) == ["ada", "bo", "cy"]
    headers = [th.get_text(strip=True) for th in soup(response).select("#result_list thead th")][1:]
    assert headers == ["Recommender", "Issue", "Paper", "Earned at", "Claimed at", "Sent at", "Shipping note"]
    content = response.content.decode()
    assert "Backpropamine" in content
    notes = sorted(td.get_text() for td in soup(response).select("td.field-note_preview"))
    assert notes == ["Ada Lovelace 12 St James's Square, London SW1Y 4JH +44 20 7…", "Bo Somewhere", "—"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("claimed=yes", ["ada", "bo"]),
        ("claimed=no", ["cy"]),
        ("sent=yes", ["ada"]),
        ("sent=no", ["bo"]),
        ("q=BO", ["bo"]),
        ("q=nobody", []),
    ],
)
def test_it_filters_and_searches(editor_client, board, query, expected):
    response = editor_client.get(f"{CHANGELIST}?{query}")

    assert response.status_code == 200
    assert sorted(listed(response)) == expected


def test_it_filters_by_issue(editor_client, board):
    issue = Issue.objects.get(number=128)

    response = editor_client.get(f"{CHANGELIST}?issue__id__exact={issue.pk}")

    assert sorted(listed(response)) == ["bo", "cy"]


def test_it_lists_fifty_rewards_in_as_many_queries_as_five(editor_client):
    for i in range(5):
        claim(earn(f"few{i}", 128))
    with CaptureQueriesContext(connection) as for_5:
        assert len(listed(editor_client.get(CHANGELIST))) == 5
    for i in range(45):
        earn(f"many{i}", 129)
    with CaptureQueriesContext(connection) as for_50:
        assert len(listed(editor_client.get(CHANGELIST))) == 50

    assert len(for_5) == len(for_50)


# --- Marking sent


def test_it_marks_selected_claims_as_sent(editor_client, board):
    bo = board["bo"]

    response = editor_client.post(CHANGELIST, {"action": "mark_sent", "_selected_action": [bo.pk]}, follow=True)

    assert response.status_code == 200
    assert texts(response) == ["Marked 1 reward as sent."]
    bo.refresh_from_db()
    assert bo.sent_at is not None
    assert bo.sent_by == editor_client.editor


def test_it_reports_rewards_it_did_not_mark(editor_client, board):
    ids = [reward.pk for reward in board.values()]

    response = editor_client.post(CHANGELIST, {"action": "mark_sent", "_selected_action": ids}, follow=True)

    messages = texts(response)
    assert messages[0] == "Marked 1 reward as sent."
    assert messages[1] == "1 reward was already marked as sent; left as it was."
    assert messages[2].startswith("Not marked: Reward of cy for issue 128. Not claimed yet")
    cy = board["cy"]
    cy.refresh_from_db()
    assert cy.sent_at is None


def test_it_marks_a_reward_once_however_often_asked(editor_client, board):
    bo = board["bo"]
    editor_client.post(CHANGELIST, {"action": "mark_sent", "_selected_action": [bo.pk]}, follow=True)
    bo.refresh_from_db()
    first = bo.sent_at

    response = editor_client.post(CHANGELIST, {"action": "mark_sent", "_selected_action": [bo.pk]}, follow=True)

    assert texts(response) == ["1 reward was already marked as sent; left as it was."]
    bo.refresh_from_db()
    assert bo.sent_at == first


# --- What editors may and may not do


def test_it_shows_the_shipping_note_read_only(editor_client, board):
    bo = board["bo"]
    url = f"{CHANGELIST}{bo.pk}/change/"

    response = editor_client.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Bo<br>Somewhere" in content
    assert 'name="shipping_note"' not in content

    editor_client.post(url, {"shipping_note": "Rewritten by an editor", "sent_at_0": "2030-01-01"})
    bo.refresh_from_db()
    assert bo.shipping_note == "Bo\nSomewhere"
    assert bo.sent_at is None


def test_it_adds_and_deletes_no_reward(editor_client, admin_client, board):
    for client in (editor_client, admin_client):
        assert client.get(f"{CHANGELIST}add/").status_code == 403
        assert client.get(f"{CHANGELIST}{board['cy'].pk}/delete/").status_code == 403
        response = client.get(CHANGELIST)
        assert b'value="delete_selected"' not in response.content
        assert b'value="mark_sent"' in response.content
    assert Reward.objects.count() == 3


def test_it_keeps_rewards_from_staff_without_the_permission(client, django_user_model, board):
    client.force_login(django_user_model.objects.create_user(username="staff", is_staff=True))

    assert client.get(CHANGELIST).status_code == 403
    response = client.post(CHANGELIST, {"action": "mark_sent", "_selected_action": [board["bo"].pk]})
    assert response.status_code == 403
    board["bo"].refresh_from_db()
    assert board["bo"].sent_at is None
