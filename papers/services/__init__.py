"""Papers and repositories meet the outside world here: find rows by identifier, fetch their
metadata from the sources, and store what came back.

The network is called outside any transaction; the row is then locked and updated in a
short one. Storing is an upsert keyed on the identifier, so running a fetch twice leaves
one row with the same values. A field an editor set by hand (``locked_fields``) is never
overwritten, and an empty answer never blanks a value we already have.

- ``rows``: the one row per identifier, and sending rows to the workers (by task name);
- ``metadata``: a paper's fetch from arXiv, Crossref and Semantic Scholar, and its storing;
- ``repositories``: a repository's fetch from GitHub, GitLab or Hugging Face, and its storing;
- ``thumbnails``: a picture of an arXiv paper's first page, drawn from its PDF;
- ``attempts``: tries counted on the rows, so that a fetch ends "failed" with its reason.

Callers use this package (``services.paper_fetch_metadata``); the modules are its parts.
"""

from papers.services.attempts import (
    papers_record_unfinished,
    papers_start_attempt,
    papers_stuck_pending,
    repositories_record_unfinished,
    repositories_start_attempt,
    repositories_stuck_pending,
)
from papers.services.metadata import (
    TITLE_MATCH_RATIO,
    paper_fetch_metadata,
    paper_lock_fields,
    paper_record_error,
    papers_fetch_arxiv_batch,
)
from papers.services.repositories import (
    repositories_fetch,
    repository_fetch,
    repository_lock_fields,
    repository_record_error,
)
from papers.services.rows import (
    REPOSITORIES_PER_TASK,
    enqueue_papers,
    enqueue_repositories,
    paper_get_or_create,
    repository_get_or_create,
)
from papers.services.thumbnails import (
    enqueue_thumbnails,
    paper_fetch_thumbnail,
    paper_record_thumbnail_error,
    papers_missing_thumbnail,
)

__all__ = [
    "REPOSITORIES_PER_TASK",
    "TITLE_MATCH_RATIO",
    "enqueue_papers",
    "enqueue_repositories",
    "enqueue_thumbnails",
    "paper_fetch_metadata",
    "paper_fetch_thumbnail",
    "paper_get_or_create",
    "paper_lock_fields",
    "paper_record_error",
    "paper_record_thumbnail_error",
    "papers_fetch_arxiv_batch",
    "papers_missing_thumbnail",
    "papers_record_unfinished",
    "papers_start_attempt",
    "papers_stuck_pending",
    "repositories_fetch",
    "repositories_record_unfinished",
    "repositories_start_attempt",
    "repositories_stuck_pending",
    "repository_fetch",
    "repository_get_or_create",
    "repository_lock_fields",
    "repository_record_error",
]
