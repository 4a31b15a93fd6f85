"""Reading's one task: beat writes the issue reads counted in the cache to the issues' rows."""

from celery import shared_task

from recommendations.reading import reads


@shared_task(name="recommendations.flush_issue_reads", acks_late=True, soft_time_limit=50, time_limit=60)
def flush_issue_reads():
    """Beat, every five minutes: add the reads counted since the last flush to each issue's count."""
    return {"reads": reads.issue_reads_flush()}
