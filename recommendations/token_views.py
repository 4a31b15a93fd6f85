"""The "API token" page: a signed-in person creates, replaces or revokes the key API clients send.

The key is shown once, on the answer to the POST that made it; afterwards the page only says
when the current token was made. Each person has at most one token (DRF's Token model).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token


def api_token_issue(*, user) -> Token:
    """A new token for ``user``; the old one, if any, stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def api_token_revoke(*, user) -> bool:
    """Delete ``user``'s token; True if there was one."""
    deleted, _by_model = Token.objects.filter(user=user).delete()
    return bool(deleted)


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
