"""The reward claim form: it carries the shipping note; ``rewards.services.reward_claim`` judges it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from paperdaily.lib.text import mark_controls
from recommendations.rewards.services import NOTE_REQUIRED, SHIPPING_NOTE_MAX_LENGTH


class NoteTextarea(forms.Textarea):
    """Gives back what was typed, with each control character marked by U+FFFD rather than sent raw."""

    def format_value(self, value):
        value = super().format_value(value)
        return mark_controls(value) if value else value


class RewardClaimForm(forms.Form):
    # Not stripped nor limited here: the service judges the note, in one place.
    shipping_note = forms.CharField(
        label=_("Where should we send it?"),
        help_text=_("Name, postal address, phone; only editors see this."),
        strip=False,
        error_messages={"required": NOTE_REQUIRED},
        widget=NoteTextarea(
            attrs={"rows": 5, "maxlength": SHIPPING_NOTE_MAX_LENGTH, "autocomplete": "shipping street-address"}
        ),
    )

    def __init__(self, *args, reward=None, **kwargs):
        # Several claim forms share the My recommendations page: each needs its own ids.
        if reward is not None:
            kwargs.setdefault("auto_id", f"id_reward{reward.pk}_%s")
        super().__init__(*args, **kwargs)
