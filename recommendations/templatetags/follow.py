"""``{% follow_button kind target %}``: Follow / Following on a topic's or recommender's page.

Signed out, it is a link to log in and come back (the page cache serves every anonymous reader
the same page, so it holds nothing personal); signed in, a form that toggles the follow."""

from django import template
from django.urls import reverse

from recommendations.following import services

register = template.Library()


@register.inclusion_tag("following/button.html", takes_context=True)
def follow_button(context, kind, target, in_list=False):
    request = context["request"]
    key = {"topic": "slug", "recommender": "handle"}.get(kind)
    key = getattr(target, key) if key else target.pk
    return {
        "signed_in": request.user.is_authenticated,
        # In the list of what one follows, the button says what it does: unfollow.
        "in_list": in_list,
        "following": services.is_following(request.user, kind, target),
        "action_url": reverse("following:toggle", args=[kind, key]),
        "login_url": f"{reverse('login')}?next={request.path}",
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
