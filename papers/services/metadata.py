"""A paper's metadata: asked from arXiv, Crossref and Semantic Scholar, merged, and stored.

The network is called outside any transaction; the row is then locked and updated in a short
one. A field an editor set by hand (``locked_fields``) is never overwritten, and an empty
answer never blanks a value we already have."""

import difflib
import logging
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from paperdaily.lib.pools import leave_behind
from papers.identifiers import LinkError, normalise_arxiv_id
from papers.models import Author, Paper, PaperAuthor
from papers.services.thumbnails import enqueue_thumbnails
from papers.sources import arxiv, crossref, semantic_scholar
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
        leave_behind(pool)
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
        if paper.arxiv_id and not paper.thumbnail and not paper.thumbnail_error:
            # Its first page for the cards; a paper that has one, or whose PDF failed, is not asked again.
            enqueue_thumbnails([paper.pk])
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
