"""What a digest holds, decided when it is queued: only what is new to this reader, and only theirs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from recommendations.digest import services as digest
from recommendations.digest import tasks as digest_tasks
from recommendations.models import DigestDelivery, Follow, ForYouPick, LibraryItem, ReaderSettings
from tests.factories import make_entry, make_issue, make_paper, make_tag

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # a Monday morning: week 2026-W50 begins


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PAPERDAILY_SITE_URL = "https://paperdaily.example/"
    settings.DEFAULT_FROM_EMAIL = "PaperDaily <editors@paperdaily.example>"


def make_reader(users, name, *, frequency="weekly", since=NOW - timedelta(days=30)):
    user = users.objects.create_user(name, f"{name}@example.org", f"{name}-password-1")
    ReaderSettings.objects.create(user=user, digest=frequency, digest_since=since)
    return user


def new_paper(title, *, tag=None, published_at=None, authors=("Hei Law",)):
    issue = make_issue(published_at=published_at or NOW - timedelta(days=2))
    paper = make_paper(title, authors=list(authors))
    make_entry(issue, paper=paper, **({"tag": tag} if tag else {}))
    return paper


def queued_papers(user):
    return [item["paper"] for item in DigestDelivery.objects.get(user=user).papers]


def send_all():
    while digest.digest_send_batch():
        pass


def test_it_does_not_send_a_paper_again_when_two_periods_overlap(django_user_model, smtp):
    reader = make_reader(django_user_model, "reader")
    topic = make_tag("Object Detection", slug="object-detection")
    Follow.objects.create(user=reader, tag=topic)
    # In both the Sunday (2026-W49) and the Monday (2026-W50) seven-day windows.
    twice = new_paper("CornerNet", tag=topic, published_at=NOW - timedelta(days=2))
    digest.digest_queue(frequency="weekly", now=NOW - timedelta(days=1))
    send_all()
    later = new_paper("CenterNet", tag=topic, published_at=NOW - timedelta(hours=3))

    assert digest.digest_queue(frequency="weekly", now=NOW) == 1

    rows = dict(DigestDelivery.objects.filter(user=reader).values_list("period", "papers"))
    assert rows == {
        "2026-W49": [{"paper": twice.pk, "reason": {"kind": "followed"}}],
        "2026-W50": [{"paper": later.pk, "reason": {"kind": "followed"}}],
    }
    send_all()
    assert [received.message["Subject"] for received in smtp.messages] == [
        "Your PaperDaily digest: 1 new paper",
        "Your PaperDaily digest: 1 new paper",
    ]
    assert "CornerNet" in smtp.messages[0].text and "CornerNet" not in smtp.messages[1].text


def test_it_sends_what_was_chosen_at_queue_time(django_user_model, smtp):
    reader = make_reader(django_user_model, "reader")
    topic = make_tag("Object Detection", slug="object-detection")
    Follow.objects.create(user=reader, tag=topic)
    new_paper("CornerNet", tag=topic)
    digest.digest_queue(frequency="weekly", now=NOW)
    new_paper("Published after the queueing", tag=topic, published_at=NOW - timedelta(hours=1))

    send_all()

    [received] = smtp.messages
    assert "CornerNet" in received.text and "Published after the queueing" not in received.text


def test_it_leaves_out_what_came_before_the_reader_chose_the_digest(django_user_model):
    reader = make_reader(django_user_model, "reader", since=NOW - timedelta(days=1))
    topic = make_tag("Object Detection", slug="object-detection")
    Follow.objects.create(user=reader, tag=topic)
    new_paper("Before the opt-in", tag=topic, published_at=NOW - timedelta(days=3))

    assert digest.digest_queue(frequency="weekly", now=NOW) == 0

    after = new_paper("After the opt-in", tag=topic, published_at=NOW - timedelta(hours=2))
    assert digest.digest_queue(frequency="weekly", now=NOW) == 1
    assert queued_papers(reader) == [after.pk]


def test_it_takes_picks_by_rank_without_the_library_in_any_state(django_user_model):
    reader = make_reader(django_user_model, "reader")
    papers = [new_paper(f"Pick {rank}") for rank in range(1, 10)]
    for rank, paper in enumerate(papers, start=1):
        ForYouPick.objects.create(user=reader, paper=paper, rank=rank, score=1 / rank, reason={"kind": "new"})
    LibraryItem.objects.create(user=reader, paper=papers[0], state=LibraryItem.State.SAVED)
    LibraryItem.objects.create(user=reader, paper=papers[2], state=LibraryItem.State.NOT_INTERESTED)

    digest.digest_queue(frequency="weekly", now=NOW)

    assert queued_papers(reader) == [papers[n].pk for n in (1, 3, 4, 5, 6)]  # five, by rank


def test_it_lists_a_followed_paper_that_is_also_a_pick_once(django_user_model):
    reader = make_reader(django_user_model, "reader")
    topic = make_tag("Object Detection", slug="object-detection")
    Follow.objects.create(user=reader, tag=topic)
    both = new_paper("CornerNet", tag=topic)
    ForYouPick.objects.create(user=reader, paper=both, rank=1, score=1.0, reason={"kind": "new"})

    digest.digest_queue(frequency="weekly", now=NOW)

    assert DigestDelivery.objects.get().papers == [{"paper": both.pk, "reason": {"kind": "followed"}}]


def test_it_queues_no_closed_account_and_no_reader_of_the_other_frequency(django_user_model):
    topic = make_tag("Object Detection", slug="object-detection")
    new_paper("CornerNet", tag=topic, published_at=NOW - timedelta(hours=2))
    closed = make_reader(django_user_model, "closed")
    closed.is_active = False
    closed.save()
    no_address = make_reader(django_user_model, "noaddress")
    no_address.email = ""
    no_address.save()
    daily = make_reader(django_user_model, "daily", frequency="daily")
    weekly = make_reader(django_user_model, "weekly")
    for user in (closed, no_address, daily, weekly):
        Follow.objects.create(user=user, tag=topic)

    assert digest.digest_queue(frequency="daily", now=NOW) == 1

    assert list(DigestDelivery.objects.values_list("user__username", "period")) == [("daily", "2026-12-07")]


def test_it_shows_no_reader_another_readers_digest(django_user_model, smtp):
    ann, bob = make_reader(django_user_model, "ann"), make_reader(django_user_model, "bob")
    detection = make_tag("Object Detection", slug="object-detection")
    parsing = make_tag("Parsing", slug="parsing")
    Follow.objects.create(user=ann, tag=detection)
    Follow.objects.create(user=bob, tag=parsing)
    new_paper("CornerNet", tag=detection)
    new_paper("Dependency Parsing at Scale", tag=parsing)

    digest.digest_queue(frequency="weekly", now=NOW)
    send_all()

    mails = {received.message["To"]: received for received in smtp.messages}
    assert set(mails) == {"ann@example.org", "bob@example.org"}
    for user, own, other in ((ann, "CornerNet", "Dependency Parsing"), (bob, "Dependency Parsing", "CornerNet")):
        mail = mails[user.email]
        token = user.reader_settings.digest_token
        assert own in mail.text and own in mail.html
        assert other not in mail.text and other not in mail.html
        assert token in mail.message["List-Unsubscribe"]
    assert ann.reader_settings.digest_token not in mails[bob.email].raw.decode()
    # The settings page speaks of the signed-in reader only.
    client = Client()
    client.force_login(bob)
    page = client.get("/digest/").content.decode()
    assert "bob@example.org" in page and "ann@example.org" not in page


def test_it_stops_the_next_digest_after_a_one_click_unsubscribe(django_user_model, smtp):
    reader = make_reader(django_user_model, "reader")
    topic = make_tag("Object Detection", slug="object-detection")
    Follow.objects.create(user=reader, tag=topic)
    new_paper("CornerNet", tag=topic, published_at=NOW - timedelta(days=1))
    digest.digest_queue(frequency="weekly", now=NOW - timedelta(hours=1))  # still 2026-W49
    send_all()
    [received] = smtp.messages
    unsubscribe_url = received.message["List-Unsubscribe"].strip().strip("<>")

    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_url.removeprefix("https://paperdaily.example"), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    new_paper("CenterNet", tag=topic, published_at=NOW - timedelta(minutes=30))
    assert digest.digest_queue(frequency="weekly", now=NOW) == 0
    assert ReaderSettings.objects.get(user=reader).digest == "off"


def test_it_hands_the_rest_on_when_its_time_is_spent_and_keeps_the_period(
    django_user_model, smtp, eager, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(digest_tasks, "QUEUE_BUDGET", 0)  # each run chooses for one reader, then hands on
    topic = make_tag("Object Detection", slug="object-detection")
    new_paper("CornerNet", tag=topic)
    readers = [make_reader(django_user_model, f"reader{n}") for n in range(4)]
    for user in readers:
        Follow.objects.create(user=user, tag=topic)

    with django_capture_on_commit_callbacks(execute=True):
        assert digest.digest_queue(frequency="weekly", now=NOW, budget=0) == 1

    # The runs that went on kept the first one's period, whatever the clock said.
    assert sorted(DigestDelivery.objects.values_list("user__username", "period", "status")) == [
        (user.username, "2026-W50", "sent") for user in readers
    ]
    assert smtp.recipients() == {user.email: 1 for user in readers}


def test_it_does_not_repeat_what_an_earlier_digest_still_waiting_to_go_holds(django_user_model, smtp):
    reader = make_reader(django_user_model, "reader")
    topic = make_tag("Object Detection", slug="object-detection")
    Follow.objects.create(user=reader, tag=topic)
    waiting = new_paper("CornerNet", tag=topic, published_at=NOW - timedelta(days=2))
    smtp.refuse["reader@example.org"] = "451 4.3.0 Try again later"
    digest.digest_queue(frequency="weekly", now=NOW - timedelta(days=1))  # 2026-W49
    with pytest.raises(OSError):
        digest.digest_send_batch()
    assert DigestDelivery.objects.get().status == "pending"
    later = new_paper("CenterNet", tag=topic, published_at=NOW - timedelta(hours=3))

    digest.digest_queue(frequency="weekly", now=NOW)  # 2026-W50, while W49's still waits
    del smtp.refuse["reader@example.org"]
    send_all()

    rows = dict(DigestDelivery.objects.filter(user=reader).values_list("period", "papers"))
    assert [item["paper"] for item in rows["2026-W49"]] == [waiting.pk]
    assert [item["paper"] for item in rows["2026-W50"]] == [later.pk]
    assert sorted("CornerNet" in received.text for received in smtp.messages) == [False, True]
