"""Papers and repositories meet the outside world here: find rows by identifier,
fetch their metadata from the sources, and store what came back.

The network is called outside any transaction; the row is then locked and updated in a
short one. Storing is an upsert keyed on the identifier, so running a fetch twice leaves
one row with the same values. A field an editor set by hand (``locked_fields``) is never
overwritten, and an empty answer never blanks a value we already have.
"""

import difflib
import logging
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from papers.identifiers import LinkError, PaperRef, RepoRef, normalise_arxiv_id
from papers.models import Author, Paper, PaperAuthor, Repository
from papers.sources import arxiv, crossref, github, semantic_scholar
from papers.sources.base import BadRequest, NotFound, PaperMetadata, SourceError, TemporaryError, waiting_for
from papers.sources.budgets import API_LABELS

logger = logging.getLogger(__name__)

# PaperMetadata attribute -> Paper field, for the plain (non-author) values.
_PAPER_FIELDS = {
    "title": "title",
    "abstract": "abstract",
    "venue": "venue",
    "year": "year",
    "published": "published_on",
    "arxiv_version": "arxiv_version",
    "journal_ref": "journal_ref",
    "primary_category": "primary_category",
    "semantic_scholar_id": "semantic_scholar_id",
    "abstract_url": "abstract_url",
    "pdf_url": "pdf_url",
}
# Identifiers are the keys other rows are found by: filled in when empty, never replaced.
_IDENTIFIER_FIELDS = {"arxiv_id": "arxiv_id", "doi": "doi", "acl_id": "acl_id", "openreview_id": "openreview_id"}
# How alike (0 to 1, letters and digits only) a title found by search must be to the one we asked for.
TITLE_MATCH_RATIO = 0.9
_MAX_LENGTHS = {
    field.name: field.max_length for field in Paper._meta.get_fields() if getattr(field, "max_length", None)
}


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
    """The repository row for owner/name, ignoring case as GitHub does."""
    existing = Repository.objects.filter(host=ref.host, owner__iexact=ref.owner, name__iexact=ref.name).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            return Repository.objects.create(host=ref.host, owner=ref.owner, name=ref.name, url=ref.url), True
    except IntegrityError:
        return Repository.objects.get(host=ref.host, owner__iexact=ref.owner, name__iexact=ref.name), False


def paper_fetch_metadata(*, paper_id: int) -> Paper:
    """Fetch one paper from the sources that know it and store the result.

    Raises TemporaryError when trying again later may help (the task retries); any other
    failure is recorded on the row as "failed" with its reason.
    """
    paper = Paper.objects.get(pk=paper_id)
    try:
        found = _collect_metadata(paper)
    except TemporaryError as error:
        paper_record_error(paper_id=paper_id, message=str(error), final=False)
        raise
    except SourceError as error:
        return paper_record_error(paper_id=paper_id, message=str(error), final=True)
    if not found:
        return _paper_needs_editor(paper_id)
    return _paper_store(paper_id, found)


def papers_fetch_arxiv_batch(*, paper_ids: list[int]) -> list[Paper]:
    """Fetch many arXiv papers in as few requests as arXiv allows (100 ids each), and
    their venues from Semantic Scholar in one batch request at the same time."""
    papers = []
    for paper in Paper.objects.filter(pk__in=paper_ids).exclude(arxiv_id="").order_by("pk"):
        if _arxiv_id_valid(paper.arxiv_id):
            papers.append(paper)
        else:
            # One malformed id would make arXiv refuse the whole batch (HTTP 400).
            paper_record_error(paper_id=paper.pk, message=_not_an_arxiv_id(paper.arxiv_id), final=True)
    if not papers:
        return []
    # The two questions do not depend on each other: ask them side by side, not one after the other.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantic-scholar")
    try:
        asked = pool.submit(_semantic_scholar_batch, [f"ARXIV:{paper.arxiv_id}" for paper in papers])
        try:
            by_id = arxiv.fetch([paper.arxiv_id for paper in papers])
        except TemporaryError as error:
            for paper in papers:
                paper_record_error(paper_id=paper.pk, message=str(error), final=False)
            raise
        except SourceError as error:
            return [paper_record_error(paper_id=paper.pk, message=str(error), final=True) for paper in papers]
        with waiting_for(API_LABELS["semantic_scholar"]):
            venues = asked.result()
    finally:
        _leave_behind(pool)
    stored = []
    for paper in papers:
        found = by_id.get(paper.arxiv_id)
        if found is None:
            stored.append(paper_record_error(paper_id=paper.pk, message=_arxiv_has_none(paper.arxiv_id), final=True))
            continue
        extra = venues.get(f"ARXIV:{paper.arxiv_id}")
        try:
            stored.append(_paper_store(paper.pk, [found, extra] if extra else [found]))
        except Paper.DoesNotExist:
            logger.info("paper %s was deleted while its batch was fetched", paper.pk)
    return stored


def paper_record_error(*, paper_id: int, message: str, final: bool) -> Paper:
    """Note why a fetch did not succeed. ``final``: no retry will follow, so a paper still
    waiting for its first metadata is marked failed; one that has metadata keeps it."""
    with transaction.atomic():
        paper = Paper.objects.select_for_update().get(pk=paper_id)
        paper.metadata_error = message[:2000]
        # The try has ended; with no retry to follow, so has the fetch and its count of tries.
        paper.fetch_started_at = None
        update = ["metadata_error", "fetch_started_at", "updated_at"]
        if final:
            paper.fetch_attempts = 0
            update.append("fetch_attempts")
        if final and paper.metadata_status != Paper.MetadataStatus.OK:
            paper.metadata_status = Paper.MetadataStatus.FAILED
            update.append("metadata_status")
        paper.save(update_fields=update)
    logger.info("paper %s: %s", paper_id, message)
    return paper


def _collect_metadata(paper: Paper) -> list[PaperMetadata]:
    """Ask the sources for ``paper``, best source first; returns what they said."""
    if paper.arxiv_id:
        if not _arxiv_id_valid(paper.arxiv_id):
            raise BadRequest(_not_an_arxiv_id(paper.arxiv_id))
        found = arxiv.fetch([paper.arxiv_id]).get(paper.arxiv_id)
        if found is None:
            raise NotFound(_arxiv_has_none(paper.arxiv_id))
        extra = _semantic_scholar_optional(f"ARXIV:{paper.arxiv_id}")
        return [found, extra] if extra else [found]
    if paper.doi:
        try:
            found = [crossref.fetch(paper.doi)]
        except NotFound:
            # Not every DOI is Crossref's (DataCite, mEDRA...): Semantic Scholar may still know it.
            return [semantic_scholar.fetch(semantic_scholar.paper_key("doi", paper.doi))]
        extra = _semantic_scholar_optional(semantic_scholar.paper_key("doi", paper.doi))
        return found + [extra] if extra else found
    if paper.acl_id:
        return [semantic_scholar.fetch(semantic_scholar.paper_key("acl", paper.acl_id))]
    if paper.openreview_id:
        return [semantic_scholar.fetch(semantic_scholar.paper_key("openreview", paper.openreview_id))]
    if paper.has_title:
        found = semantic_scholar.match_title(paper.title)
        if found is None or not _same_title(found.title, paper.title):
            raise NotFound(_("Semantic Scholar found no paper titled “%(title)s”.") % {"title": paper.title})
        return [found]
    return []


def _same_title(found: str, wanted: str) -> bool:
    """A title match is taken only when the titles agree but for case, punctuation and a typo or two:
    Semantic Scholar always returns its best match, and a wrong paper is worse than none."""

    def letters(text):
        return "".join(char for char in text.casefold() if char.isalnum())

    return difflib.SequenceMatcher(None, letters(found), letters(wanted)).ratio() >= TITLE_MATCH_RATIO


def _arxiv_id_valid(value: str) -> bool:
    """Stored ids are normalised when parsed from a link, but a row may come from elsewhere."""
    try:
        return normalise_arxiv_id(value) == (value, None)
    except LinkError:
        return False


def _arxiv_has_none(value: str) -> str:
    return _("arXiv has no paper %(id)s.") % {"id": value}


def _not_an_arxiv_id(value: str) -> str:
    return _("“%(id)s” is not an arXiv id as arXiv writes it (such as 1808.01244 or hep-th/9901001).") % {"id": value}


def _semantic_scholar_optional(key: str) -> PaperMetadata | None:
    """Semantic Scholar adds the venue; the paper is complete without it, so a failure
    (429s are frequent without a key) is logged and skipped."""
    try:
        return semantic_scholar.fetch(key)
    except SourceError as error:
        logger.info("Semantic Scholar skipped for %s: %s", key, error)
        return None


def _semantic_scholar_batch(keys: list[str]) -> dict[str, PaperMetadata]:
    if not keys:
        return {}
    try:
        return semantic_scholar.fetch_batch(keys)
    except SourceError as error:
        logger.info("Semantic Scholar batch of %s skipped: %s", len(keys), error)
        return {}


def _merge(found: list[PaperMetadata]) -> dict:
    """One value per field: the first source that gives a non-empty value wins, except
    that a venue's year (Semantic Scholar) beats an arXiv submission year."""
    merged = {}
    for item in found:
        for attr in (*_PAPER_FIELDS, *_IDENTIFIER_FIELDS, "authors"):
            value = getattr(item, attr)
            if value not in ("", None, []) and attr not in merged:
                merged[attr] = value
    venue_source = next((item for item in found if item.venue), None)
    if venue_source and venue_source.year:
        merged["year"] = venue_source.year
    return merged


def _paper_store(paper_id: int, found: list[PaperMetadata]) -> Paper:
    merged = _merge(found)
    notes = []
    with transaction.atomic():
        paper = Paper.objects.select_for_update().get(pk=paper_id)
        locked = set(paper.locked_fields)
        for attr, field in _PAPER_FIELDS.items():
            if field in locked or attr not in merged:
                continue
            value = merged[attr]
            if isinstance(value, str) and field in _MAX_LENGTHS:
                value = value[: _MAX_LENGTHS[field]]
            setattr(paper, field, value)
        for attr, field in _IDENTIFIER_FIELDS.items():
            value = merged.get(attr, "")
            if not value or getattr(paper, field) or field in locked:
                continue
            other = Paper.objects.filter(**{field: value}).exclude(pk=paper.pk).first()
            if other:
                # Two rows for one paper: an editor decides which recommendations move.
                notes.append(
                    _("%(field)s %(value)s also belongs to paper #%(pk)s.")
                    % {
                        "field": Paper._meta.get_field(field).verbose_name,
                        "value": value,
                        "pk": other.pk,
                    }
                )
                continue
            setattr(paper, field, value)
        if "authors" not in locked and merged.get("authors"):
            _paper_set_authors(paper, merged["authors"])
        paper.raw_metadata = {**paper.raw_metadata, **{item.source: item.raw for item in found}}
        paper.fetched_at = timezone.now()
        paper.fetch_attempts, paper.fetch_started_at = 0, None
        if paper.has_title:
            paper.metadata_status = Paper.MetadataStatus.OK
            paper.metadata_error = " ".join(notes)
        else:
            paper.metadata_status = Paper.MetadataStatus.NEEDS_EDITOR
            paper.metadata_error = _("The sources gave no title; an editor must complete this paper.")
        paper.save()
    return paper


def _paper_needs_editor(paper_id: int) -> Paper:
    with transaction.atomic():
        paper = Paper.objects.select_for_update().get(pk=paper_id)
        paper.metadata_status = Paper.MetadataStatus.NEEDS_EDITOR
        paper.metadata_error = _("No identifier and no title to look up: an editor must add the paper's link.")
        paper.fetch_attempts, paper.fetch_started_at = 0, None
        paper.save(
            update_fields=["metadata_status", "metadata_error", "fetch_attempts", "fetch_started_at", "updated_at"]
        )
    return paper


def _paper_set_authors(paper: Paper, names: list[str]) -> None:
    # An author listed twice by a source appears once.
    names = list(dict.fromkeys(name.strip()[:300] for name in names if name and name.strip()))
    current = [a.author.name for a in paper.authorships.select_related("author").order_by("position")]
    if current == names:
        return
    paper.authorships.all().delete()
    # A few queries whatever the number of authors; of two rows with one name, the oldest is used.
    known = {author.name: author for author in Author.objects.filter(name__in=names).order_by("-pk")}
    created = Author.objects.bulk_create(Author(name=name) for name in names if name not in known)
    known.update((author.name, author) for author in created)
    PaperAuthor.objects.bulk_create(
        PaperAuthor(paper=paper, author=known[name], position=position) for position, name in enumerate(names, 1)
    )


def paper_lock_fields(*, paper: Paper, fields) -> None:
    """Remember that an editor set ``fields`` by hand (the admin calls this on save)."""
    lockable = set(Paper.FETCHED_FIELDS)
    paper.locked_fields = sorted(set(paper.locked_fields) | (set(fields) & lockable))


def repository_fetch(*, repository_id: int) -> Repository:
    """Fetch one repository from GitHub and store its facts; a 304 only notes the time.

    Raises TemporaryError when a retry may help; other failures are recorded on the row.
    """
    repository = Repository.objects.get(pk=repository_id)
    outcome = _ask_github(repository)
    return _repository_store(repository_id, outcome)


def repositories_fetch(*, repository_ids: list[int]) -> dict[int, TemporaryError]:
    """Fetch many repositories side by side and store each; returns the ones worth retrying.

    GitHub answers each repository on its own, so the requests go out together (threads that
    do nothing but wait on the network; the database is written from this thread only). Each
    answer is stored as it comes: a time limit that interrupts the wait loses only the slow ones.
    """
    repositories = list(Repository.objects.filter(pk__in=repository_ids).order_by("pk"))
    if not repositories:
        return {}
    retry = {}
    pool = ThreadPoolExecutor(max_workers=len(repositories), thread_name_prefix="github")
    try:
        asked = {pool.submit(_ask_github, repository): repository for repository in repositories}
        waiting = set(asked)
        while waiting:
            with waiting_for(API_LABELS["github"]):
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
        _leave_behind(pool)
    return retry


def _ask_github(repository: Repository):
    """GitHub's answer for ``repository``, or the SourceError that came instead (never raised here)."""
    try:
        return github.fetch(repository.owner, repository.name, etag=repository.etag, github_id=repository.github_id)
    except SourceError as error:
        return error


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
        if outcome.status == "ok":
            repository = _repository_apply(repository, outcome.metadata, outcome.etag)
        repository.save()
    return repository


def _repository_apply(repository: Repository, found, etag: str) -> Repository:
    if (found.owner, found.name) != (repository.owner, repository.name):
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


def _leave_behind(pool: ThreadPoolExecutor) -> None:
    """Shut ``pool`` down without waiting for its threads. Leaving a ``with`` block would wait for
    them, and when the time limit interrupts this thread they may still be reading an answer
    that a slow server trickles: waiting let such an answer hold the task until its hard limit.
    Those threads touch no database row, and end when their request does."""
    pool.shutdown(wait=False, cancel_futures=True)


def papers_stuck_pending(*, older_than_seconds: int):
    """Papers still "pending" long after their last change: their queue message was lost."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return Paper.objects.filter(metadata_status=Paper.MetadataStatus.PENDING, updated_at__lt=cutoff)


def repositories_stuck_pending(*, older_than_seconds: int):
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return Repository.objects.filter(fetch_status=Repository.FetchStatus.PENDING, updated_at__lt=cutoff)
