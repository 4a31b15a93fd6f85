"""Accounts for recommenders: creating a login together with its public profile.

A person signs up with a handle, an e-mail address and a password. The handle is both the
``User.username`` and the ``Recommender.handle``, so that one name identifies a person
everywhere. The rules, shared by the sign-up form, the profile page and anything else that
makes accounts:

- a handle is unique case-blind among recommenders (a database constraint) *and* among
  user names (checked here, so that an editor's login name cannot be taken as a handle);
- an e-mail address belongs to one account, case-blind. ``auth_user.email`` has no unique
  index (the table is Django's), so on PostgreSQL sign-ups are serialised per address and
  per handle with transaction-scoped advisory locks; the check after the lock is then exact;
- no user is created without its recommender: both rows are written in one transaction;
- signing up answers alike whether or not the address has an account (``account_signup``):
  a new address gets an account that stays inactive until the link mailed to it is opened
  and the password chosen at sign-up typed, a known one gets nothing new, and its owner a
  note that someone tried. An account never confirmed belongs to no one yet: a new sign-up
  with its address replaces its handle and password (the latest sign-up wins), and beat
  deletes it after a while, so that no one can sign up first with another person's address
  and keep a password to the account once its owner confirms it.

The forms live in ``accounts/forms.py``, the views in ``accounts/views.py``.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from paperdaily.lib.tasks import enqueue
from recommendations.models import FORMER_MEMBER_PREFIX, Recommender, handle_validator

HANDLE_TAKEN = _("This handle is taken. Please choose another one.")
EMAIL_TAKEN = _("An account with this e-mail address already exists.")
WRONG_SIGNUP_PASSWORD = _("This is not the password chosen when signing up.")

# Advisory lock classes (the first of pg_advisory_xact_lock's two keys), one per kind of name.
_LOCK_HANDLE = 7701
_LOCK_EMAIL = 7702


def handle_is_taken(handle, *, exclude_user=None):
    """True when ``handle`` names a recommender or a user (other than ``exclude_user``), in any case.

    Handles of the former-member prefix are reserved: they name deleted accounts (privacy/services.py).
    """
    if handle.lower().startswith(FORMER_MEMBER_PREFIX):
        return True
    users = get_user_model().objects.filter(username__iexact=handle)
    if exclude_user is not None:
        users = users.exclude(pk=exclude_user.pk)
    return Recommender.objects.filter(handle__iexact=handle).exists() or users.exists()


def handle_awaits_confirmation_at(handle, email):
    """True when ``handle`` belongs to a never-confirmed account of ``email``: signing up again
    with both is that person asking for a fresh link (``account_signup``), not a taken handle."""
    users = get_user_model().objects.filter(username__iexact=handle, email__iexact=email)
    return awaiting_confirmation(users).exists()


def email_is_taken(email):
    return get_user_model().objects.filter(email__iexact=email).exists()


def _lock(kind, value):
    # Held until the transaction ends; two sign-ups with one name wait for each other.
    # Handles are always locked before e-mail addresses, so two sign-ups cannot deadlock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [kind, value.lower()])


def _account_errors(*, user, password):
    """Every reason ``user`` (unsaved) cannot be created with ``password``, by field name.

    Runs inside the transaction: it takes the locks that make its checks exact.
    """
    errors = {}
    # Well-formed names only reach the database (PostgreSQL refuses a NUL in a query).
    try:
        handle_validator(user.username)
    except ValidationError as error:
        errors["handle"] = error
    try:
        validate_email(user.email)
    except ValidationError as error:
        errors["email"] = error
    if "handle" not in errors:
        _lock(_LOCK_HANDLE, user.username)
    if "email" not in errors:
        _lock(_LOCK_EMAIL, user.email)
    if "handle" not in errors and handle_is_taken(user.username):
        errors["handle"] = ValidationError(HANDLE_TAKEN, code="handle_taken")
    if "email" not in errors and email_is_taken(user.email):
        errors["email"] = ValidationError(EMAIL_TAKEN, code="email_taken")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        errors["password"] = error
    return errors


def account_create(*, handle, email, password, confirmed=True):
    """Create a user and its recommender profile in one transaction; return the user.

    An account not ``confirmed`` is inactive (it cannot log in) until ``account_confirm``.

    Raises ``ValidationError`` keyed by ``handle``, ``email`` and ``password`` when any is
    unacceptable, including when a concurrent sign-up took the handle first.
    """
    User = get_user_model()
    user = User(username=handle, email=User.objects.normalize_email(email), is_active=confirmed)
    try:
        with transaction.atomic():
            errors = _account_errors(user=user, password=password)
            if errors:
                raise ValidationError(errors)
            user.set_password(password)
            user.save()
            Recommender.objects.create(handle=handle, user=user)
    except IntegrityError:
        # Someone else (an editor in the admin, say) wrote the name between check and insert.
        raise ValidationError({"handle": ValidationError(HANDLE_TAKEN, code="handle_taken")}) from None
    return user


class SignupTokenGenerator(PasswordResetTokenGenerator):
    """Tokens of the sign-up confirmation link: they stop working once the account is active."""

    key_salt = "recommendations.accounts.services.SignupTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


signup_token_generator = SignupTokenGenerator()


def account_signup(*, handle, email, password, next_url="", language=""):
    """Sign a person up; the caller learns nothing of whether ``email`` already has an account.

    A new address gets an inactive account and, once this commits, a mail with the link
    that confirms it (and then logs in, going on to ``next_url``). An address whose account
    was never confirmed gets that account back with this sign-up's password, and its handle
    when that is free, and a fresh link (the old ones die with the old password). Any other
    known address gets no new row; its owner is told by mail that someone tried to sign up
    with it. All take about as long: the costly part, hashing the password, is done once
    either way. Raises ``ValidationError`` (keyed by field) for what the person may be told:
    a taken handle, a malformed name or a weak password.
    """
    email = get_user_model().objects.normalize_email(email)
    if not email_is_taken(email):
        try:
            user = account_create(handle=handle, email=email, password=password, confirmed=False)
        except ValidationError as error:
            others = {field: errors for field, errors in error.error_dict.items() if not _only_taken_email(errors)}
            if others:
                raise ValidationError(others) from None
            # A sign-up with the same address won the race: this one is a known address now.
        else:
            enqueue("recommendations.send_signup_confirmation", user.pk, next_url, language)
            return
    user = _account_signup_again(handle=handle, email=email, password=password)
    if user is not None:
        enqueue("recommendations.send_signup_confirmation", user.pk, next_url, language)
        return
    make_password(password)  # as long as the new account's hashing above, so the time tells nothing
    enqueue("recommendations.send_signup_notice", email, language)


def awaiting_confirmation(users):
    """Those of ``users`` (a QuerySet) signed up but never confirmed: inactive, never logged in, not staff.

    An account an editor deactivated has logged in before, so it is not among them.
    """
    return users.filter(is_active=False, last_login__isnull=True, is_staff=False, is_superuser=False)


def _account_signup_again(*, handle, email, password):
    """Give the one unconfirmed account of ``email`` this sign-up's password and handle; None if there is none.

    Nothing about that account was ever proven, so the latest sign-up wins. The handle is
    kept when the new one is malformed or taken by anyone else.
    """
    User = get_user_model()
    with transaction.atomic():
        handle_ok = _well_formed_handle(handle)
        if handle_ok:
            _lock(_LOCK_HANDLE, handle)
        _lock(_LOCK_EMAIL, email)
        users = list(awaiting_confirmation(User.objects.filter(email__iexact=email)).select_for_update()[:2])
        if len(users) != 1 or User.objects.filter(email__iexact=email).count() != 1:
            return None
        [user] = users
        try:
            password_validation.validate_password(password, User(username=handle, email=email))
        except ValidationError as error:
            raise ValidationError({"password": error}) from None
        recommender = Recommender.objects.filter(user=user).first()
        if handle_ok and handle != user.username and not _taken_by_another(handle, user=user):
            user.username = handle
            if recommender is not None:
                recommender.handle = handle
        user.set_password(password)
        user.date_joined = timezone.now()  # the age beat's clean-up counts from
        try:
            with transaction.atomic():
                user.save(update_fields=["username", "password", "date_joined"])
                if recommender is not None:
                    recommender.save(update_fields=["handle"])
        except IntegrityError:
            # The handle was written by someone else (an editor, say) since the check: keep the old one.
            user.refresh_from_db(fields=["username"])
            user.set_password(password)
            user.save(update_fields=["password", "date_joined"])
    return user


def _well_formed_handle(handle):
    try:
        handle_validator(handle)
    except ValidationError:
        return False
    return True


def _taken_by_another(handle, *, user):
    return (
        handle.lower().startswith(FORMER_MEMBER_PREFIX)
        or Recommender.objects.filter(handle__iexact=handle).exclude(user=user).exists()
        or get_user_model().objects.filter(username__iexact=handle).exclude(pk=user.pk).exists()
    )


def _only_taken_email(errors):
    return all(error.code == "email_taken" for error in errors)


def account_to_confirm(*, uidb64, token):
    """The inactive account a sign-up confirmation link names, or None for a used, stale or made-up link."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError, ValidationError, User.DoesNotExist):
        return None
    if user.is_active or user.last_login is not None or not signup_token_generator.check_token(user, token):
        return None
    return user


def account_confirm(*, user, password):
    """Make a signed-up account active: its address is proven, and ``password`` is the one chosen at sign-up.

    The password makes sure that the person who holds the link (the address's owner) is the
    one who signed up: someone else who signed up first with that address could otherwise
    keep a password to the account its owner confirms. Raises ``ValidationError`` keyed by
    ``password`` when it is not the account's; the link then stays valid. Returns False
    when the account is gone (deleted as never confirmed), True once it is active.
    """
    if not user.check_password(password):
        raise ValidationError({"password": ValidationError(WRONG_SIGNUP_PASSWORD, code="wrong_password")})
    updated = get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    return bool(updated)


def accounts_unconfirmed_delete(*, older_than_seconds, limit=500):
    """Delete accounts signed up more than ``older_than_seconds`` ago and never confirmed; how many.

    Their handles and addresses are free again. An account is only deleted together with
    its recommender profile while both are bare: the profile has no recommendation and no
    reward (PROTECT would refuse anyway); anything else holding on to it keeps it.
    """
    User = get_user_model()
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    candidates = awaiting_confirmation(User.objects.filter(date_joined__lt=cutoff)).filter(
        recommender__recommendations__isnull=True, recommender__rewards__isnull=True, auth_token__isnull=True
    )
    deleted = 0
    for pk in list(candidates.order_by("pk").values_list("pk", flat=True)[:limit]):
        try:
            with transaction.atomic():
                # Locked and checked again: the person may be confirming right now.
                user = candidates.select_for_update(of=("self",)).filter(pk=pk).first()
                if user is None:
                    continue
                Recommender.objects.filter(user=user).delete()
                user.delete()
        except (ProtectedError, RestrictedError):
            continue
        deleted += 1
    return deleted


def account_password_changed(*, user):
    """End what the old password let anyone obtain: the user's API token.

    Called by every way a password is set anew (the change and the reset pages), after the
    new one is saved; the other sessions end already, their stored hash of the password
    no longer matching. A token taken with the old password would otherwise outlive it.
    """
    Token.objects.filter(user=user).delete()


def recommender_create(*, user, handle):
    """Give an existing user (an account older than profiles) its recommender profile.

    The handle may be the user's own user name, but no one else's. Raises ``ValidationError``
    when the handle is malformed or taken; returns the profile the user already has, if any.
    """
    handle_validator(handle)
    try:
        with transaction.atomic():
            _lock(_LOCK_HANDLE, handle)
            if handle_is_taken(handle, exclude_user=user):
                raise ValidationError(HANDLE_TAKEN, code="handle_taken")
            return Recommender.objects.create(handle=handle, user=user)
    except IntegrityError:
        existing = Recommender.objects.filter(user=user).first()
        if existing is not None:  # a double submit: the first one won
            return existing
        raise ValidationError(HANDLE_TAKEN, code="handle_taken") from None


def recommender_ensure(*, user):
    """The user's recommender profile, made from the user name if that is a free, valid handle.

    None when the user has no profile and their user name cannot become one: they pick a handle.
    """
    existing = Recommender.objects.filter(user=user).first()
    if existing is not None:
        return existing
    try:
        return recommender_create(user=user, handle=user.get_username())
    except ValidationError:
        return None


def username_for_login(identifier):
    """The user name a person means by ``identifier``: their handle in any case, or their e-mail.

    An exact user name wins; then a unique case-blind match on user name, on recommender
    handle (older accounts may have a handle different from the user name), then on e-mail.
    When nothing matches unambiguously, ``identifier`` is returned as typed, and fails to log in.
    """
    User = get_user_model()
    if User.objects.filter(username=identifier).exists():
        return identifier
    for lookup in ({"username__iexact": identifier}, {"recommender__handle__iexact": identifier}):
        names = list(User.objects.filter(**lookup).values_list("username", flat=True)[:2])
        if len(names) == 1:
            return names[0]
    if "@" in identifier:
        names = list(User.objects.filter(email__iexact=identifier).values_list("username", flat=True)[:2])
        if len(names) == 1:
            return names[0]
    return identifier


def api_token_issue(*, user) -> Token:
    """A new token for ``user``; the old one, if any, stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def api_token_revoke(*, user) -> bool:
    """Delete ``user``'s token; True if there was one."""
    deleted, _by_model = Token.objects.filter(user=user).delete()
    return bool(deleted)
