"""The digest's settings page (signed in) and its unsubscribe link (by token, as in every digest)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from paperdaily.lib.mail import one_click_refused
from recommendations.digest import services
from recommendations.models import ReaderSettings


class DigestForm(forms.Form):
    digest = forms.ChoiceField(
        label=gettext_lazy("Digest e-mail"), choices=ReaderSettings.Digest.choices, widget=forms.RadioSelect
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def digest_settings(request):
    reader = ReaderSettings.objects.get_or_create(user=request.user)[0]
    form = DigestForm(request.POST if request.method == "POST" else None, initial={"digest": reader.digest})
    if request.method == "POST" and form.is_valid():
        reader = services.digest_choose_frequency(user=request.user, frequency=form.cleaned_data["digest"])
        if reader.digest == ReaderSettings.Digest.OFF:
            messages.success(request, _("No more digests. You can turn them on again here at any time."))
        else:
            messages.success(
                request,
                _("Your %(frequency)s digest goes to %(email)s when there is something new.")
                % {"frequency": reader.get_digest_display(), "email": request.user.email},
            )
        return HttpResponseRedirect(reverse("digest:settings"))
    return render(request, "digest/settings.html", {"form": form, "reader": reader}, status=400 if form.errors else 200)


# RFC 8058's one-click POST comes from a mail client, without a CSRF token; the URL's token is the secret.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def unsubscribe(request, token):
    """The link in every digest (GET: off at once, as the newsletter's) and RFC 8058's one-click POST."""
    if refused := one_click_refused(request):
        return refused
    if not services.TOKEN_PATTERN.fullmatch(token):
        reader = None
    elif request.method == "HEAD":
        reader = ReaderSettings.objects.filter(digest_token=token).first()
    else:
        reader = services.digest_unsubscribe(token=token)
    if reader is None:
        return render(request, "newsletter/unknown_link.html", status=404)
    return render(request, "digest/unsubscribed.html", {"reader": reader})
