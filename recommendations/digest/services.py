"""The digest: new featured papers from what a reader follows, and their top "for you" picks, by
e-mail daily or weekly to the readers who asked for it, once per reader per period.

``digest_queue`` runs from beat: for each reader of that frequency it chooses the papers (and
stores their ids on the row, so a retried send says the same thing) and records one
``DigestDelivery`` per (reader, period); a reader with nothing new gets no row and no mail.
``digest_send_batch`` then sends them through the newsletter's delivery machinery
(recommendations/newsletter/delivery.py): claimed rows, one copy each, a killed worker's row
pending again for the next run.
"""

import contextlib
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from paperdaily.lib.tasks import enqueue
from papers.models import Paper
from recommendations.foryou.feeds import followed_recommendations
from recommendations.foryou.reasons import reason_text
from recommendations.foryou.views import visible_picks
from recommendations.models import DigestDelivery, Issue, LibraryItem, ReaderSettings, Recommendation
from recommendations.newsletter import delivery

Status = DigestDelivery.Status
Digest = ReaderSettings.Digest
WINDOWS = {Digest.DAILY: timedelta(days=1), Digest.WEEKLY: timedelta(days=7)}
# What an unsubscribe token looks like (secrets.token_urlsafe); anything else never reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PICKS = 5
FOLLOWED = 20
# Rows saved at a time while queueing: a run cut short keeps what it chose.
CHUNK = 200


def digest_period(frequency: str, now=None) -> str:
    """The period a digest covers: "2026-W49" (ISO week) weekly, "2026-12-05" daily."""
    today = timezone.localdate(now or timezone.now())
    if frequency == Digest.WEEKLY:
        year, week, _day = today.isocalendar()
        return f"{year}-W{week:02d}"
    return today.isoformat()


def digest_choose(*, user_id: int, frequency: str, now=None) -> list[dict]:
    """What one reader's digest holds: ``[{"paper": id, "reason": {...}}]``, followed first.

    New means in an issue published within the period (and not before the reader chose the
    digest); nothing already sent (or still on its way) in an earlier digest, nothing in their library.
    """
    now = now or timezone.now()
    reader = ReaderSettings.objects.get(user_id=user_id)
    since = now - WINDOWS[frequency]
    if reader.digest_since and reader.digest_since > since:
        since = reader.digest_since
    sent_before = set()
    # A pending digest of an earlier period still goes out: what it holds counts as sent.
    earlier = DigestDelivery.objects.filter(user_id=user_id, status__in=[Status.SENT, Status.PENDING])
    for papers in earlier.values_list("papers", flat=True):
        sent_before.update(item["paper"] for item in papers)
    chosen, seen = [], set(sent_before)
    followed = Recommendation.objects.filter(
        pk__in=followed_recommendations(user_id, limit=FOLLOWED * 5),
        issue_entry__issue__published_at__gt=since,
        issue_entry__issue__published_at__lte=now,
    ).order_by("-issue_entry__issue__number", "issue_entry__position")
    in_library = set(LibraryItem.objects.filter(user_id=user_id).values_list("paper_id", flat=True))
    for paper_id in followed.values_list("paper_id", flat=True):
        if paper_id not in seen and paper_id not in in_library and len(chosen) < FOLLOWED:
            seen.add(paper_id)
            chosen.append({"paper": paper_id, "reason": {"kind": "followed"}})
    new_issues = Issue.objects.published().filter(published_at__gt=since, published_at__lte=now)
    fresh = Recommendation.objects.published().filter(paper=OuterRef("paper"), issue_entry__issue__in=new_issues)
    picks = visible_picks(user_id).filter(Exists(fresh)).values_list("paper_id", "reason")
    added = 0
    for paper_id, reason in picks:
        if added == PICKS:
            break
        if paper_id not in seen:
            seen.add(paper_id)
            chosen.append({"paper": paper_id, "reason": reason})
            added += 1
    return chosen


def digest_queue(*, frequency: str, now=None, after_user_id: int = 0, budget: float | None = None) -> int:
    """One delivery per reader of that frequency with something new, for the period of ``now``;
    running it again adds nothing. Returns how many it added.

    Readers go in user id order, their rows saved every ``CHUNK`` rows, so what is done stays
    done. With ``budget`` (seconds), it stops once that is spent and sends
    ``recommendations.queue_digests`` on for the readers after the last one it did, with the
    same ``now`` and so the same period: a task's time limit never loses a whole period.
    """
    now = now or timezone.now()
    deadline = None if budget is None else time.monotonic() + budget
    period = digest_period(frequency, now)
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    readers = list(
        ReaderSettings.objects.filter(digest=frequency, user__in=users, user_id__gt=after_user_id)
        .exclude(Exists(DigestDelivery.objects.filter(user=OuterRef("user"), period=period)))
        .values_list("user_id", flat=True)
        .order_by("user_id")
    )
    added, rows = 0, []
    for n, user_id in enumerate(readers):
        papers = digest_choose(user_id=user_id, frequency=frequency, now=now)
        if papers:  # nothing new: no mail this period
            rows.append(DigestDelivery(user_id=user_id, period=period, papers=papers))
        if len(rows) >= CHUNK:
            added += _create_deliveries(rows)
            rows = []
        if deadline is not None and time.monotonic() > deadline and n + 1 < len(readers):
            enqueue("recommendations.queue_digests", frequency, now.isoformat(), user_id)
            break
    added += _create_deliveries(rows)
    if added:
        enqueue("recommendations.send_digests")
    return added


def _create_deliveries(rows):
    # ignore_conflicts: a reader queued by a concurrent run is queued once all the same.
    return len(DigestDelivery.objects.bulk_create(rows, ignore_conflicts=True)) if rows else 0


def digest_send_batch() -> bool:
    """Send up to one batch of pending digests over one SMTP connection; whether any are left."""
    pending = DigestDelivery.objects.filter(status=Status.PENDING)
    if not pending.exists():
        return False
    mail = DigestMail()
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        for _n in range(settings.PAPERDAILY_NEWSLETTER_BATCH_SIZE):
            sent_one = delivery.send_next(
                pending=DigestDelivery.objects.select_related("user", "user__reader_settings"),
                message_for=lambda row: mail.message_for(row, connection=connection),
                skipped_reason=_skipped_reason,
                connection=connection,
                what="digest",
            )
            if not sent_one:
                return False
    finally:
        with contextlib.suppress(OSError):
            connection.close()
    return pending.exists()


def _skipped_reason(row):
    reader = getattr(row.user, "reader_settings", None)
    if not row.user.is_active or not row.user.email:
        return "not sent: the account is closed or has no address"
    if reader is None or reader.digest == Digest.OFF:
        return "not sent: unsubscribed before it went out"
    return None


def digests_unfinished(*, stalled_after: int | None = None) -> bool:
    """Whether pending digests wait with none sent for ``stalled_after`` seconds: beat's sweeper restarts them."""
    if stalled_after is None:
        stalled_after = settings.PAPERDAILY_NEWSLETTER_STALLED_AFTER
    before = timezone.now() - timedelta(seconds=stalled_after)
    pending = DigestDelivery.objects.filter(status=Status.PENDING, created_at__lte=before)
    moving = DigestDelivery.objects.filter(status=Status.SENT, sent_at__gt=before)
    return pending.exists() and not moving.exists()


def digest_choose_frequency(*, user, frequency: str) -> ReaderSettings:
    with transaction.atomic():
        reader = ReaderSettings.objects.select_for_update().get_or_create(user=user)[0]
        if reader.digest != frequency:
            reader.digest = frequency
            reader.digest_since = None if frequency == Digest.OFF else timezone.now()
            reader.save(update_fields=["digest", "digest_since"])
    return reader


def digest_unsubscribe(*, token: str) -> ReaderSettings | None:
    """Digest off for the holder of this unsubscribe token; None for a token that names no one."""
    with transaction.atomic():
        reader = ReaderSettings.objects.select_for_update().filter(digest_token=token).first()
        if reader is not None and reader.digest != Digest.OFF:
            reader.digest = Digest.OFF
            reader.digest_since = None
            reader.save(update_fields=["digest", "digest_since"])
    return reader


class DigestMail:
    """Digests rendered per reader; the site's parts once."""

    def __init__(self):
        self.site_url = settings.PAPERDAILY_SITE_URL.rstrip("/")
        self.host = urlsplit(self.site_url).hostname or "paperdaily.localhost"

    def message_for(self, row, *, connection=None):
        paper_ids = [item["paper"] for item in row.papers]
        papers = Paper.objects.with_listing_details().in_bulk(paper_ids)
        topics = _topics(paper_ids)
        reader = row.user.reader_settings
        unsubscribe_url = self.site_url + reverse("digest:unsubscribe", args=[reader.digest_token])
        with translation.override(settings.LANGUAGE_CODE):
            items = [
                {
                    "paper": papers[item["paper"]],
                    "url": self.site_url + papers[item["paper"]].get_absolute_url(),
                    "topic": topics[item["paper"]].local_name if item["paper"] in topics else "",
                    "reason": _reason(item["reason"]),
                }
                for item in row.papers
                if item["paper"] in papers
            ]
            context = {
                "language": translation.get_language(),
                "items": items,
                "period": row.period,
                "frequency": reader.get_digest_display(),
                "unsubscribe_url": unsubscribe_url,
                "settings_url": self.site_url + reverse("digest:settings"),
                "for_you_url": self.site_url + reverse("foryou:for-you"),
                "site_url": self.site_url,
            }
            subject = ngettext(
                "Your PaperDaily digest: %(count)s new paper",
                "Your PaperDaily digest: %(count)s new papers",
                len(items),
            ) % {"count": len(items)}
            text = render_to_string("digest/email/digest.txt", context)
            html = render_to_string("digest/email/digest.html", context)
        message = EmailMultiAlternatives(
            " ".join(subject.split()),
            text,
            settings.DEFAULT_FROM_EMAIL,
            [row.user.email],
            connection=connection,
            headers={
                # The same for every try of this delivery: mail systems drop a repeated copy by it.
                "Message-ID": f"<digest.{row.period}.user-{row.user_id}@{self.host}>",
                "List-Id": f"PaperDaily digest <digest.{self.host}>",
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(html, "text/html")
        return message


def _topics(paper_ids):
    """Each paper's topic: the one of its latest published recommendation."""
    topics = {}
    latest_first = (
        Recommendation.objects.published()
        .filter(paper_id__in=paper_ids)
        .select_related("tag")
        .order_by("-issue_entry__issue__number", "issue_entry__position")
    )
    for recommendation in latest_first:
        topics.setdefault(recommendation.paper_id, recommendation.tag)
    return topics


def _reason(reason):
    if reason.get("kind") == "followed":
        return translation.gettext("New from what you follow")
    return reason_text(reason)
