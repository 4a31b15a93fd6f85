"""Account pages: sign up, log in and out, passwords, and the recommender's own profile.

Log-in, log-out and the password pages are Django's views with our templates and forms;
the forms people could abuse (sign-up, log-in, password reset) are rate-limited. Sign-up and
password reset answer alike for any address and leave the mailing to tasks (see
``services.account_signup`` and ``emails.py``); a new account is confirmed
through the link mailed to it. Changing or resetting a password revokes the API token.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from rest_framework.authtoken.models import Token

from paperdaily.lib.ratelimits import LOGIN_LIMITS, limit_posts
from recommendations.accounts import tasks
from recommendations.accounts.forms import (
    BIO_MAX_CHARS,
    HandleForm,
    LoginForm,
    ProfileForm,
    SignupConfirmForm,
    SignupForm,
)
from recommendations.accounts.services import (
    account_confirm,
    account_password_changed,
    account_signup,
    account_to_confirm,
    api_token_issue,
    api_token_revoke,
    recommender_create,
    recommender_ensure,
)


def _safe_next(request):
    """The ``next`` URL of the request when it stays on this site, else ""."""
    url = request.POST.get("next", request.GET.get("next", ""))
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


def _posted(request):
    # Not ``request.POST or None``: an empty POST must be a bound form that says what is missing.
    return request.POST if request.method == "POST" else None


def _after_login(next_url):
    # Not redirect(): it would try to reverse a bare word such as "+" as a URL name.
    return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("signup", ("ip", "PAPERDAILY_RATE_SIGNUP_IP"), ("email", "PAPERDAILY_RATE_SIGNUP_EMAIL"))
@sensitive_post_parameters("password", "password2")
@never_cache
def signup(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return _after_login(next_url)
    form = SignupForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            account_signup(
                handle=form.cleaned_data["handle"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                next_url=next_url,
                language=get_language(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The same answer whether or not the address has an account: the mail tells its owner.
            return redirect("signup_sent")
    return render(request, "recommendations/signup.html", {"form": form, "next": next_url})


@require_safe
def signup_sent(request):
    return render(request, "recommendations/signup_sent.html")


@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("signup-confirm", ("ip", "PAPERDAILY_RATE_LOGIN_IP"))
@sensitive_post_parameters("password")
@never_cache
def signup_confirm(request, uidb64, token):
    """The link in the sign-up mail: GET shows the form (mail scanners open links), its POST
    with the password chosen at sign-up confirms and logs in. Limited like log-in: the form
    checks a password."""
    user = account_to_confirm(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "recommendations/signup_confirm.html", {"validlink": False})
    next_url = _safe_next(request)
    form = SignupConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = account_confirm(user=user, password=form.cleaned_data["password"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not confirmed:
                return render(request, "recommendations/signup_confirm.html", {"validlink": False})
            auth_login(request, user)
            messages.success(request, _("Welcome to PaperDaily, @%(handle)s!") % {"handle": user.get_username()})
            return _after_login(next_url)
    # Not "user": that name is the signed-in visitor in every template (the header reads it).
    context = {"validlink": True, "account": user, "next": next_url, "form": form}
    return render(request, "recommendations/signup_confirm.html", context)


@require_http_methods(["POST"])
@limit_posts("signup-resend", ("ip", "PAPERDAILY_RATE_SIGNUP_IP"))
def signup_resend(request):
    """The button on the log-in page after the right password of an unconfirmed account: mail a new link.

    The account comes from the session (set by that log-in), once; any other POST gets the
    same answer and sends nothing.
    """
    user_id = request.session.pop(LoginForm.RESEND_SESSION_KEY, None)
    if user_id is not None:
        tasks.enqueue_signup_confirmation(user_id, "", get_language())
    return redirect("signup_sent")


login = limit_posts("login", *LOGIN_LIMITS, local_fallback=True)(
    auth_views.LoginView.as_view(authentication_form=LoginForm)
)

logout = auth_views.LogoutView.as_view()


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            account_password_changed(user=form.user)
        return response


password_change = PasswordChangeView.as_view()

password_change_done = auth_views.PasswordChangeDoneView.as_view()


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        # The mail goes from a task: the answer, and its duration, are the same for an unknown address.
        tasks.enqueue_password_reset(form.cleaned_data["email"], get_language())
        return HttpResponseRedirect(self.get_success_url())


password_reset = limit_posts(
    "password-reset", ("ip", "PAPERDAILY_RATE_PASSWORD_RESET_IP"), ("email", "PAPERDAILY_RATE_PASSWORD_RESET_EMAIL")
)(PasswordResetView.as_view())

password_reset_done = auth_views.PasswordResetDoneView.as_view()


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            account_password_changed(user=form.user)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view()

password_reset_complete = auth_views.PasswordResetCompleteView.as_view()


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def profile_edit(request):
    recommender = recommender_ensure(user=request.user)
    if recommender is None:
        return _handle_pick(request)
    form = ProfileForm(_posted(request), instance=recommender)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("profile")
    bio_used = len(form["bio"].value() or "")
    context = {
        "form": form,
        "recommender": recommender,
        "bio_max": BIO_MAX_CHARS,
        "bio_left": max(BIO_MAX_CHARS - bio_used, 0),
    }
    return render(request, "recommendations/profile_edit.html", context)


def _handle_pick(request):
    """An account without a profile whose user name cannot be a handle picks one first."""
    form = HandleForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            recommender_create(user=request.user, handle=form.cleaned_data["handle"])
        except ValidationError as error:
            form.add_error("handle", error)
        else:
            messages.success(request, _("Your handle is set. Now tell readers a little about yourself."))
            return redirect("profile")
    return render(request, "recommendations/profile_edit.html", {"handle_form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def api_token(request):
    new_token, status = None, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("create", "regenerate"):
            new_token = api_token_issue(user=request.user)
        elif action == "revoke":
            if api_token_revoke(user=request.user):
                messages.success(request, _("Your API token is revoked; clients using it are refused from now on."))
        else:
            messages.error(request, _("That request was not understood; nothing was changed."))
            status = 400
    token = new_token or Token.objects.filter(user=request.user).first()
    context = {"token": token, "new_key": new_token.key if new_token else ""}
    return render(request, "accounts/api_token.html", context, status=status)
