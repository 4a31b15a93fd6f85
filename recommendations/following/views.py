from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from paperdaily.lib.ratelimits import limit_posts
from recommendations.following import services
from recommendations.models import Follow

FOLLOW_LIMITS = [("user", "PAPERDAILY_RATE_FOLLOW_USER")]


@require_safe
@login_required
def following(request):
    return render(request, "following/following.html", services.follows_of(request.user))


@require_POST
@login_required
@limit_posts("follow", *FOLLOW_LIMITS)
def follow_toggle(request, kind, key):
    target = services.follow_target(kind=kind, key=key)
    action = request.POST.get("action")
    if kind == Follow.Kind.TOPIC:
        name = f"#{target.local_name}"
    else:
        name = f"@{target.handle}" if kind == Follow.Kind.RECOMMENDER else target.name
    if action == "follow":
        services.follow(user=request.user, kind=kind, target=target)
        messages.success(request, _("You follow %(name)s. Only you can see what you follow.") % {"name": name})
    elif action == "unfollow":
        services.unfollow(user=request.user, kind=kind, target=target)
        messages.success(request, _("You no longer follow %(name)s.") % {"name": name})
    else:
        return HttpResponseBadRequest(_("Say whether to follow or to unfollow."), content_type="text/plain")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = target.get_absolute_url()
    return HttpResponseRedirect(back)
