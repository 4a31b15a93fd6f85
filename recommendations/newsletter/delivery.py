"""Sending mail rows exactly once: what the newsletter and the digest share.

A delivery row (``status`` pending / sent / failed, ``attempts``, ``error``, ``sent_at``) is
claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` in a transaction of its own that stays open
while its one message is sent, and is marked sent in that same transaction. So a worker killed
mid-send drops its connection and PostgreSQL rolls the claim back (the row is pending again for
the next run), several workers skip each other's rows, and a row is marked sent only after the
mail server accepted its message. See ``newsletter_send_batch`` for the window that remains.
"""

import logging
import smtplib

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"
# A delivery the mail server keeps refusing for a while (4xx) is given up after this many tries.
MAX_ATTEMPTS = 5


def send_next(*, pending, message_for, skipped_reason, connection, what) -> bool:
    """Claim the next pending row of ``pending``, send ``message_for(row)`` and record the outcome.

    ``skipped_reason(row)`` says why a row must not go out any more (None: send it). Returns
    False when no row is left to claim; raises a temporary SMTP error after recording it.
    """
    temporary_error = None
    with transaction.atomic():
        row = pending.select_for_update(skip_locked=True, of=("self",)).filter(status=PENDING).order_by("pk").first()
        if row is None:
            return False
        reason = skipped_reason(row)
        if reason:
            record(row, FAILED, reason, count_attempt=False)
            return True
        try:
            connection.send_messages([message_for(row)])
        except ValueError as error:
            # An address Django cannot put in an envelope (or a header it refuses): no retry will help.
            record(row, FAILED, f"{type(error).__name__}: {error}")
        except OSError as error:  # smtplib's errors, refused connections and timeouts alike
            if permanent(error) or (recipient_refused(error) and row.attempts + 1 >= MAX_ATTEMPTS):
                record(row, FAILED, describe(error))
            else:
                record(row, PENDING, describe(error))
                temporary_error = error
        else:
            record(row, SENT, "")
    if temporary_error is not None:
        logger.warning("%s batch stopped: %s", what, describe(temporary_error))
        raise temporary_error
    return True


def record(row, status, error, *, count_attempt=True):
    row.status = status
    row.error = error
    if count_attempt:
        row.attempts += 1
    if status == SENT:
        row.sent_at = timezone.now()
    row.save(update_fields=["status", "error", "attempts", "sent_at"])


def permanent(error) -> bool:
    """A 5xx answer for this message or every recipient of it: sending it again will not help.

    A refused sender (our own From address) is a fault of the configuration, not of this
    delivery: it stops the batch instead, as a temporary error does.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return False
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def recipient_refused(error) -> bool:
    return isinstance(error, smtplib.SMTPRecipientsRefused)


def describe(error) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {message.decode(errors='replace') if isinstance(message, bytes) else message}"
            for code, message in error.recipients.values()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        return f"{error.smtp_code} {message.decode(errors='replace') if isinstance(message, bytes) else message}"
    return f"{type(error).__name__}: {error}"
