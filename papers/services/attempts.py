"""Tries counted on the rows: a fetch whose tries are spent, or never finish, ends "failed"
with its reason instead of staying "pending" or looping."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from papers.models import Paper, Repository
from papers.services.metadata import paper_record_error
from papers.services.repositories import repository_record_error

logger = logging.getLogger(__name__)


# A fetch task counts each try on the row before it asks anything, and clears the mark when the
# try records an outcome or an error. The count cannot live in the queue message alone: a try
# killed at its hard time limit (or with its worker) leaves no message behind, and the sweeper's
# fresh message starts again from zero. On the row, such a fetch still runs out of tries.
def papers_start_attempt(*, paper_ids: list[int], attempts: int) -> list[int]:
    """Count one more try on each paper and return the ones to fetch now; a paper whose
    ``attempts`` tries are spent is marked failed instead (deleted papers are left out)."""
    return _start_attempt(Paper, paper_ids, attempts, "metadata_error", paper_record_error, "paper_id")


def repositories_start_attempt(*, repository_ids: list[int], attempts: int) -> list[int]:
    """Count one more try on each repository; see papers_start_attempt."""
    return _start_attempt(Repository, repository_ids, attempts, "fetch_error", repository_record_error, "repository_id")


def papers_record_unfinished(*, paper_ids: list[int], message: str, final: bool) -> list[int]:
    """Record ``message`` on the papers whose try began and has recorded nothing yet, the ones a
    task interrupted by its time limit left unfinished; returns their ids."""
    unfinished = _unfinished(Paper, paper_ids)
    for paper_id in unfinished:
        paper_record_error(paper_id=paper_id, message=message, final=final)
    return unfinished


def repositories_record_unfinished(*, repository_ids: list[int], message: str, final: bool) -> list[int]:
    """Record ``message`` on the repositories left unfinished; see papers_record_unfinished."""
    unfinished = _unfinished(Repository, repository_ids)
    for repository_id in unfinished:
        repository_record_error(repository_id=repository_id, message=message, final=final)
    return unfinished


def _start_attempt(model, ids, attempts, error_field, record_error, id_argument):
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            model.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", "fetch_attempts", "fetch_started_at", error_field)
        )
        fetch = [pk for pk, tries, _started, _error in rows if tries < attempts]
        # A try begun longer ago than the hard time limit is dead, and could not say so itself.
        dead = now - timedelta(seconds=settings.PAPERDAILY_FETCH_TIME_LIMIT)
        killed = [pk for pk, tries, started, _error in rows if tries < attempts and started and started < dead]
        model.objects.filter(pk__in=killed).update(
            **{
                error_field: _(
                    "The previous try did not finish (it was stopped at its time limit, or its worker was lost); "
                    "trying again."
                )
            }
        )
        model.objects.filter(pk__in=fetch).update(
            fetch_attempts=F("fetch_attempts") + 1, fetch_started_at=now, updated_at=now
        )
    for pk, tries, started, error in rows:
        if tries >= attempts:
            record_error(**{id_argument: pk}, message=_gave_up(tries, started, error), final=True)
    return fetch


def _gave_up(tries, started, error):
    if started is not None or not error:
        return _(
            "Gave up after %(tries)s tries: the last one did not finish (it was stopped at its time limit, "
            "or its worker was lost)."
        ) % {"tries": tries}
    return _("%(error)s (gave up after %(tries)s tries)") % {"error": error, "tries": tries}


def _unfinished(model, ids):
    return list(
        model.objects.filter(pk__in=ids, fetch_started_at__isnull=False).order_by("pk").values_list("pk", flat=True)
    )


# --- What beat's sweeper works on


def papers_stuck_pending(*, older_than_seconds: int):
    """Papers still "pending" long after their last change: their queue message was lost."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return Paper.objects.filter(metadata_status=Paper.MetadataStatus.PENDING, updated_at__lt=cutoff)


def repositories_stuck_pending(*, older_than_seconds: int):
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return Repository.objects.filter(fetch_status=Repository.FetchStatus.PENDING, updated_at__lt=cutoff)
