"""Recommender rewards, as the column gave them: earned by each published recommendation,
claimed once per person, ever (a database constraint), and sent by an editor.

Claiming locks the recommender's row first, so that two claims by one person (two tabs,
a double click) take turns and the second gets a friendly refusal. The unique constraint
``reward_claimed_once_per_person`` is the guarantee all the same: should anything get past
the check, its IntegrityError becomes the very same refusal.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from paperdaily.lib.text import CONTROL_MESSAGE, has_controls, normalise_newlines
from recommendations.models import Issue, Recommendation, Recommender, Reward

SHIPPING_NOTE_MAX_LENGTH = Reward._meta.get_field("shipping_note").max_length
ONCE_PER_PERSON = "reward_claimed_once_per_person"
NOTE_REQUIRED = gettext_lazy("Tell us where to send it: your name, postal address and phone.")


def rewards_grant(*, issue) -> int:
    """Every recommendation published in ``issue`` earns its recommender a reward; running it again adds none.

    Returns how many rewards it granted.
    """
    recommendations = Recommendation.objects.filter(
        issue_entry__issue=issue, status=Recommendation.Status.PUBLISHED, reward__isnull=True
    ).values_list("pk", "recommender_id")
    rewards = [
        Reward(recommender_id=recommender_id, recommendation_id=pk, issue=issue)
        for pk, recommender_id in recommendations
    ]
    # The one-to-one on the recommendation is the guarantee, should two publications overlap.
    Reward.objects.bulk_create(rewards, ignore_conflicts=True)
    return len(rewards)


# --- Claiming (the recommender's side)


def clean_shipping_note(note) -> str:
    """The note as stored: newlines normalised, stripped; refused when empty, too long or holding controls."""
    note = normalise_newlines(note or "").strip()
    if not note:
        raise ValidationError({"shipping_note": NOTE_REQUIRED}, code="note_required")
    if has_controls(note):
        raise ValidationError({"shipping_note": CONTROL_MESSAGE}, code="note_control")
    if len(note) > SHIPPING_NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "shipping_note": _("Keep the note to %(max)d characters; it has %(length)d.")
                % {"max": SHIPPING_NOTE_MAX_LENGTH, "length": len(note)}
            },
            code="note_too_long",
        )
    return note


def _already_claimed_error():
    return ValidationError(
        _("You have already claimed your reward: each person can claim one, once."), code="already_claimed"
    )


def _has_claimed(recommender) -> bool:
    return Reward.objects.filter(recommender=recommender).claimed().exists()


def reward_claim(*, reward_id: int, recommender: Recommender, shipping_note: str) -> Reward:
    """Claim one of ``recommender``'s rewards, with the note that says where to send it.

    Refused (``ValidationError``) when the reward is not theirs, when they have claimed a
    reward before (this one or another), or when the note is missing, too long or odd.
    """
    note = clean_shipping_note(shipping_note)
    try:
        with transaction.atomic():
            # One person's claims take turns: the second one sees the first.
            list(Recommender.objects.select_for_update().filter(pk=recommender.pk).values_list("pk", flat=True))
            reward = (
                Reward.objects.select_for_update(of=("self",))
                .select_related("issue")
                .filter(pk=reward_id, recommender=recommender)
                .first()
            )
            if reward is None:
                raise ValidationError(_("This reward is not yours to claim."), code="not_yours")
            if reward.claimed_at is not None or _has_claimed(recommender):
                raise _already_claimed_error()
            if reward.issue.status != Issue.Status.PUBLISHED:
                raise ValidationError(
                    _("Issue %(number)s is not published at the moment, so its rewards wait.")
                    % {"number": reward.issue.number},
                    code="issue_unpublished",
                )
            reward.claimed_at = timezone.now()
            reward.shipping_note = note
            reward.save(update_fields=["claimed_at", "shipping_note"])
    except IntegrityError as error:
        if _violates(error, ONCE_PER_PERSON):
            raise _already_claimed_error() from error
        raise
    return reward


def _violates(error: IntegrityError, constraint: str) -> bool:
    diagnostics = getattr(error.__cause__, "diag", None)
    name = getattr(diagnostics, "constraint_name", None)
    return name == constraint if name else constraint in str(error)


# --- Sending (the editor's side)


@dataclass
class MarkSentResult:
    """What ``reward_mark_sent`` did: newly marked, marked before (unchanged), and refused with why."""

    marked: list = field(default_factory=list)
    already_sent: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (reward, message)


def reward_mark_sent(*, reward_ids, editor, now=None) -> MarkSentResult:
    """Record that the claimed rewards among ``reward_ids`` went out; marking one twice changes nothing.

    Rewards nobody claimed yet are refused (there is no address to send them to); ids that
    no longer exist are skipped.
    """
    now = now or timezone.now()
    result = MarkSentResult()
    with transaction.atomic():
        # Locked in one order (by id) so that two editors' actions cannot deadlock.
        rewards = list(
            Reward.objects.select_for_update(of=("self",))
            .select_related("recommender", "issue")
            .filter(pk__in=list(reward_ids))
            .order_by("pk")
        )
        for reward in rewards:
            if reward.claimed_at is None:
                result.refused.append((reward, _("Not claimed yet: there is no address to send it to.")))
            elif reward.sent_at is not None:
                result.already_sent.append(reward)
            else:
                result.marked.append(reward)
        if result.marked:
            Reward.objects.filter(pk__in=[reward.pk for reward in result.marked]).update(
                sent_at=now, sent_by=editor if editor is not None and editor.is_authenticated else None
            )
            for reward in result.marked:
                reward.sent_at = now
    return result
