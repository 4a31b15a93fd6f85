"""For you's tasks: one reader's picks, after their signals change; everyone's, after a publication
and nightly."""

from celery import shared_task

from paperdaily.lib.tasks import enqueue
from recommendations.foryou import services


@shared_task(name="recommendations.train_for_you", acks_late=True, soft_time_limit=50, time_limit=60)
def train_for_you(user_id):
    """One reader's picks. Sent again and again by a busy reader, it trains once per change."""
    reader_model = services.reader_train(user_id=user_id)
    return {"user": user_id, "picks_made_at": reader_model.trained_at.isoformat(), "seconds": reader_model.seconds}


@shared_task(name="recommendations.train_for_you_all", acks_late=True, soft_time_limit=50, time_limit=60)
def train_for_you_all():
    """After a publication, and nightly: one task per reader with signals, spread over the workers."""
    users = services.readers_with_signals()
    for user_id in users:
        enqueue(train_for_you, user_id)
    return {"readers": len(users)}
