"""Digests on real Celery workers: a worker killed mid-send costs no reader a digest and gives none two.

As the newsletter's test: separate worker processes take the task from Redis, claim deliveries
in PostgreSQL and talk SMTP to a real server on 127.0.0.1.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from paperdaily.celery import app
from recommendations.digest import services as digest
from recommendations.digest import tasks as digest_tasks
from recommendations.models import DigestDelivery, Follow, ReaderSettings
from tests.factories import make_entry, make_issue, make_paper, make_tag
from tests.workers import Worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

READERS = 30
BATCH_SIZE = 10
KILL_AT = 14  # the worker dies while the server holds this message's MAIL FROM


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


def pending():
    return DigestDelivery.objects.filter(status="pending").count()


def test_each_reader_gets_one_digest_when_a_worker_is_killed_mid_send(replay, smtp):
    topic = make_tag("Object Detection", slug="object-detection")
    make_entry(
        make_issue(129, published_at=timezone.now() - timedelta(days=1)), paper=make_paper("CornerNet"), tag=topic
    )
    users = get_user_model().objects
    readers = []
    for n in range(READERS):
        user = users.create_user(f"reader{n}", f"reader{n}@example.org", "reader-password-1")
        ReaderSettings.objects.create(user=user, digest="weekly", digest_since=timezone.now() - timedelta(days=3))
        Follow.objects.create(user=user, tag=topic)
        readers.append(user)
    smtp.pause_at_mail = KILL_AT

    with Worker(replay, **mail_env(smtp)) as first:
        assert digest.digest_queue(frequency="weekly") == READERS  # no transaction here: the task goes at once
        assert smtp.paused.wait(60), f"the worker never reached message {KILL_AT}"
        received_before_kill = len(smtp.messages)
        first.kill()
    smtp.release()

    assert received_before_kill == KILL_AT - 1
    # PostgreSQL rolled back the dead worker's claim: that digest is waiting again.
    assert wait_for(lambda: pending() == READERS - received_before_kill, seconds=10)

    with Worker(replay, **mail_env(smtp, PAPERDAILY_NEWSLETTER_STALLED_AFTER="0")):
        digest_tasks.sweep_digests.delay()
        assert wait_for(lambda: pending() == 0, seconds=60)

    assert smtp.recipients() == {reader.email: 1 for reader in readers}
    assert set(DigestDelivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    # The period is queued again by the next beat: nothing more goes out.
    assert digest.digest_queue(frequency="weekly") == 0
