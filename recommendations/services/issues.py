"""The editor's side of an issue: number it, fill it, assemble it, publish it.

The admin, the API and beat (scheduled publishing) call these functions and nothing else
changes an issue's status. Every function that writes locks the issue's row first, so two
editors working on one issue take turns, and checks before it writes.
"""

import logging
from dataclasses import dataclass, field

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from papers import services as paper_services
from papers import tasks as paper_tasks
from papers.models import Paper, Repository
from recommendations.cards import paper_facts
from recommendations.models import Issue, IssueEntry, Recommendation

logger = logging.getLogger(__name__)

Status = Recommendation.Status
# Any constant will do: it names the one PostgreSQL advisory lock that issue numbering takes.
NUMBERING_LOCK = 0x5044_4973  # "PDIs"


# --- Numbering


def issue_create_next(*, title: str = "", intro: str = "") -> Issue:
    """Create the draft of the next issue: its number is the highest so far plus one.

    Two editors pressing the button at once get two consecutive numbers, never the same
    one and never a gap: on PostgreSQL the numbering takes a transaction-scoped advisory
    lock, so the second reads the highest number only after the first has committed. The
    unique number is the guarantee; SQLite (one writer at a time) retries on a clash.
    """
    for attempt in range(5):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NUMBERING_LOCK])
                last = Issue.objects.aggregate(last=Max("number"))["last"] or 0
                issue = Issue(number=last + 1, title=title.strip())
                issue.set_intro(intro)
                issue.save()
                return issue
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


# --- Entries


def issue_add_recommendations(*, issue_id: int, recommendation_ids) -> tuple[list, list]:
    """Append accepted recommendations to a draft, in the order of their ids' list.

    Returns ``(added, refused)``: the new entries, and ``(recommendation, message)`` for
    each one that cannot go in (not accepted, or in an issue already).
    """
    added, refused = [], []
    with transaction.atomic():
        issue = _locked_issue(issue_id)
        _require_draft(issue)
        wanted = dict.fromkeys(recommendation_ids)  # keeps the order, drops repeats
        found = (
            Recommendation.objects.select_for_update(of=("self",))
            .select_related("paper", "issue_entry__issue")
            .filter(pk__in=list(wanted))
        )
        by_id = {recommendation.pk: recommendation for recommendation in found}
        position = IssueEntry.objects.filter(issue=issue).aggregate(last=Max("position"))["last"] or 0
        for pk in wanted:
            recommendation = by_id.get(pk)
            if recommendation is None:
                continue
            entry = getattr(
                recommendation, "issue_entry", None
            )  # the reverse one-to-one raises AttributeError when absent
            if entry is not None:
                refused.append(
                    (
                        recommendation,
                        _("It is already in issue %(number)s.") % {"number": entry.issue.number},
                    )
                )
                continue
            if recommendation.status != Status.ACCEPTED:
                refused.append(
                    (
                        recommendation,
                        _("Only accepted recommendations go into an issue; this one is %(status)s.")
                        % {"status": recommendation.get_status_display()},
                    )
                )
                continue
            position += 1
            added.append(IssueEntry.objects.create(issue=issue, recommendation=recommendation, position=position))
    return added, refused


def issue_move_entry(*, entry_id: int, offset: int) -> IssueEntry:
    """Move an entry up (``offset`` -1) or down (+1) by swapping it with its neighbour."""
    with transaction.atomic():
        entry = IssueEntry.objects.select_related("issue").get(pk=entry_id)
        issue = _locked_issue(entry.issue_id)
        _require_draft(issue)
        entries = list(IssueEntry.objects.filter(issue=issue).order_by("position", "pk"))
        index = next(i for i, candidate in enumerate(entries) if candidate.pk == entry.pk)
        target = index + offset
        if 0 <= target < len(entries):
            entries[index], entries[target] = entries[target], entries[index]
        _renumber(entries)
        entry.refresh_from_db()
    return entry


def issue_reorder(*, issue_id: int, entry_ids: list[int]) -> None:
    """Put the entries in the given order (drag and drop); entries not named keep their turn after them."""
    with transaction.atomic():
        issue = _locked_issue(issue_id)
        _require_draft(issue)
        entries = {entry.pk: entry for entry in IssueEntry.objects.filter(issue=issue).order_by("position", "pk")}
        ordered = [entries.pop(pk) for pk in entry_ids if pk in entries]
        _renumber(ordered + list(entries.values()))


def issue_remove_entry(*, entry_id: int) -> None:
    """Take an entry out of a draft; the ones after it move up."""
    with transaction.atomic():
        entry = IssueEntry.objects.get(pk=entry_id)
        issue = _locked_issue(entry.issue_id)
        _require_draft(issue)
        entry.delete()
        _renumber(list(IssueEntry.objects.filter(issue=issue).order_by("position", "pk")))


def _renumber(entries):
    # The (issue, position) constraint is deferred: swapping positions inside one transaction is fine.
    for position, entry in enumerate(entries, start=1):
        if entry.position != position:
            entry.position = position
            entry.save(update_fields=["position"])


# --- Assembling: refresh every paper and repository, and follow the workers' progress


def issue_assemble(*, issue_id: int) -> Issue:
    """Refresh every paper and repository of the issue through the metadata workers."""
    with transaction.atomic():
        issue = _locked_issue(issue_id)
        _require_draft(issue)
        if not issue.entries.exists():
            raise ValidationError(_("Add recommendations to the issue before assembling it."), code="empty")
        issue.assembly_started_at = timezone.now()
        issue.save(update_fields=["assembly_started_at", "updated_at"])
        paper_tasks.enqueue(paper_tasks.refresh_issue, issue.pk)
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
    papers, repositories = paper_services.issue_papers_and_repositories(issue_id=issue.pk)
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


# --- Publishing


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
    from recommendations.services import newsletter, rewards

    with transaction.atomic():
        issue = _locked_issue(issue_id)
        if issue.is_published:
            return issue
        problems = issue_publish_problems(issue=issue)
        if problems:
            raise PublishRefused(problems)

        recommendations = issue_recommendations_for_publishing(issue)
        for recommendation in recommendations:
            entry = recommendation.issue_entry
            entry.snapshot = paper_facts(recommendation.paper)
            entry.save(update_fields=["snapshot"])
        Recommendation.objects.filter(issue_entry__issue=issue).update(
            status=Status.PUBLISHED, updated_at=timezone.now()
        )

        issue.status = Issue.Status.PUBLISHED
        issue.published_at = now or timezone.now()
        issue.published_by = editor if editor is not None and editor.is_authenticated else None
        issue.schedule_error = ""
        issue.save(update_fields=["status", "published_at", "published_by", "schedule_error", "updated_at"])

        rewards.rewards_grant(issue=issue)
        _enqueue_after_publish(issue, [recommendation.pk for recommendation in recommendations])
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


def _enqueue_after_publish(issue, recommendation_ids):
    from recommendations import tasks

    for recommendation_id in recommendation_ids:
        tasks.enqueue_notify_decision(recommendation_id)


def issue_unpublish(*, issue_id: int, user) -> Issue:
    """Take a published issue back to a draft (superusers only); recorded in the admin log.

    Its recommendations return to "accepted", its frozen cards are dropped (publishing again
    freezes them anew), and rewards not yet claimed go until it is published again. Newsletter
    deliveries stay: subscribers who got it will not get it twice.
    """
    from recommendations.models import Reward

    if not (user and user.is_active and user.is_superuser):
        raise PermissionDenied(_("Only a superuser can unpublish an issue."))
    with transaction.atomic():
        issue = _locked_issue(issue_id)
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
        issue = _locked_issue(issue_id)
        _require_draft(issue)
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


# --- Helpers


def _locked_issue(issue_id):
    return Issue.objects.select_for_update().get(pk=issue_id)


def _require_draft(issue):
    if issue.is_published:
        raise ValidationError(
            _("Issue %(number)s is published; its entries are frozen.") % {"number": issue.number}, code="published"
        )
