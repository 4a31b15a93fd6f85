"""The newsletter on real Celery workers: a worker killed mid-send costs no one a copy and gives no one two.

Nothing is faked: the workers are separate processes that take the task from Redis, claim
deliveries in PostgreSQL and talk SMTP to a real server on 127.0.0.1.
"""

import pytest
from django.utils import timezone

from paperdaily.celery import app
from recommendations.models import NewsletterDelivery, Subscriber
from recommendations.newsletter import services as newsletter
from recommendations.newsletter import tasks as newsletter_tasks
from tests.factories import make_entry, make_issue, make_paper
from tests.workers import Worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

Status = NewsletterDelivery.Status

SUBSCRIBERS = 60
BATCH_SIZE = 10
KILL_AT = 25  # the worker dies while the server holds this message's MAIL FROM


@pytest.fixture(autouse=True)
def _empty_queue():
    app.control.purge()


def mail_env(smtp, **env):
    return {
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "PAPERDAILY_SITE_URL": "https://paperdaily.example",
        "PAPERDAILY_NEWSLETTER_BATCH_SIZE": str(BATCH_SIZE),
        **env,
    }


def sent():
    return NewsletterDelivery.objects.filter(status=Status.SENT).count()


def pending():
    return NewsletterDelivery.objects.filter(status=Status.PENDING).count()


def test_it_sends_each_subscriber_one_copy_when_a_worker_is_killed_mid_send(replay, smtp):
    issue = make_issue(129, title="Sparse attention, dense results")
    make_entry(issue, paper=make_paper("CornerNet: Detecting Objects as Paired Keypoints"))
    readers = Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n}@example.org", confirmed_at=timezone.now()) for n in range(SUBSCRIBERS)
    )
    smtp.pause_at_mail = KILL_AT

    with Worker(replay, **mail_env(smtp)) as first:
        newsletter.newsletter_queue_issue(issue_id=issue.pk)  # no transaction here: the task goes at once
        assert smtp.paused.wait(60), f"the worker never reached message {KILL_AT}"
        received_before_kill = len(smtp.messages)
        first.kill()
    smtp.release()

    # Killed halfway: some went, the one in flight and the rest did not.
    assert received_before_kill == KILL_AT - 1
    assert 1 <= received_before_kill <= SUBSCRIBERS - 1
    # PostgreSQL rolled back the dead worker's claim: that delivery is waiting again.
    assert wait_for(lambda: pending() == SUBSCRIBERS - received_before_kill, seconds=10)
    assert sent() == received_before_kill

    # A new worker; beat's sweeper finds the issue stalled and starts its sending again.
    with Worker(replay, **mail_env(smtp, PAPERDAILY_NEWSLETTER_STALLED_AFTER="0")):
        newsletter_tasks.sweep_newsletters.delay()
        assert wait_for(lambda: pending() == 0, seconds=60)

    assert len(smtp.messages) == SUBSCRIBERS
    assert smtp.recipients() == {reader.email: 1 for reader in readers}
    deliveries = NewsletterDelivery.objects.filter(issue=issue)
    assert set(deliveries.values_list("status", "attempts")) == {(Status.SENT, 1)}
    # Each batch went over one connection; the first worker's last one died with it.
    assert smtp.connections == -(-SUBSCRIBERS // BATCH_SIZE) + 1


def test_it_sends_one_issue_from_two_workers_at_once_without_doubles(replay, smtp):
    issue = make_issue(130, title="Two workers")
    make_entry(issue, paper=make_paper("Cross-View Training"))
    readers = Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n}@example.org", confirmed_at=timezone.now()) for n in range(SUBSCRIBERS)
    )
    newsletter.newsletter_queue_issue(issue_id=issue.pk)
    for _copy in range(3):  # several runs for one issue, as a sweep during a live run would add
        newsletter_tasks.enqueue_newsletter(issue.pk)

    with Worker(replay, **mail_env(smtp)), Worker(replay, **mail_env(smtp)):
        assert wait_for(lambda: pending() == 0, seconds=60)

    assert smtp.recipients() == {reader.email: 1 for reader in readers}
    assert len(smtp.messages) == SUBSCRIBERS
