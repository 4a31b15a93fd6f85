"""What every metadata source returns and raises: plain data, no Django models.

A source module turns response bytes into these dataclasses. The services in
``papers/services/`` decide what to store; the Celery tasks decide when to retry,
which is why every error says whether trying again later can help.
"""

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class PaperMetadata:
    """One paper as a source describes it; empty strings and None mean "not given"."""

    source: str  # "arxiv", "crossref" or "semantic_scholar"
    title: str = ""
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    arxiv_id: str = ""  # without version
    arxiv_version: int | None = None
    doi: str = ""  # lower case
    openreview_id: str = ""
    acl_id: str = ""
    semantic_scholar_id: str = ""
    venue: str = ""
    journal_ref: str = ""
    year: int | None = None
    published: date | None = None
    primary_category: str = ""
    abstract_url: str = ""
    pdf_url: str = ""
    # The source's own record of this paper, JSON-serialisable (a dict, or the XML text of an arXiv entry).
    raw: object = None


@dataclass
class RepositoryMetadata:
    """One repository as its host's API describes it (GitHub's fields; GitLab and Hugging Face fill what they have)."""

    github_id: int | None
    owner: str
    name: str
    html_url: str
    description: str = ""
    stars: int | None = None
    language: str = ""
    license: str | None = None  # SPDX id; None when GitHub knows no licence (or says NOASSERTION)
    pushed_at: datetime | None = None
    archived: bool = False
    default_branch: str = ""
    raw: dict = field(default_factory=dict)

    @property
    def full_name(self):
        return f"{self.owner}/{self.name}"


class SourceError(Exception):
    """A fetch that did not give an answer. ``str(error)`` is one line for the editor."""

    retryable = False

    def __init__(self, message, *, status=None):
        super().__init__(message)
        self.status = status


class NotFound(SourceError):
    """The API says the paper or repository does not exist (or is private)."""


class BadRequest(SourceError):
    """The API refused the question itself, e.g. arXiv's error feed for a malformed id."""


class BadResponse(SourceError):
    """The answer could not be used: not the expected format, or larger than the size cap."""


def load_json(content, *, label):
    """The JSON value of an answer's body, or BadResponse naming the API.

    A body nested thousands of levels deep makes the decoder recurse until RecursionError,
    which is not a ValueError: it is refused here like any other body that is not JSON.
    """
    try:
        return json.loads(content)
    except RecursionError:
        raise BadResponse(f"{label} answered with JSON nested too deeply to read") from None
    except ValueError as error:
        raise BadResponse(f"{label} answered with invalid JSON: {error}") from error


class HostNotAllowed(SourceError):
    """A URL outside the configured API hosts; the client never contacts it."""


class TemporaryError(SourceError):
    """Network trouble, a timeout, a 5xx: worth trying again later."""

    retryable = True

    def __init__(self, message, *, status=None, retry_after=None):
        super().__init__(message, status=status)
        # Seconds the API (or our own rate limit) asks us to wait; None lets the caller back off.
        self.retry_after = retry_after


class RateLimited(TemporaryError):
    """429, or a rate-limit budget (the API's or ours) spent until ``retry_after`` seconds from now."""


@contextmanager
def waiting_for(label: str):
    """Name the API this thread waits for on whatever interrupts the wait.

    A task's soft time limit arrives as an exception raised wherever the main thread is; the
    error recorded on the row should say which API kept it waiting. The innermost name wins.
    """
    try:
        yield
    except BaseException as error:
        if getattr(error, "waiting_for", None) is None:
            error.waiting_for = label
        raise
