"""The digest e-mail (issue 18, item 5): chosen per reader, once per period, over real SMTP."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from recommendations.digest import services as digest
from recommendations.foryou import services as foryou
from recommendations.models import DigestDelivery, Follow, LibraryItem, ReaderSettings
from tests.factories import make_entry, make_issue, make_paper, make_tag

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # a Monday morning


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PAPERDAILY_SITE_URL = "https://paperdaily.example/"
    settings.DEFAULT_FROM_EMAIL = "PaperDaily <editors@paperdaily.example>"


@pytest.fixture
def reader(django_user_model):
    user = django_user_model.objects.create_user("reader", "reader@example.org", "reader-password-1")
    ReaderSettings.objects.create(user=user, digest="weekly", digest_since=NOW - timedelta(days=30))
    return user


@pytest.fixture
def topic():
    return make_tag("Object Detection", slug="object-detection")


def new_paper(title, *, tag=None, days_ago=2, number=None):
    issue = make_issue(number, published_at=NOW - timedelta(days=days_ago))
    paper = make_paper(title, authors=["Hei Law"])
    make_entry(issue, paper=paper, **({"tag": tag} if tag else {}))
    return paper


def test_periods_are_iso_weeks_and_days():
    assert digest.digest_period("weekly", NOW) == "2026-W50"
    assert digest.digest_period("daily", NOW) == "2026-12-07"


def test_it_chooses_new_papers_from_follows_and_picks(reader, topic):
    Follow.objects.create(user=reader, tag=topic)
    followed = new_paper("CornerNet", tag=topic)
    other = new_paper("BERT")
    old = new_paper("Old detection paper", tag=topic, days_ago=20)
    foryou.reader_train(user_id=reader.pk)

    chosen = digest.digest_choose(user_id=reader.pk, frequency="weekly", now=NOW)

    papers = [item["paper"] for item in chosen]
    assert papers[0] == followed.pk and chosen[0]["reason"] == {"kind": "followed"}
    assert other.pk in papers and old.pk not in papers


def test_it_queues_once_per_period_and_skips_readers_with_nothing_new(reader, topic, django_user_model):
    quiet = django_user_model.objects.create_user("quiet", "quiet@example.org", "quiet-password-1")
    ReaderSettings.objects.create(user=quiet, digest="weekly", digest_since=NOW)
    Follow.objects.create(user=reader, tag=topic)
    new_paper("CornerNet", tag=topic)

    assert digest.digest_queue(frequency="weekly", now=NOW) == 1
    assert digest.digest_queue(frequency="weekly", now=NOW) == 0
    assert digest.digest_queue(frequency="daily", now=NOW) == 0
    assert list(DigestDelivery.objects.values_list("user__username", "period")) == [("reader", "2026-W50")]


def test_it_sends_each_reader_one_message_with_the_list_headers(reader, topic, smtp):
    Follow.objects.create(user=reader, tag=topic)
    LibraryItem.objects.create(user=reader, paper=new_paper("Saved already", tag=topic))
    new_paper("CornerNet: Detecting Objects as Paired Keypoints", tag=topic)
    digest.digest_queue(frequency="weekly", now=NOW)

    while digest.digest_send_batch():
        pass
    digest.digest_send_batch()

    [received] = smtp.messages
    message = received.message
    token = reader.reader_settings.digest_token
    assert message["To"] == "reader@example.org"
    assert message["Subject"] == "Your PaperDaily digest: 1 new paper"
    assert message["Message-ID"] == f"<digest.2026-W50.user-{reader.pk}@paperdaily.example>"
    assert message["List-Unsubscribe"].strip() == f"<https://paperdaily.example/digest/unsubscribe/{token}/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "CornerNet: Detecting Objects as Paired Keypoints" in received.text
    assert "New from what you follow" in received.text and "Saved already" not in received.text
    assert DigestDelivery.objects.get().status == "sent"

    # A week on, what was sent is not sent again.
    assert digest.digest_queue(frequency="weekly", now=NOW + timedelta(days=7)) == 0


def test_a_reader_who_unsubscribed_before_the_send_gets_nothing(reader, topic, smtp):
    Follow.objects.create(user=reader, tag=topic)
    new_paper("CornerNet", tag=topic)
    digest.digest_queue(frequency="weekly", now=NOW)
    digest.digest_unsubscribe(token=reader.reader_settings.digest_token)

    digest.digest_send_batch()

    assert smtp.messages == []
    row = DigestDelivery.objects.get()
    assert row.status == "failed" and row.error == "not sent: unsubscribed before it went out"


def test_one_click_unsubscribe_needs_no_csrf_token(reader):
    client = Client(enforce_csrf_checks=True)
    token = reader.reader_settings.digest_token

    response = client.post(f"/digest/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    reader.reader_settings.refresh_from_db()
    assert reader.reader_settings.digest == "off"


def test_an_unknown_or_malformed_token_is_a_calm_404(client):
    assert client.get("/digest/unsubscribe/" + "A" * 43 + "/").status_code == 404
    assert client.get("/digest/unsubscribe/%00bad/").status_code == 404
    assert client.post("/digest/unsubscribe/x/", {"nothing": "1"}).status_code == 400


def test_the_settings_page_chooses_the_frequency(reader):
    client = Client()
    client.force_login(reader)
    assert client.get("/digest/").status_code == 200

    response = client.post("/digest/", {"digest": "daily"})

    assert response.status_code == 302
    settings_row = ReaderSettings.objects.get(user=reader)
    assert settings_row.digest == "daily" and settings_row.digest_since > timezone.now() - timedelta(minutes=1)
    assert client.post("/digest/", {"digest": "hourly"}).status_code == 400
    assert ReaderSettings.objects.get(user=reader).digest == "daily"


def test_the_settings_page_needs_a_login(client):
    assert client.get("/digest/")["Location"].startswith("/accounts/login/")
