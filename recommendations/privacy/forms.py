"""The form that confirms deleting an account: the reader types their password."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WRONG_PASSWORD = _("This is not your password. Nothing was deleted.")


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To be sure it is you, and not someone at a computer you left signed in."),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(WRONG_PASSWORD, code="wrong_password")
        return password
