"""A picture of an arXiv paper's first page, for its cards: fetched from arXiv, drawn, stored.

Only arXiv's own PDF host is asked (``PAPERDAILY_ARXIV_PDF_URL``), through the shared client:
the PDF's size is capped after decompression (``PAPERDAILY_PDF_MAX_BYTES``), its download has a
deadline (``PAPERDAILY_PDF_DEADLINE``), and it spends the one arXiv budget the metadata fetches
spend. The page is drawn in a child process with its own memory and time limits
(papers/thumbnails.py). A paper keeps its last good thumbnail whatever a later try does; a try
that cannot succeed records its reason in ``thumbnail_error`` for the editors.
"""

import logging
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from paperdaily.lib.tasks import enqueue
from papers.identifiers import normalise_arxiv_id
from papers.models import Paper
from papers.sources.base import SourceError, TemporaryError
from papers.sources.http import api_get
from papers.thumbnails import ThumbnailError, render_first_page

logger = logging.getLogger(__name__)


def paper_fetch_thumbnail(*, paper_id: int) -> Paper:
    """Fetch the paper's arXiv PDF and store its first page as the paper's thumbnail.

    Raises TemporaryError when trying again later may help (the task retries); any other
    failure is recorded on the row.
    """
    paper = Paper.objects.only("pk", "arxiv_id", "arxiv_version").get(pk=paper_id)
    if not paper.arxiv_id:
        return paper_record_thumbnail_error(paper_id=paper_id, message=_("only arXiv papers get a thumbnail"))
    try:
        arxiv_id, _version = normalise_arxiv_id(paper.arxiv_id)
    except ValueError:  # LinkError
        return paper_record_thumbnail_error(
            paper_id=paper_id, message=_("%(id)s is not an arXiv id") % {"id": paper.arxiv_id}
        )
    path = f"/{arxiv_id}" + (f"v{paper.arxiv_version}" if paper.arxiv_version else "")
    try:
        response = api_get(
            "arxiv_pdf",
            path,
            headers={"Accept": "application/pdf"},
            max_bytes=settings.PAPERDAILY_PDF_MAX_BYTES,
            deadline=settings.PAPERDAILY_PDF_DEADLINE,
        )
    except TemporaryError as error:
        paper_record_thumbnail_error(paper_id=paper_id, message=str(error))
        raise
    except SourceError as error:
        return paper_record_thumbnail_error(paper_id=paper_id, message=str(error))
    if response.status != 200:
        return paper_record_thumbnail_error(
            paper_id=paper_id, message=_("arXiv answered HTTP %(status)s for the PDF") % {"status": response.status}
        )
    try:
        drawn = render_first_page(
            response.content,
            memory_bytes=settings.PAPERDAILY_THUMBNAIL_MEMORY,
            timeout=settings.PAPERDAILY_THUMBNAIL_TIMEOUT,
        )
    except ThumbnailError as error:
        return paper_record_thumbnail_error(paper_id=paper_id, message=_("arXiv's PDF: %(reason)s") % {"reason": error})
    return _paper_store_thumbnail(paper_id, drawn)


def _paper_store_thumbnail(paper_id, drawn) -> Paper:
    with transaction.atomic():
        paper = Paper.objects.select_for_update().get(pk=paper_id)
        previous = paper.thumbnail.name if paper.thumbnail else ""
        # A random name: the file is served as immutable, so a new picture needs a new URL.
        paper.thumbnail.save(f"{secrets.token_hex(12)}.webp", ContentFile(drawn.webp), save=False)
        paper.thumbnail_width, paper.thumbnail_height = drawn.width, drawn.height
        paper.thumbnail_error = ""
        paper.thumbnail_tried_at = timezone.now()
        paper.save(
            update_fields=["thumbnail", "thumbnail_width", "thumbnail_height", "thumbnail_error", "thumbnail_tried_at"]
        )
        if previous:
            storage = paper.thumbnail.storage
            transaction.on_commit(lambda: storage.delete(previous))
    return paper


def paper_record_thumbnail_error(*, paper_id: int, message: str) -> Paper:
    """Note why no thumbnail was drawn; a thumbnail drawn before stays."""
    Paper.objects.filter(pk=paper_id).update(thumbnail_error=message[:1000], thumbnail_tried_at=timezone.now())
    logger.info("paper %s: no thumbnail: %s", paper_id, message)
    return Paper.objects.get(pk=paper_id)


def papers_missing_thumbnail():
    """arXiv papers with metadata and no thumbnail yet, that no try has given up on."""
    return Paper.objects.exclude(arxiv_id="").filter(
        metadata_status=Paper.MetadataStatus.OK, thumbnail="", thumbnail_error=""
    )


def enqueue_thumbnails(paper_ids):
    """Send each paper to the thumbnail worker (one task each: a PDF is one request)."""
    if not settings.PAPERDAILY_THUMBNAILS:
        return
    for paper_id in paper_ids:
        enqueue("papers.fetch_thumbnail", paper_id)
