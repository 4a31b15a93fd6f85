"""Account pages: sign up, log in and out, passwords, and the recommender's own profile.

Log-in, log-out and the password pages are Django's views with our templates and forms;
the forms people could abuse (sign-up, log-in, password reset) are rate-limited.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from paperdaily.ratelimits import LOGIN_LIMITS, limit_posts

from .account_forms import BIO_MAX_CHARS, HandleForm, LoginForm, ProfileForm, SignupForm
from .accounts import account_create, recommender_create, recommender_ensure


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
@limit_posts("signup", ("ip", "PAPERDAILY_RATE_SIGNUP_IP"))
@sensitive_post_parameters("password", "password2")
@never_cache
def signup(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return _after_login(next_url)
    form = SignupForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = account_create(
                handle=form.cleaned_data["handle"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            auth_login(request, user)
            messages.success(request, _("Welcome to PaperDaily, @%(handle)s!") % {"handle": user.get_username()})
            return _after_login(next_url)
    return render(request, "recommendations/signup.html", {"form": form, "next": next_url})


login = limit_posts("login", *LOGIN_LIMITS, local_fallback=True)(
    auth_views.LoginView.as_view(authentication_form=LoginForm)
)

logout = auth_views.LogoutView.as_view()

password_change = auth_views.PasswordChangeView.as_view()

password_change_done = auth_views.PasswordChangeDoneView.as_view()


class PasswordResetView(auth_views.PasswordResetView):
    subject_template_name = "recommendations/emails/password_reset_subject.txt"
    email_template_name = "recommendations/emails/password_reset_body.txt"

    def form_valid(self, form):
        # Read at request time: the e-mail states how long the link lasts.
        self.extra_email_context = {"valid_hours": max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1)}
        return super().form_valid(form)


password_reset = limit_posts(
    "password-reset", ("ip", "PAPERDAILY_RATE_PASSWORD_RESET_IP"), ("email", "PAPERDAILY_RATE_PASSWORD_RESET_EMAIL")
)(PasswordResetView.as_view())

password_reset_done = auth_views.PasswordResetDoneView.as_view()

password_reset_confirm = auth_views.PasswordResetConfirmView.as_view()

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
