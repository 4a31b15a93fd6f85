"""The newsletter: double opt-in subscriptions, and each published issue to each confirmed
subscriber exactly once.

Subscribing records the address and sends a confirmation link (from a task, once the
sign-up commits); only a confirmed address that has not unsubscribed since receives issues.
The one token in the confirmation and unsubscribe links proves the holder of the address.

Publishing records one ``NewsletterDelivery`` per confirmed subscriber; tasks then send
them in batches. See ``newsletter_send_batch`` for how each goes out once.
"""

import contextlib
import logging
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from paperdaily.lib.tasks import enqueue
from recommendations.models import Issue, NewsletterDelivery, Subscriber
from recommendations.newsletter import delivery
from recommendations.reading import exports

logger = logging.getLogger(__name__)

Status = NewsletterDelivery.Status

MAX_ATTEMPTS = delivery.MAX_ATTEMPTS
# What a token looks like (secrets.token_urlsafe); anything else is no token, and never reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


# --- Subscribing


def subscriber_subscribe(*, email: str) -> Subscriber:
    """Sign an address up, or up again, and send it the confirmation link once this commits.

    The caller learns nothing of the address's state, so that the page answering a sign-up
    cannot tell anyone who subscribes: an address already confirmed is left as it is and
    gets no mail; any other gets the confirmation link, unless one went out within
    ``PAPERDAILY_NEWSLETTER_RESEND_AFTER`` seconds (a double click, or someone hammering
    another person's address).
    """
    email = BaseUserManager.normalize_email(email.strip())
    with transaction.atomic():
        subscriber = _locked_or_created(email)
        if subscriber.is_active:
            return subscriber
        now = timezone.now()
        recent = now - timedelta(seconds=settings.PAPERDAILY_NEWSLETTER_RESEND_AFTER)
        if subscriber.confirmation_sent_at is not None and subscriber.confirmation_sent_at > recent:
            return subscriber
        # Set when the mail is queued, not when it leaves: two sign-ups at once queue one mail.
        subscriber.confirmation_sent_at = now
        subscriber.save(update_fields=["confirmation_sent_at"])
        enqueue("recommendations.send_newsletter_confirmation", subscriber.pk)
    return subscriber


def _locked_or_created(email):
    # Compared through lower(), which the case-insensitive unique index covers.
    same_address = Subscriber.objects.alias(email_lower=Lower("email")).filter(email_lower=email.lower())
    for attempt in range(2):
        try:
            with transaction.atomic():
                subscriber = same_address.select_for_update().first()
                if subscriber is None:
                    subscriber = Subscriber.objects.create(email=email)
                return subscriber
        except IntegrityError:
            # The same address signed up at the same moment: the other one's row is there now.
            if attempt:
                raise
    raise AssertionError("unreachable")


def subscriber_send_confirmation(*, subscriber_id: int) -> bool:
    """E-mail the confirmation link, unless the address was confirmed meanwhile; returns whether it sent."""
    subscriber = Subscriber.objects.get(pk=subscriber_id)
    if subscriber.is_active:
        return False
    site_url = _site_url()
    context = {
        "confirm_url": site_url + reverse("newsletter:confirm", args=[subscriber.token]),
        "site_url": site_url,
        "email": subscriber.email,
    }
    # Workers have no request to take a language from: mails go out in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Confirm your PaperDaily subscription")
        body = render_to_string("newsletter/email/confirm.txt", context)
    # Auto-Submitted keeps holiday auto-replies from answering it.
    EmailMessage(subject, body, None, [subscriber.email], headers={"Auto-Submitted": "auto-generated"}).send()
    logger.info("newsletter: confirmation link sent to subscriber %s", subscriber.pk)
    return True


def subscriber_confirm(*, token: str) -> Subscriber:
    """Confirm the address of the link (again, after an unsubscribe); raises ``Subscriber.DoesNotExist``."""
    with transaction.atomic():
        subscriber = _locked_by_token(token)
        if not subscriber.is_active:
            subscriber.confirmed_at = timezone.now()
            subscriber.unsubscribed_at = None
            subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscriber


def subscriber_unsubscribe(*, token: str) -> Subscriber:
    """Stop the newsletter for the address of the link, at once; doing it twice changes nothing.

    Raises ``Subscriber.DoesNotExist`` for an unknown token. Deliveries already queued are
    skipped when their turn comes.
    """
    with transaction.atomic():
        subscriber = _locked_by_token(token)
        if subscriber.unsubscribed_at is None:
            subscriber.unsubscribed_at = timezone.now()
            subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


def subscriber_by_token(*, token: str) -> Subscriber:
    """The subscriber a link's token names; raises ``Subscriber.DoesNotExist`` for any other string."""
    return _by_token(Subscriber.objects, token)


def _locked_by_token(token):
    return _by_token(Subscriber.objects.select_for_update(), token)


def _by_token(queryset, token):
    # Checked before the query: a NUL byte or a megabyte of text in a URL is simply no token.
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise Subscriber.DoesNotExist
    return queryset.get(token=token)


# --- Sending an issue


def newsletter_queue_issue(*, issue_id: int) -> int:
    """Record one delivery of the issue per confirmed subscriber, then start sending once committed.

    Running it again adds no delivery twice (the (issue, subscriber) constraint), so a
    republished issue reaches only the subscribers it has not reached. Returns how many
    deliveries it added.
    """
    issue = Issue.objects.get(pk=issue_id)
    subscriber_ids = (
        Subscriber.objects.confirmed().exclude(deliveries__issue=issue).values_list("pk", flat=True).order_by("pk")
    )
    added = 0
    batch = []
    for subscriber_id in subscriber_ids.iterator(chunk_size=2000):
        batch.append(NewsletterDelivery(issue=issue, subscriber_id=subscriber_id))
        if len(batch) == 1000:
            added += _create_deliveries(batch)
            batch = []
    added += _create_deliveries(batch)
    enqueue("recommendations.send_newsletter", issue.pk)  # sent once the transaction commits
    return added


def _create_deliveries(deliveries):
    # ignore_conflicts: a subscriber queued by a concurrent run is queued once all the same.
    NewsletterDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return len(deliveries)


def newsletter_send_batch(*, issue_id: int) -> bool:
    """Send up to one batch of the issue's pending deliveries; returns whether any are left for a next batch.

    One SMTP connection carries the whole batch (``PAPERDAILY_NEWSLETTER_BATCH_SIZE``
    messages). Each delivery is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` in a
    transaction of its own that stays open while its one message is sent, and is marked
    sent in that same transaction. So:

    - a worker killed mid-send drops its database connection; PostgreSQL rolls the claim
      back and the delivery is pending again, for the next run (beat's sweeper starts one);
    - several workers may send one issue at once: each skips the rows the others hold;
    - a delivery is marked sent only after the mail server accepted its message.

    Only subscribers still confirmed and subscribed when their turn comes get the message;
    the others' deliveries are marked failed with the reason. A permanent refusal (5xx,
    or an address the server rejects) marks that delivery failed and the batch goes on. A
    temporary one (connection lost, timeout, 4xx) stops the batch and is raised, for the
    task to retry later with backoff; the delivery stays pending, but one recipient refused
    ``MAX_ATTEMPTS`` times is given up so that it cannot hold up the others for ever.

    The window that remains: the server accepts a message and the worker dies (or loses
    the database) before the commit. The delivery is then sent again. Every delivery's
    message has the same Message-ID each time (issue and subscriber), so mail systems that
    drop repeated Message-IDs drop the second copy; no design that commits apart from the
    SMTP dialogue can close this window without risking a reader getting nothing instead.
    """
    issue = Issue.objects.published().filter(pk=issue_id).first()
    if issue is None:
        return False  # deleted, or back to a draft: its deliveries wait until it is published again
    pending = NewsletterDelivery.objects.filter(issue_id=issue_id, status=Status.PENDING)
    if not pending.exists():
        return False

    mail = IssueMail(issue)
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        for _n in range(settings.PAPERDAILY_NEWSLETTER_BATCH_SIZE):
            if not _send_next(issue, mail, connection):
                # Nothing left to claim. Rows other runs hold are theirs to finish; should one
                # die, its rows come back pending and beat's sweeper starts a run for them.
                return False
    finally:
        # A connection the server already dropped may fail to close; what matters was recorded.
        with contextlib.suppress(OSError):
            connection.close()
    return pending.exists()


def _send_next(issue, mail, connection) -> bool:
    """Claim the next pending delivery, send it and record the outcome; False when none is left."""
    return delivery.send_next(
        pending=NewsletterDelivery.objects.select_related("subscriber").filter(issue=issue),
        message_for=lambda row: mail.message_for(row.subscriber, connection=connection),
        skipped_reason=lambda row: None if row.subscriber.is_active else _skipped_reason(row.subscriber),
        connection=connection,
        what=f"issue {issue.number}: newsletter",
    )


def _skipped_reason(subscriber):
    if subscriber.unsubscribed_at is not None:
        return "not sent: unsubscribed before it went out"
    return "not sent: the address is not confirmed"


class IssueMail:
    """One issue as a newsletter, rendered once per batch; ``message_for`` adds each reader's part.

    The plain-text body is the issue's Markdown export, the HTML alternative its HTML export;
    each ends with a footer holding the reader's own unsubscribe link.
    """

    def __init__(self, issue):
        self.issue = issue
        self.site_url = _site_url()
        self.host = urlsplit(self.site_url).hostname or "paperdaily.localhost"
        # Stands for the footer in the HTML rendered once; a fresh random one can never be
        # part of the issue's own (escaped) content.
        self._footer_mark = f"<!-- paperdaily-footer-{secrets.token_hex(12)} -->"
        with translation.override(settings.LANGUAGE_CODE):
            if issue.title:
                subject = _("PaperDaily issue %(number)s: %(title)s") % {"number": issue.number, "title": issue.title}
            else:
                subject = _("PaperDaily issue %(number)s") % {"number": issue.number}
            self.text = exports.issue_markdown(issue, site_url=self.site_url).rstrip()
            self.html = exports.issue_html(issue, site_url=self.site_url, footer_html=self._footer_mark)
        # A header line: anything that looks like a line break would end it.
        self.subject = " ".join(subject.split())

    def message_for(self, subscriber, *, connection=None):
        unsubscribe_url = self.site_url + reverse("newsletter:unsubscribe", args=[subscriber.token])
        context = {
            "issue": self.issue,
            "email": subscriber.email,
            "unsubscribe_url": unsubscribe_url,
            "subscribe_url": self.site_url + reverse("newsletter:subscribe"),
            "issue_url": self.site_url + self.issue.get_absolute_url(),
            "site_url": self.site_url,
        }
        with translation.override(settings.LANGUAGE_CODE):
            text_footer = render_to_string("newsletter/email/issue_footer.txt", context).strip()
            html_footer = render_to_string("newsletter/email/issue_footer.html", context).strip()
        message = EmailMultiAlternatives(
            self.subject,
            f"{self.text}\n\n-- \n{text_footer}\n",
            settings.DEFAULT_FROM_EMAIL,
            [subscriber.email],
            connection=connection,
            headers={
                # The same for every try of this delivery: mail systems drop a repeated copy by it.
                "Message-ID": f"<newsletter.issue-{self.issue.pk}.subscriber-{subscriber.pk}@{self.host}>",
                "List-Id": f"PaperDaily <newsletter.{self.host}>",
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                # RFC 8058: mail clients may unsubscribe with one POST, without opening a page.
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(self._html_with(html_footer), "text/html")
        return message

    def _html_with(self, footer):
        if self._footer_mark in self.html:
            return self.html.replace(self._footer_mark, footer, 1)
        # The export dropped or escaped the footer: put it before the end of the body.
        head, found, tail = self.html.rpartition("</body>")
        return f"{head}{footer}{found}{tail}" if found else self.html + footer


def newsletter_issues_unfinished(*, stalled_after: int | None = None):
    """Published issues with deliveries still waiting, and none sent for ``stalled_after`` seconds.

    Beat's sweeper starts these again; an issue whose sending is moving along is left to the
    running tasks, so that each sweep does not add one more run in parallel. ``None`` means
    ``PAPERDAILY_NEWSLETTER_STALLED_AFTER``.
    """
    if stalled_after is None:
        stalled_after = settings.PAPERDAILY_NEWSLETTER_STALLED_AFTER
    before = timezone.now() - timedelta(seconds=stalled_after)
    waiting = NewsletterDelivery.objects.filter(issue=OuterRef("pk"), status=Status.PENDING)
    return (
        Issue.objects.published()
        .filter(Exists(waiting))
        .annotate(last_sent=Max("deliveries__sent_at"), last_queued=Max("deliveries__created_at"))
        .filter(Q(last_sent__isnull=True) | Q(last_sent__lte=before), last_queued__lte=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _site_url():
    return settings.PAPERDAILY_SITE_URL.rstrip("/")
