"""Celery tasks of recommendations and issues: thin wrappers that take ids and call a service.

E-mails (decisions and publications to recommenders, newsletter confirmations, the
newsletter itself) are idempotent: a status on the row records what went out. Tasks are
acknowledged late so a killed worker's message is redelivered, bounded by time limits,
and retried with exponential backoff while the mail server is unreachable. Beat publishes
scheduled issues and sweeps up e-mails that never went out.
"""

import logging
import smtplib

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from kombu.exceptions import OperationalError

from papers.tasks import enqueue
from recommendations import accounts
from recommendations.services import account_emails, issues, moderation, newsletter

logger = logging.getLogger(__name__)

# Five tries in all: the first and four retries, 1, 2, 4 and 8 minutes apart.
MAX_RETRIES = 4
BACKOFF_BASE = 60
BACKOFF_MAX = 3600


def backoff(retries: int) -> int:
    return min(BACKOFF_BASE * 2**retries, BACKOFF_MAX)


def _permanent(error) -> bool:
    """A mail server's 5xx answer (a refused address, say) will not change on a retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


# The site-wide soft limit (CELERY_TASK_SOFT_TIME_LIMIT) is longer than these tasks' hard
# limit, and Celery refuses a soft limit above the hard one: both are named.
_mail_task = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": MAX_RETRIES,
    "soft_time_limit": 45,
    "time_limit": 60,
    "ignore_result": True,
}


def _mail_or_retry(task, send, *, label):
    """Run ``send``; retry with backoff while the mail server is unreachable, give up on a 5xx or the last try."""
    try:
        send()
    except ObjectDoesNotExist:
        logger.info("%s was deleted before its e-mail went out", label)
    except (OSError, SoftTimeLimitExceeded) as error:
        # smtplib's errors are OSErrors, as are refused connections and socket timeouts.
        if _permanent(error) or task.request.retries >= task.max_retries or task.request.is_eager:
            logger.error("%s: e-mail not sent: %s", label, error)
            return
        raise task.retry(exc=error, countdown=backoff(task.request.retries)) from None


@shared_task(name="recommendations.notify_decision", **_mail_task)
def notify_decision(self, recommendation_id):
    """E-mail the recommender the editor's decision (once per decision)."""
    _mail_or_retry(
        self,
        lambda: moderation.recommendation_notify_decision(recommendation_id=recommendation_id),
        label=f"recommendation {recommendation_id}",
    )


@shared_task(name="recommendations.sweep_decision_emails", acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_decision_emails():
    """Beat: send again the decision e-mails that never went out (the broker was down, say)."""
    untold = moderation.recommendations_untold(older_than_seconds=settings.PAPERDAILY_PENDING_SWEEP_AFTER)
    ids = list(untold.values_list("pk", flat=True)[:500])
    for recommendation_id in ids:
        enqueue_notify_decision(recommendation_id)
    return {"recommendations": len(ids)}


def enqueue_notify_decision(recommendation_id):
    """Send the decision e-mail task once the current transaction commits."""
    enqueue(notify_decision, recommendation_id)


@shared_task(name="recommendations.publish_due_issues", acks_late=True, soft_time_limit=50, time_limit=60)
def publish_due_issues():
    """Beat, every minute: publish the drafts whose scheduled time has come."""
    return issues.issues_publish_due()


# The newsletter: PostgreSQL holds each delivery's status, so any number of these may run
# for one issue at once (each claims rows the others skip), and a lost one is restarted by
# the sweeper. A mail server that cannot be reached is tried again with backoff.
@shared_task(
    name="recommendations.send_newsletter",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=240,
    time_limit=300,
    ignore_result=True,
)
def send_newsletter(self, issue_id):
    """Send one batch of an issue's newsletter, then queue the next batch while any are left."""
    try:
        more = newsletter.newsletter_send_batch(issue_id=issue_id)
    except SoftTimeLimitExceeded:
        # A slow mail server: what went out is recorded, the message in flight is pending again.
        logger.warning("issue %s: newsletter batch cut short by its time limit", issue_id)
        more = True
    except OSError as error:
        # smtplib's errors are OSErrors, as are refused connections and socket timeouts.
        if self.request.retries >= self.max_retries or self.request.is_eager:
            logger.error("issue %s: newsletter paused, beat's sweeper will start it again: %s", issue_id, error)
            return
        raise self.retry(exc=error, countdown=backoff(self.request.retries)) from None
    if more:
        enqueue_newsletter(issue_id)


@shared_task(name="recommendations.sweep_newsletters", acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_newsletters():
    """Beat: start again the newsletters whose sending stopped (a worker killed, the broker down)."""
    issue_ids = list(newsletter.newsletter_issues_unfinished())
    for issue_id in issue_ids:
        enqueue_newsletter(issue_id)
    return {"issues": issue_ids}


def enqueue_newsletter(issue_id):
    """Send the next batch of the issue's newsletter once the current transaction commits."""
    enqueue(send_newsletter, issue_id)


@shared_task(name="recommendations.newsletter_subscribe", acks_late=True, soft_time_limit=50, time_limit=60)
def newsletter_subscribe(email):
    """Record a newsletter sign-up (and queue its confirmation mail): the view only queues this,
    so that its answer takes as long for a known address as for a new one."""
    newsletter.subscriber_subscribe(email=email)


def enqueue_newsletter_subscribe(email):
    """Record the newsletter sign-up of ``email`` from a task, once the current transaction commits.

    No sweeper knows of a sign-up that never reached the broker, so with the broker down it is
    recorded at once instead (its answer then takes longer, but nothing the reader asked is lost).
    """

    def send():
        try:
            newsletter_subscribe.apply_async(args=(email,), retry=False)
        except OperationalError as error:
            logger.warning("could not queue a newsletter sign-up, recording it now: %s", error)
            newsletter.subscriber_subscribe(email=email)

    transaction.on_commit(send)


@shared_task(name="recommendations.send_newsletter_confirmation", **_mail_task)
def send_newsletter_confirmation(self, subscriber_id):
    """E-mail a new subscriber the link that confirms the address (if it fails for good, signing up again sends one)."""
    _mail_or_retry(
        self,
        lambda: newsletter.subscriber_send_confirmation(subscriber_id=subscriber_id),
        label=f"subscriber {subscriber_id}",
    )


def enqueue_newsletter_confirmation(subscriber_id):
    """Send the confirmation e-mail task once the current transaction commits."""
    enqueue(send_newsletter_confirmation, subscriber_id)


# Account e-mails: no status row records them (a lost one is asked for again by its person).
@shared_task(name="recommendations.send_password_reset", **_mail_task)
def send_password_reset(self, email, language=""):
    """E-mail the password-reset link to the accounts of ``email``, if any."""
    _mail_or_retry(
        self,
        lambda: account_emails.password_reset_send(email=email, language=language),
        label="password reset",
    )


def enqueue_password_reset(email, language=""):
    """Send the password-reset task once the current transaction commits."""
    enqueue(send_password_reset, email, language)


@shared_task(name="recommendations.send_signup_confirmation", **_mail_task)
def send_signup_confirmation(self, user_id, next_url="", language=""):
    """E-mail a new account the link that confirms its address (not if it was confirmed meanwhile)."""
    _mail_or_retry(
        self,
        lambda: account_emails.signup_confirmation_send(user_id=user_id, next_url=next_url, language=language),
        label=f"sign-up of user {user_id}",
    )


def enqueue_signup_confirmation(user_id, next_url="", language=""):
    """Send the sign-up confirmation task once the current transaction commits."""
    enqueue(send_signup_confirmation, user_id, next_url, language)


@shared_task(name="recommendations.send_signup_notice", **_mail_task)
def send_signup_notice(self, email, language=""):
    """Tell the owner of the account of ``email`` that someone tried to sign up with that address."""
    _mail_or_retry(
        self,
        lambda: account_emails.signup_notice_send(email=email, language=language),
        label="sign-up with a known address",
    )


@shared_task(name="recommendations.delete_unconfirmed_accounts", acks_late=True, soft_time_limit=50, time_limit=60)
def delete_unconfirmed_accounts():
    """Beat, hourly: delete the accounts signed up and never confirmed, freeing their handles and addresses."""
    # Never before the last confirmation link mailed could have expired.
    age = max(settings.PAPERDAILY_UNCONFIRMED_ACCOUNT_TTL, settings.PASSWORD_RESET_TIMEOUT)
    return {"deleted": accounts.accounts_unconfirmed_delete(older_than_seconds=age)}


def enqueue_signup_notice(email, language=""):
    """Send the sign-up notice task once the current transaction commits."""
    enqueue(send_signup_notice, email, language)
