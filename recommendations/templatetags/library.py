"""``{% library_buttons paper_id %}``: Save (or "In your library") and, where asked, "Not interested".

Signed out it is nothing: cards are the same for every anonymous reader (the page cache serves
them). Signed in, the reader's library is read once per request, whatever the number of cards.
"""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse

from recommendations.models import LibraryItem

register = template.Library()


def _states(request):
    if not hasattr(request, "_library_states"):
        rows = LibraryItem.objects.filter(user=request.user).values_list("paper_id", "state")
        request._library_states = dict(rows)
    return request._library_states


def library_buttons_html(context, paper_id, *, dismiss=False, login_prompt=False) -> str:
    request = context.get("request")
    if request is None or not paper_id:
        return ""
    if not request.user.is_authenticated:
        if not login_prompt:
            return ""
        # The same for every anonymous reader of the page: the page cache may keep it.
        login_url = f"{reverse('login')}?next={request.path}"
        return render_to_string("library/buttons.html", {"login_url": login_url})
    return render_to_string(
        "library/buttons.html",
        {
            "paper_id": paper_id,
            "state": _states(request).get(paper_id, ""),
            "dismiss": dismiss,
            "action_url": reverse("library:change", args=[paper_id]),
            "library_url": reverse("library:library"),
            "next": request.get_full_path(),
            "csrf_token": context.get("csrf_token"),
        },
    )


@register.simple_tag(takes_context=True)
def library_buttons(context, paper_id, dismiss=False, login_prompt=False):
    return library_buttons_html(context, paper_id, dismiss=dismiss, login_prompt=login_prompt)
