"""The reward claim form: it carries the shipping note; ``services.rewards.reward_claim`` judges it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services.rewards import SHIPPING_NOTE_MAX_LENGTH


class RewardClaimForm(forms.Form):
    # Not required and not stripped here: the service says what is missing, in one place.
    shipping_note = forms.CharField(
        label=_("Where should we send it?"),
        help_text=_("Name, postal address, phone; only editors see this."),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "maxlength": SHIPPING_NOTE_MAX_LENGTH, "autocomplete": "shipping street-address"}
        ),
    )

    def __init__(self, *args, reward=None, **kwargs):
        # Several claim forms share the My recommendations page: each needs its own ids.
        if reward is not None:
            kwargs.setdefault("auto_id", f"id_reward{reward.pk}_%s")
        super().__init__(*args, **kwargs)
