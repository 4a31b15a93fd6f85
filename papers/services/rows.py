"""The one row per identifier, and sending rows to the metadata workers.

Fetches are sent by task name (paperdaily.lib.tasks.enqueue): papers/tasks.py imports this
package, so importing it back would make a cycle.
"""

import logging

from django.db import IntegrityError, transaction

from paperdaily.lib.tasks import enqueue
from papers.identifiers import PaperRef, RepoRef
from papers.models import Paper, Repository

logger = logging.getLogger(__name__)


def paper_get_or_create(*, ref: PaperRef) -> tuple[Paper, bool]:
    """The one paper row for an identifier; two spellings of one paper give one row."""
    lookup = {ref.field: ref.value}
    try:
        with transaction.atomic():
            return Paper.objects.get_or_create(**lookup, defaults={"abstract_url": ref.url})
    except IntegrityError:
        # Another request created it between our read and our insert.
        return Paper.objects.get(**lookup), False


def repository_get_or_create(*, ref: RepoRef) -> tuple[Repository, bool]:
    """The repository row for owner/name on its host, ignoring case as the hosts do.

    A repository on a host without a public API (Gitee, Bitbucket, Codeberg) is a plain link:
    it is born fetched, with nothing to fetch, so no worker is ever sent for it.
    """
    existing = Repository.objects.for_ref(ref).first()
    if existing:
        return existing, False
    plain = ref.host not in Repository.FETCHED_HOSTS
    try:
        with transaction.atomic():
            repository = Repository.objects.create(
                host=ref.host,
                kind=ref.kind,
                owner=ref.owner,
                name=ref.name,
                url=ref.url,
                fetch_status=Repository.FetchStatus.OK if plain else Repository.FetchStatus.PENDING,
            )
            return repository, True
    except IntegrityError:
        return Repository.objects.for_ref(ref).get(), False


# Repositories fetched side by side by one task: an issue's code in one go.
REPOSITORIES_PER_TASK = 25


def enqueue_papers(paper_ids, *, arxiv_ids=frozenset()):
    """Papers with an arXiv id go in batches of 100 (one arXiv request each); others alone."""
    batch = [pk for pk in paper_ids if pk in arxiv_ids]
    for start in range(0, len(batch), 100):
        enqueue("papers.fetch_arxiv_batch", batch[start : start + 100])
    for pk in paper_ids:
        if pk not in arxiv_ids:
            enqueue("papers.fetch_paper", pk)


def enqueue_repositories(repository_ids):
    """One repository alone; more in groups fetched side by side (GitHub's requests do not depend on each other)."""
    if len(repository_ids) == 1:
        enqueue("papers.fetch_repository", repository_ids[0])
        return
    for start in range(0, len(repository_ids), REPOSITORIES_PER_TASK):
        enqueue("papers.fetch_repositories", repository_ids[start : start + REPOSITORIES_PER_TASK])
