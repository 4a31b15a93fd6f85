"""Account e-mails as tasks (no row records them: a lost one is asked for again by its person),
and beat's deletion of accounts never confirmed."""

import logging

from celery import shared_task
from django.conf import settings

from paperdaily.lib.mail import MAIL_TASK, mail_or_retry
from paperdaily.lib.tasks import enqueue
from recommendations.accounts import emails
from recommendations.accounts import services as accounts

logger = logging.getLogger(__name__)


# Account e-mails: no status row records them (a lost one is asked for again by its person).
@shared_task(name="recommendations.send_password_reset", **MAIL_TASK)
def send_password_reset(self, email, language=""):
    """E-mail the password-reset link to the accounts of ``email``, if any."""
    mail_or_retry(
        self,
        lambda: emails.password_reset_send(email=email, language=language),
        label="password reset",
    )


def enqueue_password_reset(email, language=""):
    """Send the password-reset task once the current transaction commits."""
    enqueue(send_password_reset, email, language)


@shared_task(name="recommendations.send_signup_confirmation", **MAIL_TASK)
def send_signup_confirmation(self, user_id, next_url="", language=""):
    """E-mail a new account the link that confirms its address (not if it was confirmed meanwhile)."""
    mail_or_retry(
        self,
        lambda: emails.signup_confirmation_send(user_id=user_id, next_url=next_url, language=language),
        label=f"sign-up of user {user_id}",
    )


def enqueue_signup_confirmation(user_id, next_url="", language=""):
    """Send the sign-up confirmation task once the current transaction commits."""
    enqueue(send_signup_confirmation, user_id, next_url, language)


@shared_task(name="recommendations.send_signup_notice", **MAIL_TASK)
def send_signup_notice(self, email, language=""):
    """Tell the owner of the account of ``email`` that someone tried to sign up with that address."""
    mail_or_retry(
        self,
        lambda: emails.signup_notice_send(email=email, language=language),
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
