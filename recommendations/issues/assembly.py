"""Assembling an issue: every paper and repository in it fetched again, with the progress an
editor watches (what is done, what failed and where to fix it by hand)."""

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from paperdaily.lib.tasks import enqueue
from papers.models import Paper, Repository
from recommendations.issues.services import locked_issue, require_draft
from recommendations.models import Issue

logger = logging.getLogger(__name__)


def repositories_of_recent_issues(*, days: int):
    """Repositories of papers in issues published within ``days`` days (and of drafts)."""
    since = timezone.now() - timezone.timedelta(days=days)
    recent = Q(published_at__gte=since) | Q(status=Issue.Status.DRAFT)
    issue_ids = Issue.objects.filter(recent).values("pk")
    return Repository.objects.filter(paper_links__paper__recommendations__issue_entry__issue__in=issue_ids).distinct()


def issue_papers_and_repositories(*, issue_id: int) -> tuple[list[Paper], list[Repository]]:
    # The raw payloads are the bulk of a row and nobody here reads them (the assembly panel polls this).
    papers = list(
        Paper.objects.filter(recommendations__issue_entry__issue_id=issue_id)
        .defer("raw_metadata", "abstract")
        .distinct()
        .order_by("pk")
    )
    repositories = list(
        Repository.objects.filter(paper_links__paper__in=[p.pk for p in papers])
        .defer("raw_metadata")
        .distinct()
        .order_by("pk")
    )
    return papers, repositories


def issue_assemble(*, issue_id: int) -> Issue:
    """Refresh every paper and repository of the issue through the metadata workers."""
    with transaction.atomic():
        issue = locked_issue(issue_id)
        require_draft(issue)
        if not issue.entries.exists():
            raise ValidationError(_("Add recommendations to the issue before assembling it."), code="empty")
        issue.assembly_started_at = timezone.now()
        issue.save(update_fields=["assembly_started_at", "updated_at"])
        enqueue("papers.refresh_issue", issue.pk)
    return issue


@dataclass
class Item:
    """One paper or repository of an assembly, with where an editor fixes it by hand."""

    kind: str
    label: str
    state: str  # "done", "failed" or "waiting"
    reason: str
    fix_url: str


@dataclass
class Progress:
    started_at: object
    items: list[Item] = field(default_factory=list)

    @property
    def total(self):
        return len(self.items)

    @property
    def done(self):
        return sum(item.state == "done" for item in self.items)

    @property
    def failures(self):
        return [item for item in self.items if item.state == "failed"]

    @property
    def retrying(self):
        """Waiting items whose last try failed: the workers will try again (after a growing pause)."""
        return [item for item in self.items if item.state == "waiting" and item.reason]

    @property
    def settled(self):
        """Items the workers are through with, well or not."""
        return sum(item.state != "waiting" for item in self.items)

    @property
    def finished(self):
        return all(item.state != "waiting" for item in self.items)

    def as_dict(self):
        return {
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "total": self.total,
            "done": self.done,
            "failed": len(self.failures),
            "finished": self.finished,
            "failures": [
                {"kind": i.kind, "label": i.label, "reason": i.reason, "fix_url": i.fix_url} for i in self.failures
            ],
        }


def issue_assembly_progress(*, issue: Issue) -> Progress | None:
    """How far the last assembly got: n of m done, and each failure with its reason. None if never assembled."""
    started = issue.assembly_started_at
    if started is None:
        return None
    papers, repositories = issue_papers_and_repositories(issue_id=issue.pk)
    progress = Progress(started_at=started)
    for paper in papers:
        progress.items.append(_paper_item(paper, started))
    for repository in repositories:
        progress.items.append(_repository_item(repository, started))
    return progress


def _paper_item(paper, started):
    fix_url = reverse("admin:papers_paper_change", args=[paper.pk])
    label = paper.title or paper.identifier_label or str(paper)
    failed = (Paper.MetadataStatus.FAILED, Paper.MetadataStatus.NEEDS_EDITOR)
    if paper.metadata_status in failed and paper.updated_at >= started:
        reason = paper.metadata_error or paper.get_metadata_status_display()
        return Item(_("paper"), label, "failed", reason, fix_url)
    if paper.fetched_at and paper.fetched_at >= started:
        return Item(_("paper"), label, "done", "", fix_url)
    retrying = paper.metadata_error if paper.updated_at >= started else ""
    return Item(_("paper"), label, "waiting", retrying, fix_url)


def _repository_item(repository, started):
    fix_url = reverse("admin:papers_repository_change", args=[repository.pk])
    label = repository.full_name
    if repository.updated_at >= started and repository.fetch_status in (
        Repository.FetchStatus.FAILED,
        Repository.FetchStatus.MISSING,
    ):
        reason = repository.fetch_error or repository.get_fetch_status_display()
        return Item(_("code repository"), label, "failed", reason, fix_url)
    if repository.fetched_at and repository.fetched_at >= started:
        return Item(_("code repository"), label, "done", "", fix_url)
    retrying = repository.fetch_error if repository.updated_at >= started else ""
    return Item(_("code repository"), label, "waiting", retrying, fix_url)
