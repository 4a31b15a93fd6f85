"""A reader's library: save a featured paper, note it, mark it read, or say "not interested".

One row per reader and paper (``library_item_once``), so a double click or two tabs make one
row. Every change sends the reader's "for you" training once it commits (by name: tasks import
services, never the other way round).
"""

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from paperdaily.lib.ids import row_number
from paperdaily.lib.tasks import enqueue
from papers.models import Paper, PaperRepository
from recommendations.models import LibraryItem, Recommendation
from recommendations.visibility import featured_papers, published_recommendations_q

State = LibraryItem.State


def featured_paper(paper_id) -> Paper:
    """The featured paper of that id: only what readers may open may be saved; 404 for anything else."""
    number = row_number(str(paper_id))
    paper = featured_papers().filter(pk=number).first() if number else None
    if paper is None:
        raise Http404
    return paper


def _item(user, paper):
    """The reader's row for the paper, locked; made (as saved) when there is none."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return LibraryItem.objects.select_for_update().get_or_create(user=user, paper=paper)
        except IntegrityError:  # made by a concurrent request between the look and the insert
            continue
    return LibraryItem.objects.select_for_update().get(user=user, paper=paper), False


def library_save(*, user, paper) -> LibraryItem:
    """Save the paper to the library (again, after "not interested": its note comes back)."""
    with transaction.atomic():
        item, created = _item(user, paper)
        if not created and item.state != State.SAVED:
            item.state = State.SAVED
            item.save(update_fields=["state", "updated_at"])
        _retrain(user)
    return item


def library_dismiss(*, user, paper) -> LibraryItem:
    """Mark the paper "not interested": out of "for you", and out of the library if it was there."""
    with transaction.atomic():
        item, created = _item(user, paper)
        if created or item.state != State.NOT_INTERESTED:
            item.state = State.NOT_INTERESTED
            item.save(update_fields=["state", "updated_at"])
        _retrain(user)
    return item


def library_remove(*, user, paper) -> bool:
    """Forget the paper: out of the library (with its note), or no longer "not interested"."""
    with transaction.atomic():
        deleted, _ = LibraryItem.objects.filter(user=user, paper=paper).delete()
        if deleted:
            _retrain(user)
    return bool(deleted)


def library_update(*, user, paper, note: str | None = None, read: bool | None = None) -> LibraryItem:
    """Change the note or the read mark of a saved paper (saving it first if it was not)."""
    with transaction.atomic():
        item, created = _item(user, paper)
        fields = ["updated_at"]
        if created or item.state != State.SAVED:
            item.state = State.SAVED
            fields.append("state")
            _retrain(user)
        if note is not None:
            item.note = note
            fields.append("note")
        if read is not None and read != item.is_read:
            item.read_at = timezone.now() if read else None
            fields.append("read_at")
        item.save(update_fields=fields)
    return item


def _retrain(user):
    enqueue("recommendations.train_for_you", user.pk)


def states_of(user, paper_ids) -> dict[int, str]:
    """The reader's state of each of these papers that is in their library or dismissed."""
    if not user.is_authenticated:
        return {}
    rows = LibraryItem.objects.filter(user=user, paper_id__in=list(paper_ids)).values_list("paper_id", "state")
    return dict(rows)


def library_items(user, *, tag: str = "", read: str = "", code: bool = False):
    """The reader's saved papers, newest first, filtered: ``tag`` (a topic's slug: papers it was
    published under), ``read`` ("read" or "unread") and ``code`` (papers with a code link)."""
    items = LibraryItem.objects.filter(user=user).saved().select_related("paper").order_by("-created_at", "-pk")
    if tag:
        in_topic = Recommendation.objects.filter(published_recommendations_q(), paper=OuterRef("paper"), tag__slug=tag)
        items = items.filter(Exists(in_topic))
    if read == "read":
        items = items.filter(read_at__isnull=False)
    elif read == "unread":
        items = items.filter(read_at__isnull=True)
    if code:
        items = items.filter(Exists(PaperRepository.objects.filter(paper=OuterRef("paper"))))
    return items
