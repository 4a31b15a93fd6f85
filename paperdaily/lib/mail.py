"""What every e-mail task shares: its Celery options and how it retries.

E-mails are idempotent where a row records them (a status on the row says what went out).
Tasks are acknowledged late so a killed worker's message is redelivered, bounded by time
limits, and retried with exponential backoff while the mail server is unreachable.
"""

import logging
import smtplib

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def one_click_refused(request):
    """For an unsubscribe link: a 400 for a POST that is not RFC 8058's one-click body, else None.

    Mail clients POST ``List-Unsubscribe=One-Click`` without a CSRF token (the link's token is the
    secret); anything else posted there is not a mail client and unsubscribes no one.
    """
    if request.method == "POST" and request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponse(
            _("To unsubscribe, send List-Unsubscribe=One-Click, or open this link in a browser."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return None


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
MAIL_TASK = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": MAX_RETRIES,
    "soft_time_limit": 45,
    "time_limit": 60,
    "ignore_result": True,
}


def mail_or_retry(task, send, *, label):
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
