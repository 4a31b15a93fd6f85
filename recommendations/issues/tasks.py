"""Issue tasks: refreshing an issue's papers and repositories (assembly, and beat's daily refresh
of recent code), and beat publishing the issues scheduled for now."""

import logging

from celery import shared_task
from django.conf import settings

from papers.services import enqueue_papers, enqueue_repositories
from recommendations.issues import assembly, publishing

logger = logging.getLogger(__name__)


# The site-wide soft limit (CELERY_TASK_SOFT_TIME_LIMIT) is longer than these tasks' hard
# limits, and Celery refuses a soft limit above the hard one: each names both.
@shared_task(name="papers.refresh_issue", acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=60)
def refresh_issue(issue_id):
    """Fan out: arXiv papers in batches of 100, every other paper and every repository alone."""
    papers, repositories = assembly.issue_papers_and_repositories(issue_id=issue_id)
    enqueue_papers([paper.pk for paper in papers], arxiv_ids={paper.pk for paper in papers if paper.arxiv_id})
    enqueue_repositories([repository.pk for repository in repositories])
    return {"papers": len(papers), "repositories": len(repositories)}


@shared_task(name="papers.refresh_recent_repositories", acks_late=True, soft_time_limit=100, time_limit=120)
def refresh_recent_repositories():
    """Beat, daily: star counts and last pushes of the code in recent issues."""
    days = settings.PAPERDAILY_REFRESH_RECENT_DAYS
    repository_ids = list(assembly.repositories_of_recent_issues(days=days).values_list("pk", flat=True))
    enqueue_repositories(repository_ids)
    return {"repositories": len(repository_ids)}


@shared_task(name="recommendations.publish_due_issues", acks_late=True, soft_time_limit=50, time_limit=60)
def publish_due_issues():
    """Beat, every minute: publish the drafts whose scheduled time has come."""
    return publishing.issues_publish_due()
