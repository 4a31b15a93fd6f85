"""The decision e-mail to a recommender, and beat's sweep of the decisions nobody was told of."""

import logging

from celery import shared_task
from django.conf import settings

from paperdaily.lib.mail import MAIL_TASK, mail_or_retry
from paperdaily.lib.tasks import enqueue
from recommendations.moderation import services as moderation

logger = logging.getLogger(__name__)


@shared_task(name="recommendations.notify_decision", **MAIL_TASK)
def notify_decision(self, recommendation_id):
    """E-mail the recommender the editor's decision (once per decision)."""
    mail_or_retry(
        self,
        lambda: moderation.recommendation_notify_decision(recommendation_id=recommendation_id),
        label=f"recommendation {recommendation_id}",
    )


@shared_task(name="recommendations.sweep_decision_emails", acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_decision_emails():
    """Beat: send again the decision e-mails that never went out (the broker was down, say)."""
    untold = moderation.recommendations_untold(older_than_seconds=settings.PAPERDAILY_PENDING_SWEEP_AFTER)
    ids = list(untold.values_list("pk", flat=True)[:500])
    for recommendation_id in ids:
        enqueue_notify_decision(recommendation_id)
    return {"recommendations": len(ids)}


def enqueue_notify_decision(recommendation_id):
    """Send the decision e-mail task once the current transaction commits."""
    enqueue(notify_decision, recommendation_id)
