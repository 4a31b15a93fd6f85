"""Celery tasks of the metadata workers: thin wrappers that take ids and call a service.

Every task is idempotent (services upsert by identifier), acknowledged late so a killed
worker's message is redelivered, bounded by time limits, and retried with exponential
backoff when the error says a retry may help. PostgreSQL is the record of truth: beat's
sweeper re-enqueues whatever a lost message left "pending", and each fetch counts its tries
on the row, so that one whose tries never finish still ends "failed" with its reason.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from paperdaily.lib.tasks import enqueue
from papers import services
from papers.models import Paper, Repository
from papers.services import enqueue_papers, enqueue_repositories
from papers.sources.base import TemporaryError

logger = logging.getLogger(__name__)

BACKOFF_MAX = 3600

# A hard time limit kills the pool process and Celery acknowledges the message: nothing is
# retried from the queue. The row still says "pending" with a try begun, so the sweeper sends it
# again, and the tries counted on the row bound how often (papers_start_attempt).
_fetch_task = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": settings.PAPERDAILY_FETCH_MAX_RETRIES,
    "soft_time_limit": settings.PAPERDAILY_FETCH_SOFT_TIME_LIMIT,
    "time_limit": settings.PAPERDAILY_FETCH_TIME_LIMIT,
    "ignore_result": True,
}


def backoff(retries: int) -> float:
    """Seconds before retry number ``retries + 1``: the base setting (30 s by default), doubled each time."""
    return min(settings.PAPERDAILY_FETCH_RETRY_BACKOFF * 2**retries, BACKOFF_MAX)


def attempts() -> int:
    """Tries a fetch gets: the first and its retries."""
    return settings.PAPERDAILY_FETCH_MAX_RETRIES + 1


def _last_try(task) -> bool:
    return task.request.is_eager or task.request.retries >= settings.PAPERDAILY_FETCH_MAX_RETRIES


def _retry(task, error, *, countdown, args=None):
    return task.retry(args=args, exc=error, countdown=countdown, max_retries=settings.PAPERDAILY_FETCH_MAX_RETRIES)


def _retry_or_give_up(task, error, record_failure):
    """Retry after the delay the API asked for (or a growing backoff); after the last
    attempt, record the failure on the row instead of raising."""
    if _last_try(task):
        record_failure(str(error))
        return
    delay = getattr(error, "retry_after", None)
    countdown = backoff(task.request.retries) if delay is None else min(max(delay, 0.5), BACKOFF_MAX)
    raise _retry(task, error, countdown=countdown)


def _stopped(task, error, record_unfinished, *, single=False):
    """The soft time limit interrupted this try: say so on the rows it left unfinished (the
    others have their outcome), and retry those alone with backoff, or fail them after the last try.

    ``record_unfinished(message, final)`` records and returns the unfinished rows' ids;
    ``single``: the task takes one id, not a list.
    """
    soft_limit = (task.request.timelimit or (None, None))[1] or task.soft_time_limit
    values = {"seconds": f"{soft_limit:g}", "api": getattr(error, "waiting_for", None)}
    if values["api"]:
        message = _("stopped after %(seconds)s s: %(api)s kept the request open") % values
    else:
        message = _("stopped after %(seconds)s s, before it finished") % values
    final = _last_try(task)
    unfinished = record_unfinished(message, final)
    logger.warning("%s[%s] %s; unfinished: %s", task.name, task.request.id, message, unfinished)
    if unfinished and not final:
        raise _retry(task, error, countdown=backoff(task.request.retries), args=unfinished if single else [unfinished])


@shared_task(name="papers.fetch_paper", **_fetch_task)
def fetch_paper(self, paper_id):
    try:
        if not services.papers_start_attempt(paper_ids=[paper_id], attempts=attempts()):
            return  # deleted, or out of tries (recorded)
        services.paper_fetch_metadata(paper_id=paper_id)
    except Paper.DoesNotExist:
        logger.info("paper %s was deleted before its fetch ran", paper_id)
    except TemporaryError as error:
        _retry_or_give_up(
            self, error, lambda message: services.paper_record_error(paper_id=paper_id, message=message, final=True)
        )
    except SoftTimeLimitExceeded as error:
        _stopped(self, error, _papers_unfinished([paper_id]), single=True)


@shared_task(name="papers.fetch_arxiv_batch", **_fetch_task)
def fetch_arxiv_batch(self, paper_ids):
    try:
        paper_ids = services.papers_start_attempt(paper_ids=paper_ids, attempts=attempts())
        services.papers_fetch_arxiv_batch(paper_ids=paper_ids)
    except TemporaryError as error:

        def record(message):
            for paper_id in paper_ids:
                services.paper_record_error(paper_id=paper_id, message=message, final=True)

        _retry_or_give_up(self, error, record)
    except SoftTimeLimitExceeded as error:
        _stopped(self, error, _papers_unfinished(paper_ids))


@shared_task(name="papers.fetch_repository", **_fetch_task)
def fetch_repository(self, repository_id):
    try:
        if not services.repositories_start_attempt(repository_ids=[repository_id], attempts=attempts()):
            return  # deleted, or out of tries (recorded)
        services.repository_fetch(repository_id=repository_id)
    except Repository.DoesNotExist:
        logger.info("repository %s was deleted before its fetch ran", repository_id)
    except TemporaryError as error:
        _retry_or_give_up(
            self,
            error,
            lambda message: services.repository_record_error(repository_id=repository_id, message=message, final=True),
        )
    except SoftTimeLimitExceeded as error:
        _stopped(self, error, _repositories_unfinished([repository_id]), single=True)


@shared_task(name="papers.fetch_repositories", **_fetch_task)
def fetch_repositories(self, repository_ids):
    """Many repositories at once (an issue's, beat's daily list); one that may succeed later is retried alone."""
    try:
        repository_ids = services.repositories_start_attempt(repository_ids=repository_ids, attempts=attempts())
        retry = services.repositories_fetch(repository_ids=repository_ids)
    except SoftTimeLimitExceeded as error:
        _stopped(self, error, _repositories_unfinished(repository_ids))
        return
    for repository_id, error in retry.items():
        delay = error.retry_after if error.retry_after is not None else backoff(0)
        enqueue(fetch_repository, repository_id, countdown=min(max(delay, 0.5), BACKOFF_MAX))


@shared_task(name="papers.fetch_thumbnail", **_fetch_task)
def fetch_thumbnail(self, paper_id):
    """Draw an arXiv paper's first page; its PDF is one request from the arXiv budget."""
    try:
        services.paper_fetch_thumbnail(paper_id=paper_id)
    except Paper.DoesNotExist:
        logger.info("paper %s was deleted before its thumbnail was drawn", paper_id)
    except TemporaryError as error:
        _retry_or_give_up(
            self, error, lambda message: services.paper_record_thumbnail_error(paper_id=paper_id, message=message)
        )
    except SoftTimeLimitExceeded:
        services.paper_record_thumbnail_error(paper_id=paper_id, message=_("stopped before the thumbnail was drawn"))


@shared_task(name="papers.fetch_missing_thumbnails", acks_late=True, soft_time_limit=100, time_limit=120)
def fetch_missing_thumbnails(limit=200):
    """Beat, or an operator: send the arXiv papers that have no thumbnail yet to be drawn."""
    paper_ids = list(services.papers_missing_thumbnail().order_by("pk").values_list("pk", flat=True)[:limit])
    services.enqueue_thumbnails(paper_ids)
    return {"papers": len(paper_ids)}


def _papers_unfinished(paper_ids):
    return lambda message, final: services.papers_record_unfinished(paper_ids=paper_ids, message=message, final=final)


def _repositories_unfinished(repository_ids):
    return lambda message, final: services.repositories_record_unfinished(
        repository_ids=repository_ids, message=message, final=final
    )


@shared_task(name="papers.sweep_pending", acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_pending():
    """Beat: enqueue again what is still pending long after it was saved."""
    after = settings.PAPERDAILY_PENDING_SWEEP_AFTER
    paper_ids = list(services.papers_stuck_pending(older_than_seconds=after).values_list("pk", "arxiv_id")[:1000])
    enqueue_papers([pk for pk, _ in paper_ids], arxiv_ids={pk for pk, arxiv_id in paper_ids if arxiv_id})
    repository_ids = list(services.repositories_stuck_pending(older_than_seconds=after).values_list("pk", flat=True))
    enqueue_repositories(repository_ids[:1000])
    return {"papers": len(paper_ids), "repositories": len(repository_ids[:1000])}
