"""E-mails about accounts: password-reset links, sign-up confirmations, and the note to an
account's owner that someone tried to sign up with their address.

Each is sent by a task queued once the request's transaction commits, never while the
request is answered: the answer, and how long it takes, must not tell whether an address
has an account. Every link starts with ``PAPERDAILY_SITE_URL``, never with the Host header
of the request that caused the mail (its sender chooses that header).
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from recommendations.accounts.services import signup_token_generator

logger = logging.getLogger(__name__)


def _site_url():
    return settings.PAPERDAILY_SITE_URL.rstrip("/")


def _send(*, to, subject_template, body_template, context, language):
    # Workers have no request to take a language from: the task carries the asker's.
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(subject_template, context)
        body = render_to_string(body_template, context)
    # A header line: anything that looks like a line break would end it.
    subject = " ".join(subject.split())
    # Auto-Submitted keeps holiday auto-replies from answering it.
    EmailMessage(subject, body, None, [to], headers={"Auto-Submitted": "auto-generated"}).send()


def password_reset_send(*, email: str, language: str = "") -> int:
    """E-mail a link that sets a new password to each active account of ``email``; returns how many.

    Django's rules choose the accounts (active, with a usable password, the address matched
    case-blind); an unknown address gets nothing.
    """
    site_url = _site_url()
    sent = 0
    for user in PasswordResetForm().get_users(email):
        context = {
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "site_url": site_url,
            "valid_hours": max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1),
        }
        _send(
            to=user.email,
            subject_template="recommendations/emails/password_reset_subject.txt",
            body_template="recommendations/emails/password_reset_body.txt",
            context=context,
            language=language,
        )
        sent += 1
    logger.info("password reset: %s link(s) sent", sent)
    return sent


def signup_confirmation_send(*, user_id: int, next_url: str = "", language: str = "") -> bool:
    """E-mail a signed-up account the link that confirms its address; False when it needs none any more."""
    user = get_user_model().objects.get(pk=user_id)
    if user.is_active or user.last_login is not None or not user.email:
        return False
    confirm_url = _site_url() + reverse(
        "signup_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": signup_token_generator.make_token(user),
        },
    )
    if next_url:
        confirm_url += "?" + urlencode({"next": next_url})
    context = {
        "user": user,
        "confirm_url": confirm_url,
        "site_url": _site_url(),
        "valid_hours": max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1),
    }
    _send(
        to=user.email,
        subject_template="recommendations/emails/signup_confirm_subject.txt",
        body_template="recommendations/emails/signup_confirm_body.txt",
        context=context,
        language=language,
    )
    logger.info("sign-up: confirmation link sent to user %s", user.pk)
    return True


def signup_notice_send(*, email: str, language: str = "") -> int:
    """Tell each account of ``email`` that someone tried to sign up with it; returns how many were told.

    An account still waiting for its own confirmation gets that link again instead: its
    person lost the first mail, most likely, and could neither log in nor reset a password.
    """
    site_url = _site_url()
    told = 0
    for user in get_user_model().objects.filter(email__iexact=email).order_by("pk"):
        if signup_confirmation_send(user_id=user.pk, language=language):
            told += 1
            continue
        context = {
            "user": user,
            "login_url": site_url + reverse("login"),
            "reset_url": site_url + reverse("password_reset"),
            "site_url": site_url,
        }
        _send(
            to=user.email,
            subject_template="recommendations/emails/signup_notice_subject.txt",
            body_template="recommendations/emails/signup_notice_body.txt",
            context=context,
            language=language,
        )
        told += 1
    logger.info("sign-up with a known address: %s account(s) told", told)
    return told
