"""Reading's tasks: beat writes the issue reads counted in the cache to the issues' rows, and
workers store each paper's related papers (on publication, and nightly)."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from recommendations.reading import reads, related

# The nightly refresh works this long, then leaves the rest to the next night.
REFRESH_SECONDS = 45 * 60


@shared_task(name="recommendations.flush_issue_reads", acks_late=True, soft_time_limit=50, time_limit=60)
def flush_issue_reads():
    """Beat, every five minutes: add the reads counted since the last flush to each issue's count."""
    return {"reads": reads.issue_reads_flush()}


@shared_task(name="recommendations.store_related_papers", acks_late=True, soft_time_limit=240, time_limit=300)
def store_related_papers(paper_ids):
    """After a publication: the related papers of the issue's papers."""
    return {"papers": related.related_papers_store(paper_ids=paper_ids)}


@shared_task(
    name="recommendations.refresh_related_papers",
    acks_late=True,
    soft_time_limit=REFRESH_SECONDS + 600,
    time_limit=REFRESH_SECONDS + 900,
)
def refresh_related_papers():
    """Beat, nightly: the featured papers' related papers, the longest ago computed first."""
    try:
        return {"papers": related.related_papers_refresh(seconds=REFRESH_SECONDS)}
    except SoftTimeLimitExceeded:  # a slow night: what was stored stays, the rest waits
        return {"papers": None}
