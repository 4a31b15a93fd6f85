"""The editor's side of an issue: number it, fill and order it (assembly.py and publishing.py
do the rest).

The admin, the API and beat (scheduled publishing) call these functions and nothing else
changes an issue's status. Every function that writes locks the issue's row first, so two
editors working on one issue take turns, and checks before it writes.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from recommendations.models import Issue, IssueEntry, Recommendation

logger = logging.getLogger(__name__)

Status = Recommendation.Status
# Any constant will do: it names the one PostgreSQL advisory lock that issue numbering takes.
NUMBERING_LOCK = 0x5044_4973  # "PDIs"


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


def issue_add_recommendations(*, issue_id: int, recommendation_ids) -> tuple[list, list]:
    """Append accepted recommendations to a draft, in the order of their ids' list.

    Returns ``(added, refused)``: the new entries, and ``(recommendation, message)`` for
    each one that cannot go in (not accepted, or in an issue already).
    """
    added, refused = [], []
    with transaction.atomic():
        issue = locked_issue(issue_id)
        require_draft(issue)
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
        issue = locked_issue(entry.issue_id)
        require_draft(issue)
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
        issue = locked_issue(issue_id)
        require_draft(issue)
        entries = {entry.pk: entry for entry in IssueEntry.objects.filter(issue=issue).order_by("position", "pk")}
        ordered = [entries.pop(pk) for pk in entry_ids if pk in entries]
        _renumber(ordered + list(entries.values()))


def issue_remove_entry(*, entry_id: int) -> None:
    """Take an entry out of a draft; the ones after it move up."""
    with transaction.atomic():
        entry = IssueEntry.objects.get(pk=entry_id)
        issue = locked_issue(entry.issue_id)
        require_draft(issue)
        entry.delete()
        _renumber(list(IssueEntry.objects.filter(issue=issue).order_by("position", "pk")))


def _renumber(entries):
    # The (issue, position) constraint is deferred: swapping positions inside one transaction is fine.
    for position, entry in enumerate(entries, start=1):
        if entry.position != position:
            entry.position = position
            entry.save(update_fields=["position"])


# --- Helpers, shared with assembly.py and publishing.py


def locked_issue(issue_id):
    return Issue.objects.select_for_update().get(pk=issue_id)


def require_draft(issue):
    if issue.is_published:
        raise ValidationError(
            _("Issue %(number)s is published; its entries are frozen.") % {"number": issue.number}, code="published"
        )
