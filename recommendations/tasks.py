"""The Celery tasks of every feature: Celery's autodiscovery imports this module, and these with it.

Tasks are thin: they take ids and call a service. Services never import a task module; they
send a task by its registered name (paperdaily.lib.tasks.enqueue), so nothing here is a cycle.
"""

from recommendations.accounts import tasks as accounts_tasks
from recommendations.digest import tasks as digest_tasks
from recommendations.foryou import tasks as foryou_tasks
from recommendations.issues import tasks as issues_tasks
from recommendations.moderation import tasks as moderation_tasks
from recommendations.newsletter import tasks as newsletter_tasks
from recommendations.reading import tasks as reading_tasks

__all__ = [
    "accounts_tasks",
    "digest_tasks",
    "foryou_tasks",
    "issues_tasks",
    "moderation_tasks",
    "newsletter_tasks",
    "reading_tasks",
]
