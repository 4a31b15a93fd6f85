"""Publishing an issue: what stops it, the editor's overrides, the publication itself (rewards,
newsletter, the recommenders told), scheduling, and taking an issue back."""

import logging
from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from paperdaily.lib.tasks import enqueue
from papers.models import Paper, Repository
from recommendations.issues.services import Status, locked_issue, require_draft
from recommendations.models import Issue, IssueEntry, Recommendation, Reward
from recommendations.newsletter import services as newsletter
from recommendations.reading.cards import paper_facts
from recommendations.rewards import services as rewards

logger = logging.getLogger(__name__)


@dataclass
class Problem:
    """Why an issue cannot be published yet; ``overridable`` problems yield to an entry's override."""

    message: str
    entry: IssueEntry | None = None
    fix_url: str = ""
    overridable: bool = False


class PublishRefused(ValidationError):
    def __init__(self, problems):
        self.problems = problems
        super().__init__([problem.message for problem in problems], code="publish_refused")


def issue_publish_problems(*, issue: Issue) -> list[Problem]:
    """Everything that stands between a draft and its publication, entry by entry.

    Entries marked "publish with incomplete metadata" pass with pending or failed metadata;
    nothing passes without a title, since the card, the feeds and the exports all lead with it.
    """
    entries = list(
        IssueEntry.objects.filter(issue=issue)
        .select_related("recommendation__paper", "recommendation__tag")
        .prefetch_related("recommendation__paper__repository_links__repository")
        .order_by("position")
    )
    if not entries:
        return [Problem(_("The issue has no entries: add accepted recommendations first."))]
    problems = []
    for entry in entries:
        recommendation, paper = entry.recommendation, entry.recommendation.paper
        fix_url = reverse("admin:papers_paper_change", args=[paper.pk])
        name = _("Entry %(position)s (%(paper)s)") % {
            "position": entry.position,
            "paper": paper.title or recommendation.submitted_link or paper.identifier_label or paper.pk,
        }
        if recommendation.status not in (Status.ACCEPTED, Status.PUBLISHED):
            problems.append(
                Problem(
                    _("%(entry)s: the recommendation is %(status)s, not accepted.")
                    % {"entry": name, "status": recommendation.get_status_display()},
                    entry,
                    reverse("admin:recommendations_recommendation_change", args=[recommendation.pk]),
                )
            )
        if not recommendation.tag.approved:
            problems.append(
                Problem(
                    _("%(entry)s: its topic '%(tag)s' is a proposal; approve it or choose another.")
                    % {"entry": name, "tag": recommendation.tag.name},
                    entry,
                    reverse("admin:papers_tag_change", args=[recommendation.tag_id]),
                )
            )
        if not paper.has_title:
            problems.append(
                Problem(
                    _("%(entry)s: the paper has no title. Fill in its details by hand.") % {"entry": name},
                    entry,
                    fix_url,
                )
            )
        if paper.metadata_status != Paper.MetadataStatus.OK and not entry.publish_incomplete:
            problems.append(
                Problem(
                    _(
                        "%(entry)s: its metadata is %(status)s%(reason)s. Fix the paper, assemble again, "
                        "or tick “publish with incomplete metadata” for this entry."
                    )
                    % {
                        "entry": name,
                        "status": paper.get_metadata_status_display(),
                        "reason": f" ({paper.metadata_error})" if paper.metadata_error else "",
                    },
                    entry,
                    fix_url,
                    overridable=True,
                )
            )
        unready = [
            link.repository
            for link in paper.repository_links.all()
            if link.repository.fetch_status in (Repository.FetchStatus.PENDING, Repository.FetchStatus.FAILED)
        ]
        if unready and not entry.publish_incomplete:
            problems.append(
                Problem(
                    _(
                        "%(entry)s: code %(repositories)s not fetched yet. Assemble again, "
                        "or tick “publish with incomplete metadata” for this entry."
                    )
                    % {"entry": name, "repositories": ", ".join(repo.full_name for repo in unready)},
                    entry,
                    reverse("admin:papers_repository_change", args=[unready[0].pk]),
                    overridable=True,
                )
            )
    return problems


def issue_allow_incomplete(*, issue_id: int, entry_ids) -> list[int]:
    """Mark entries of a draft "publish with incomplete metadata"; the ids that are not its entries
    are returned, and nothing is marked then. The marks stay whether or not publishing follows."""
    wanted = set(entry_ids)
    entries = IssueEntry.objects.filter(issue_id=issue_id, issue__status=Issue.Status.DRAFT, pk__in=wanted)
    strangers = sorted(wanted - set(entries.values_list("pk", flat=True)))
    if not strangers:
        entries.update(publish_incomplete=True)
    return strangers


def issue_publish(*, issue_id: int, editor=None, now=None) -> Issue:
    """Publish a draft: check it, freeze its cards, mark its recommendations published, tell people.

    Refuses with ``PublishRefused`` (every problem listed) and changes nothing when the issue
    is not ready. Publishing an issue that is already published changes nothing either, so a
    double click, a retried API call and beat's scheduled run may all call it safely.
    """

    with transaction.atomic():
        issue = locked_issue(issue_id)
        if issue.is_published:
            return issue
        problems = issue_publish_problems(issue=issue)
        if problems:
            raise PublishRefused(problems)

        recommendations = issue_recommendations_for_publishing(issue)
        _freeze(recommendations)
        Recommendation.objects.filter(issue_entry__issue=issue).update(
            status=Status.PUBLISHED, updated_at=timezone.now()
        )

        issue.status = Issue.Status.PUBLISHED
        issue.published_at = now or timezone.now()
        issue.published_by = editor if editor is not None and editor.is_authenticated else None
        issue.schedule_error = ""
        issue.save(update_fields=["status", "published_at", "published_by", "schedule_error", "updated_at"])

        rewards.rewards_grant(issue=issue)
        _enqueue_after_publish(issue, recommendations)
        newsletter.newsletter_queue_issue(issue_id=issue.pk)
    logger.info("issue %s published with %d entries", issue.number, len(recommendations))
    return issue


def issue_recommendations_for_publishing(issue):
    return list(
        Recommendation.objects.for_listing()
        .select_for_update(of=("self",))
        .filter(issue_entry__issue=issue)
        .order_by("issue_entry__position")
    )


def _freeze(recommendations) -> int:
    """Store each entry's card as its paper stands now: what readers see of the issue from then on."""
    for recommendation in recommendations:
        entry = recommendation.issue_entry
        entry.snapshot = paper_facts(recommendation.paper)
        entry.save(update_fields=["snapshot"])
    return len(recommendations)


def issue_freeze_missing_cards(*, issue_id: int) -> int:
    """Freeze the cards of a published issue's entries that have none (an issue loaded as published,
    such as the demo's); returns how many. Publishing freezes every entry itself."""
    with transaction.atomic():
        issue = locked_issue(issue_id)
        if not issue.is_published:
            return 0
        missing = [
            recommendation
            for recommendation in issue_recommendations_for_publishing(issue)
            if not recommendation.issue_entry.snapshot
        ]
        return _freeze(missing)


def _enqueue_after_publish(issue, recommendations):
    for recommendation in recommendations:
        enqueue("recommendations.notify_decision", recommendation.pk)
    # The paper pages of the issue read their related papers from what this task stores.
    enqueue("recommendations.store_related_papers", [recommendation.paper_id for recommendation in recommendations])
    # New papers for everyone's "for you".
    enqueue("recommendations.train_for_you_all")


def issue_unpublish(*, issue_id: int, user) -> Issue:
    """Take a published issue back to a draft (superusers only); recorded in the admin log.

    Its recommendations return to "accepted", its frozen cards are dropped (publishing again
    freezes them anew), and rewards not yet claimed go until it is published again. Newsletter
    deliveries stay: subscribers who got it will not get it twice.
    """
    if not (user and user.is_active and user.is_superuser):
        raise PermissionDenied(_("Only a superuser can unpublish an issue."))
    with transaction.atomic():
        issue = locked_issue(issue_id)
        if not issue.is_published:
            return issue
        Recommendation.objects.filter(issue_entry__issue=issue).update(
            status=Status.ACCEPTED, updated_at=timezone.now()
        )
        IssueEntry.objects.filter(issue=issue).update(snapshot={})
        Reward.objects.filter(issue=issue).claimable().delete()
        published_at = issue.published_at
        issue.status = Issue.Status.DRAFT
        issue.published_at = None
        issue.scheduled_at = None
        issue.save(update_fields=["status", "published_at", "scheduled_at", "updated_at"])
        LogEntry.objects.log_actions(
            user.pk,
            [issue],
            CHANGE,
            change_message=_("Unpublished (it had been published at %(when)s).")
            % {"when": published_at.isoformat(timespec="seconds")},
            single_object=True,
        )
    logger.warning("issue %s unpublished by %s", issue.number, user)
    return issue


def issue_schedule(*, issue_id: int, when) -> Issue:
    """Publish the draft at ``when`` (beat checks every minute); ``None`` cancels the schedule."""
    with transaction.atomic():
        issue = locked_issue(issue_id)
        require_draft(issue)
        if when is not None and when <= timezone.now():
            raise ValidationError(_("Choose a time in the future, or publish now."), code="past")
        issue.scheduled_at = when
        issue.schedule_error = ""
        issue.save(update_fields=["scheduled_at", "schedule_error", "updated_at"])
    return issue


def issues_publish_due(*, now=None) -> dict:
    """Beat: publish every draft whose time has come; a refusal is noted on the issue for the editors."""
    now = now or timezone.now()
    published, refused = [], []
    due = Issue.objects.drafts().filter(scheduled_at__isnull=False, scheduled_at__lte=now).order_by("number")
    for issue_id, number in due.values_list("pk", "number"):
        try:
            issue_publish(issue_id=issue_id, now=now)
            published.append(number)
        except PublishRefused as error:
            message = " ".join(error.messages)
            Issue.objects.filter(pk=issue_id).update(schedule_error=message[:4000], updated_at=timezone.now())
            logger.warning("issue %s: scheduled publication refused: %s", number, message)
            refused.append(number)
    return {"published": published, "refused": refused}
