"""The newsletter's sign-up form: an e-mail address, and the honeypot every public form has."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from paperdaily.lib.forms import HoneypotForm


class SubscribeForm(HoneypotForm):
    field_order = ["email", "website"]

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send each new issue to this address, nothing else, and never show it to anyone."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean(self):
        cleaned_data = super().clean()
        if self.is_spam():
            # Neutral on purpose, as on the sign-up form: a script learns nothing, a person tries again.
            raise ValidationError(_("We could not sign you up. Please try again."), code="spam")
        return cleaned_data
