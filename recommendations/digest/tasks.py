"""Digest tasks: beat queues each period's digests; workers send them in batches that resume
where they stopped, as the newsletter's do."""

import logging
from datetime import datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from paperdaily.lib.mail import MAX_RETRIES, backoff
from paperdaily.lib.tasks import enqueue
from recommendations.digest import services

logger = logging.getLogger(__name__)


# Seconds a queueing run chooses for before it hands the rest on: well inside its time limit.
QUEUE_BUDGET = 150


@shared_task(name="recommendations.queue_digests", acks_late=True, soft_time_limit=240, time_limit=300)
def queue_digests(frequency, now=None, after_user_id=0):
    """Beat: this period's digests of one frequency ("daily" or "weekly").

    ``now`` (ISO 8601) and ``after_user_id`` are for the run's own continuation, which keeps the
    period it began in.
    """
    queued = services.digest_queue(
        frequency=frequency,
        now=datetime.fromisoformat(now) if now else None,
        after_user_id=after_user_id,
        budget=QUEUE_BUDGET,
    )
    return {"frequency": frequency, "queued": queued}


@shared_task(
    name="recommendations.send_digests",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=240,
    time_limit=300,
    ignore_result=True,
)
def send_digests(self):
    """Send one batch of pending digests, then queue the next batch while any are left."""
    try:
        more = services.digest_send_batch()
    except SoftTimeLimitExceeded:
        logger.warning("digest batch cut short by its time limit")
        more = True
    except OSError as error:
        if self.request.retries >= self.max_retries or self.request.is_eager:
            logger.error("digests paused, beat's sweeper will start them again: %s", error)
            return
        raise self.retry(exc=error, countdown=backoff(self.request.retries)) from None
    if more:
        enqueue(send_digests)


@shared_task(name="recommendations.sweep_digests", acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_digests():
    """Beat: start the sending again when digests wait and none went out for a while (a worker killed)."""
    stalled = services.digests_unfinished()
    if stalled:
        enqueue(send_digests)
    return {"restarted": stalled}
