"""Forms for accounts: sign-up, log-in by handle or e-mail, the profile, and picking a handle.

Field checks give early, friendly messages; ``accounts.account_create`` checks again under
its locks and is the one that decides.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, SetPasswordMixin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from paperdaily.lib.forms import HoneypotForm
from paperdaily.lib.text import control_characters_validator
from recommendations.accounts.services import (
    HANDLE_TAKEN,
    awaiting_confirmation,
    handle_awaits_confirmation_at,
    handle_is_taken,
    username_for_login,
)
from recommendations.models import Recommender, handle_validator

BIO_MAX_CHARS = Recommender._meta.get_field("bio").max_length

HANDLE_HELP = _("2 to 30 characters: letters, digits, '_' and '-'. It is your public name and cannot be changed later.")


class SignupForm(SetPasswordMixin, HoneypotForm):
    field_order = ["handle", "email", "password", "password2", "website"]

    handle = forms.CharField(
        label=_("Handle"),
        validators=[handle_validator],
        help_text=HANDLE_HELP,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "minlength": 2,
                "maxlength": 30,
                "autofocus": True,
            }
        ),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("For logging in and for news about your recommendations. Never shown to anyone."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password, password2 = SetPasswordMixin.create_password_fields(label1=_("Password"), label2=_("Password again"))

    def clean_handle(self):
        handle = self.cleaned_data["handle"]
        # The address is not cleaned yet (it comes after the handle); the raw value only spares
        # the error, and ``account_signup`` checks the pair again under its locks.
        email = str(self.data.get("email", "")).strip()
        if handle_is_taken(handle) and not handle_awaits_confirmation_at(handle, email):
            raise ValidationError(HANDLE_TAKEN, code="handle_taken")
        return handle

    def clean_email(self):
        # No word here on whether the address has an account: ``account_signup`` mails its owner.
        return get_user_model().objects.normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned_data = super().clean()
        if self.is_spam():
            # Neutral on purpose: a script learns nothing. A person whose browser filled the
            # hidden field gets it emptied on the form shown again, and the next try works.
            raise ValidationError(_("We could not create your account. Please try again."), code="spam")
        self.validate_passwords("password", "password2")
        user = get_user_model()(username=cleaned_data.get("handle", ""), email=cleaned_data.get("email", ""))
        self.validate_password_for_user(user, "password")  # the field name
        return cleaned_data


class SignupConfirmForm(forms.Form):
    """The password chosen at sign-up, asked again when the link mailed is opened."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        # Hashing a huge password costs the server; no one types more than this.
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        help_text=_(
            "The password you chose when signing up. Forgot it? Sign up again with the same address: "
            "the latest sign-up counts."
        ),
    )


class LoginForm(AuthenticationForm):
    """Log in with the handle, in any case, or with the e-mail address."""

    username = forms.CharField(
        label=_("Handle or e-mail address"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That handle or e-mail address and password do not match an account. "
            "Note that the password is case-sensitive."
        ),
        "unconfirmed": _(
            "The e-mail address of this account is not confirmed yet. Open the link we mailed you, "
            "or have a new one sent."
        ),
    }

    # The session key naming the account whose password was right but address unconfirmed:
    # the resend view mails that account only, so no one can have a link sent to anyone.
    RESEND_SESSION_KEY = "signup_resend_user_id"

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # The parent sizes the field for a user name (150); an e-mail address may be longer.
        self.fields["username"].max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = 254

    def clean(self):
        if self.cleaned_data.get("username"):
            self.cleaned_data["username"] = username_for_login(self.cleaned_data["username"])
        self._check_unconfirmed()
        return super().clean()

    def _check_unconfirmed(self):
        """An account never confirmed, with the right password: say so (the password proves the asker may know).

        Django's backend refuses any inactive account with the generic message. The password
        is hashed once here, as the backend would, so the time taken tells nothing more.
        """
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return
        user = awaiting_confirmation(get_user_model().objects.filter(username=username)).first()
        if user is None:
            return
        if not user.check_password(password):
            raise self.get_invalid_login_error()
        if self.request is not None:
            self.request.session[self.RESEND_SESSION_KEY] = user.pk
        raise ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")

    def is_unconfirmed(self):
        return any(error.code == "unconfirmed" for error in self.errors.as_data().get("__all__", []))


class PlainTextField(forms.CharField):
    """Text from a textarea, its line ends counted as browsers count them (one character)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Recommender
        fields = ["display_name", "bio"]
        field_classes = {"bio": PlainTextField}
        labels = {"display_name": _("Display name"), "bio": _("About you")}
        help_texts = {
            "display_name": _("Shown next to your handle, e.g. your full name."),
            "bio": _("Plain text, shown on your public page."),
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].validators.append(control_characters_validator(allow_newlines=False))
        self.fields["bio"].validators.append(control_characters_validator(allow_newlines=True))


class HandleForm(forms.Form):
    """For an account older than recommender profiles whose user name cannot be a handle."""

    handle = forms.CharField(
        label=_("Handle"),
        validators=[handle_validator],
        help_text=HANDLE_HELP,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false", "maxlength": 30}
        ),
    )
