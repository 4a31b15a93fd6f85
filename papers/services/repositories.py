"""A code repository's facts (stars or likes, language, licence, last change), stored on its row.

GitHub, GitLab and Hugging Face are asked, each through its own module and budget; a repository on
another host (Gitee, Bitbucket, Codeberg) is a plain link, with nothing to ask.
"""

import logging
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from django.db import transaction
from django.utils import timezone

from paperdaily.lib.pools import leave_behind
from papers.models import Repository
from papers.sources import github, gitlab, huggingface
from papers.sources.base import NotFound, SourceError, TemporaryError, waiting_for
from papers.sources.budgets import API_LABELS

logger = logging.getLogger(__name__)


def repository_fetch(*, repository_id: int) -> Repository:
    """Fetch one repository from its host's API and store its facts; a 304 only notes the time.

    Raises TemporaryError when a retry may help; other failures are recorded on the row.
    """
    repository = Repository.objects.get(pk=repository_id)
    outcome = _ask(repository)
    return _repository_store(repository_id, outcome)


def repositories_fetch(*, repository_ids: list[int]) -> dict[int, TemporaryError]:
    """Fetch many repositories side by side and store each; returns the ones worth retrying.

    Each repository is answered on its own, so the requests go out together (threads that
    do nothing but wait on the network; the database is written from this thread only). Each
    answer is stored as it comes: a time limit that interrupts the wait loses only the slow ones.
    """
    repositories = list(Repository.objects.filter(pk__in=repository_ids).order_by("pk"))
    if not repositories:
        return {}
    retry = {}
    pool = ThreadPoolExecutor(max_workers=len(repositories), thread_name_prefix="code-host")
    try:
        asked = {pool.submit(_ask, repository): repository for repository in repositories}
        waiting = set(asked)
        hosts = sorted({API_LABELS[repository.api] for repository in repositories if repository.api})
        while waiting:
            with waiting_for(" / ".join(hosts) or API_LABELS["github"]):
                done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda future: asked[future].pk):
                repository = asked[future]
                try:
                    _repository_store(repository.pk, future.result())
                except TemporaryError as error:
                    retry[repository.pk] = error
                except Repository.DoesNotExist:
                    logger.info("repository %s was deleted while it was fetched", repository.pk)
    finally:
        leave_behind(pool)
    return retry


# A repository on a host without a public API: the row is fetched once it is known, with nothing to store.
PLAIN_LINK = object()


def _ask(repository: Repository):
    """The host's answer for ``repository``, or the SourceError that came instead (never raised here)."""
    try:
        if repository.api == "github":
            return github.fetch(repository.owner, repository.name, etag=repository.etag, github_id=repository.github_id)
        if repository.api == "gitlab":
            return gitlab.fetch(repository.owner, repository.name)
        if repository.api == "huggingface":
            return huggingface.fetch(repository.kind, repository.owner, repository.name)
    except SourceError as error:
        return error
    return PLAIN_LINK


def _repository_store(repository_id: int, outcome) -> Repository:
    if isinstance(outcome, TemporaryError):
        repository_record_error(repository_id=repository_id, message=str(outcome), final=False)
        raise outcome
    if isinstance(outcome, NotFound):
        return repository_record_error(repository_id=repository_id, message=str(outcome), final=True, missing=True)
    if isinstance(outcome, SourceError):
        return repository_record_error(repository_id=repository_id, message=str(outcome), final=True)
    with transaction.atomic():
        repository = Repository.objects.select_for_update().get(pk=repository_id)
        repository.fetched_at = timezone.now()
        repository.fetch_status = Repository.FetchStatus.OK
        repository.fetch_error = ""
        repository.fetch_attempts, repository.fetch_started_at = 0, None
        if outcome is not PLAIN_LINK and outcome.status == "ok":
            repository = _repository_apply(repository, outcome.metadata, outcome.etag)
        repository.save()
    return repository


def _repository_apply(repository: Repository, found, etag: str) -> Repository:
    if repository.api == "github" and (found.owner, found.name) != (repository.owner, repository.name):
        # GitHub answered 301: the repository was renamed or moved. Keep one row for it.
        twin = (
            Repository.objects.filter(host=repository.host, owner__iexact=found.owner, name__iexact=found.name)
            .exclude(pk=repository.pk)
            .first()
        )
        if twin:
            _repository_merge(keep=repository, drop=twin)
        repository.owner, repository.name = found.owner, found.name
        repository.url = f"https://{repository.host}/{found.owner}/{found.name}"
    if found.github_id and found.github_id != repository.github_id:
        Repository.objects.filter(github_id=found.github_id).exclude(pk=repository.pk).update(github_id=None)
        repository.github_id = found.github_id
    locked = set(repository.locked_fields)
    for field in Repository.FETCHED_FIELDS:
        if field in locked:
            continue
        value = getattr(found, field)
        if field == "license":
            value = value or ""
        if isinstance(value, str):
            value = value[: Repository._meta.get_field(field).max_length or None]
        setattr(repository, field, value)
    repository.etag = etag[:200]
    repository.raw_metadata = found.raw
    return repository


def _repository_merge(*, keep: Repository, drop: Repository) -> None:
    """Move ``drop``'s paper links to ``keep`` (skipping ones ``keep`` already has), then delete it."""
    for link in drop.paper_links.all():
        if keep.paper_links.filter(paper_id=link.paper_id, path=link.path).exists():
            link.delete()
        else:
            link.repository = keep
            link.save(update_fields=["repository"])
    drop.delete()


def repository_record_error(*, repository_id: int, message: str, final: bool, missing: bool = False) -> Repository:
    with transaction.atomic():
        repository = Repository.objects.select_for_update().get(pk=repository_id)
        repository.fetch_error = message[:2000]
        # As for papers: the try has ended, and with no retry to follow so has the count of tries.
        repository.fetch_started_at = None
        if final or missing:
            repository.fetch_attempts = 0
        if missing:
            repository.fetch_status = Repository.FetchStatus.MISSING
            repository.fetched_at = timezone.now()
        elif final and repository.fetch_status != Repository.FetchStatus.OK:
            repository.fetch_status = Repository.FetchStatus.FAILED
        repository.save()
    logger.info("repository %s: %s", repository_id, message)
    return repository


def repository_lock_fields(*, repository: Repository, fields) -> None:
    lockable = set(Repository.FETCHED_FIELDS)
    repository.locked_fields = sorted(set(repository.locked_fields) | (set(fields) & lockable))
