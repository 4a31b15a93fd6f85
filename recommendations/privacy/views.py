"""Your data: the page that offers the download and the deletion, the download, and the confirm form."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from paperdaily.lib.ratelimits import limit_posts
from recommendations.models import Recommendation, Recommender
from recommendations.privacy import services
from recommendations.privacy.forms import AccountDeleteForm

DELETE_LIMITS = [("user", "PAPERDAILY_RATE_ACCOUNT_DELETE_USER")]


def _kept_count(user) -> int:
    """How many of the user's recommendations stay (those in an issue) when the account goes."""
    return Recommendation.objects.filter(recommender__user=user, issue_entry__isnull=False).count()


@require_safe
@login_required
@never_cache
def privacy(request):
    return render(request, "privacy/privacy.html")


@require_safe
@login_required
def data_download(request):
    data = services.privacy_export(user=request.user)
    recommender = Recommender.objects.filter(user=request.user).only("handle").first()
    name = recommender.handle if recommender else request.user.get_username()
    # Handles are [A-Za-z0-9_-]; an older user name may hold more: keep the file name plain.
    name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name) or "account"
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"paperdaily-{name}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@sensitive_post_parameters("password")
@never_cache
@limit_posts("account-delete", *DELETE_LIMITS)
def account_delete(request):
    form = AccountDeleteForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.account_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for having been part of PaperDaily."))
        return redirect("home")
    return render(request, "privacy/delete.html", {"form": form, "kept": _kept_count(request.user)})
