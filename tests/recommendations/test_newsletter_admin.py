"""The newsletter in the back office: subscribers and deliveries, read-only, with each issue's progress."""

import pytest
from django.utils import timezone

from recommendations.models import NewsletterDelivery, Subscriber
from tests.factories import make_issue
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db

Status = NewsletterDelivery.Status


@pytest.fixture
def people():
    now = timezone.now()
    return {
        "confirmed": Subscriber.objects.create(email="confirmed@example.org", confirmed_at=now),
        "pending": Subscriber.objects.create(email="pending@example.org"),
        "gone": Subscriber.objects.create(email="gone@example.org", confirmed_at=now, unsubscribed_at=now),
    }


def rows(response):
    return [row.get_text(" ", strip=True) for row in soup(response).select("#result_list tbody tr")]


def test_it_lists_subscribers_with_their_status_and_never_their_token(admin_client, people):
    response = admin_client.get("/admin/recommendations/subscriber/")

    assert response.status_code == 200
    text = " | ".join(rows(response))
    assert "confirmed@example.org confirmed" in text
    assert "pending@example.org waiting for confirmation" in text
    assert "gone@example.org unsubscribed" in text
    for subscriber in people.values():
        assert subscriber.token not in response.content.decode()
        page = admin_client.get(f"/admin/recommendations/subscriber/{subscriber.pk}/change/")
        assert page.status_code == 200
        assert subscriber.token not in page.content.decode()


@pytest.mark.parametrize(
    ("status", "email"),
    [("confirmed", "confirmed@"), ("pending", "pending@"), ("unsubscribed", "gone@")],
)
def test_it_filters_subscribers_by_status(admin_client, people, status, email):
    response = admin_client.get(f"/admin/recommendations/subscriber/?status={status}")

    [row] = rows(response)
    assert email in row


def test_it_finds_a_subscriber_by_address(admin_client, people):
    assert len(rows(admin_client.get("/admin/recommendations/subscriber/?q=PENDING"))) == 1


def test_it_subscribes_no_one_from_the_back_office(admin_client):
    assert admin_client.get("/admin/recommendations/subscriber/add/").status_code == 403


def test_it_unsubscribes_the_selected_addresses(admin_client, people):
    response = admin_client.post(
        "/admin/recommendations/subscriber/",
        {"action": "unsubscribe", "_selected_action": [people["confirmed"].pk, people["gone"].pk]},
        follow=True,
    )

    assert "1 address unsubscribed." in response.content.decode()
    assert not Subscriber.objects.confirmed().exists()


def test_it_shows_each_issues_progress_above_the_deliveries(admin_client, people, django_assert_max_num_queries):
    first, second = make_issue(128), make_issue(129)
    for issue, status in ((first, Status.SENT), (second, Status.PENDING)):
        for subscriber in people.values():
            NewsletterDelivery.objects.create(issue=issue, subscriber=subscriber, status=status)
    NewsletterDelivery.objects.filter(issue=second, subscriber=people["gone"]).update(
        status=Status.FAILED, error="not sent: unsubscribed before it went out"
    )

    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/recommendations/newsletterdelivery/")

    assert response.status_code == 200
    progress = [row.get_text(" ", strip=True) for row in soup(response).select(".newsletter-progress tbody tr")]
    assert progress == ["Issue 129 0 2 1 3", "Issue 128 3 0 0 3"]
    assert len(rows(response)) == 6
    filtered = admin_client.get(f"/admin/recommendations/newsletterdelivery/?issue__id__exact={first.pk}")
    assert [row.get_text(" ", strip=True) for row in soup(filtered).select(".newsletter-progress tbody tr")] == [
        "Issue 128 3 0 0 3"
    ]


def test_it_keeps_deliveries_read_only(admin_client, people):
    delivery = NewsletterDelivery.objects.create(issue=make_issue(), subscriber=people["confirmed"])

    assert admin_client.get("/admin/recommendations/newsletterdelivery/add/").status_code == 403
    page = admin_client.get(f"/admin/recommendations/newsletterdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert soup(page).select_one('input[name="_save"]') is None
    assert admin_client.post(f"/admin/recommendations/newsletterdelivery/{delivery.pk}/delete/").status_code == 403
