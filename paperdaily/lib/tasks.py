"""Sending a task once the caller's transaction commits, by the task's registered name.

Services name the task they want sent (``enqueue("papers.fetch_paper", paper.pk)``) rather than
import it: task modules import services, so a service importing a task module back would close
a cycle. A name that no task is registered under fails at the call, not at commit.
"""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def _registered(name):
    """The task registered under ``name``; a web process loads the task modules on first need, as
    a worker does at its start (Celery only discovers them there)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue(task, *args, countdown=None):
    """Send ``task`` (a task, or the name it is registered under) once the current transaction
    commits (at once outside one).

    A broker that is down must not undo what the caller saved: the row stays "pending"
    and the sweeper sends it again once the broker is back.
    """
    if isinstance(task, str):
        task = _registered(task)

    def send():
        try:
            task.apply_async(args=args, countdown=countdown, retry=False)
        except OperationalError as error:
            logger.warning("could not enqueue %s%s, the sweeper will: %s", task.name, args, error)

    transaction.on_commit(send)
