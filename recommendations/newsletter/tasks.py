"""Newsletter tasks: sign-ups recorded off the request, confirmation mails, and an issue sent in
batches that resume where they stopped."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from kombu.exceptions import OperationalError

from paperdaily.lib.mail import MAIL_TASK, MAX_RETRIES, backoff, mail_or_retry
from paperdaily.lib.tasks import enqueue
from recommendations.newsletter import services as newsletter

logger = logging.getLogger(__name__)


# The newsletter: PostgreSQL holds each delivery's status, so any number of these may run
# for one issue at once (each claims rows the others skip), and a lost one is restarted by
# the sweeper. A mail server that cannot be reached is tried again with backoff.
@shared_task(
    name="recommendations.send_newsletter",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=240,
    time_limit=300,
    ignore_result=True,
)
def send_newsletter(self, issue_id):
    """Send one batch of an issue's newsletter, then queue the next batch while any are left."""
    try:
        more = newsletter.newsletter_send_batch(issue_id=issue_id)
    except SoftTimeLimitExceeded:
        # A slow mail server: what went out is recorded, the message in flight is pending again.
        logger.warning("issue %s: newsletter batch cut short by its time limit", issue_id)
        more = True
    except OSError as error:
        # smtplib's errors are OSErrors, as are refused connections and socket timeouts.
        if self.request.retries >= self.max_retries or self.request.is_eager:
            logger.error("issue %s: newsletter paused, beat's sweeper will start it again: %s", issue_id, error)
            return
        raise self.retry(exc=error, countdown=backoff(self.request.retries)) from None
    if more:
        enqueue_newsletter(issue_id)


@shared_task(name="recommendations.sweep_newsletters", acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_newsletters():
    """Beat: start again the newsletters whose sending stopped (a worker killed, the broker down)."""
    issue_ids = list(newsletter.newsletter_issues_unfinished())
    for issue_id in issue_ids:
        enqueue_newsletter(issue_id)
    return {"issues": issue_ids}


def enqueue_newsletter(issue_id):
    """Send the next batch of the issue's newsletter once the current transaction commits."""
    enqueue(send_newsletter, issue_id)


@shared_task(name="recommendations.newsletter_subscribe", acks_late=True, soft_time_limit=50, time_limit=60)
def newsletter_subscribe(email):
    """Record a newsletter sign-up (and queue its confirmation mail): the view only queues this,
    so that its answer takes as long for a known address as for a new one."""
    newsletter.subscriber_subscribe(email=email)


def enqueue_newsletter_subscribe(email):
    """Record the newsletter sign-up of ``email`` from a task, once the current transaction commits.

    No sweeper knows of a sign-up that never reached the broker, so with the broker down it is
    recorded at once instead (its answer then takes longer, but nothing the reader asked is lost).
    """

    def send():
        try:
            newsletter_subscribe.apply_async(args=(email,), retry=False)
        except OperationalError as error:
            logger.warning("could not queue a newsletter sign-up, recording it now: %s", error)
            newsletter.subscriber_subscribe(email=email)

    transaction.on_commit(send)


@shared_task(name="recommendations.send_newsletter_confirmation", **MAIL_TASK)
def send_newsletter_confirmation(self, subscriber_id):
    """E-mail a new subscriber the link that confirms the address (if it fails for good, signing up again sends one)."""
    mail_or_retry(
        self,
        lambda: newsletter.subscriber_send_confirmation(subscriber_id=subscriber_id),
        label=f"subscriber {subscriber_id}",
    )


def enqueue_newsletter_confirmation(subscriber_id):
    """Send the confirmation e-mail task once the current transaction commits."""
    enqueue(send_newsletter_confirmation, subscriber_id)
