"""Newsletter pages: sign up, confirm the address, unsubscribe.

The confirm and unsubscribe links carry the subscriber's token; an unknown or malformed
one gets a friendly 404 page. Signing up answers the same whether or not the address is
known, and as fast (a task records it), so that the form cannot tell anyone who reads PaperDaily.
"""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from paperdaily.lib.mail import one_click_refused
from paperdaily.lib.ratelimits import limit_posts
from recommendations.models import Subscriber
from recommendations.newsletter import services as newsletter
from recommendations.newsletter import tasks
from recommendations.newsletter.forms import SubscribeForm


@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("subscribe", ("ip", "PAPERDAILY_RATE_SUBSCRIBE"))
@never_cache
def subscribe(request):
    # Not ``request.POST or None``: an empty POST must be a bound form that says what is missing.
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        tasks.enqueue_newsletter_subscribe(form.cleaned_data["email"])
        return redirect("newsletter:pending")
    return render(request, "newsletter/subscribe.html", {"form": form})


@require_safe
def pending(request):
    return render(request, "newsletter/pending.html")


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def confirm(request, token):
    """The link in the confirmation e-mail (GET), and the "subscribe again" button (POST)."""
    try:
        if request.method == "HEAD":  # link checkers look without meaning to confirm
            subscriber = newsletter.subscriber_by_token(token=token)
        else:
            subscriber = newsletter.subscriber_confirm(token=token)
    except Subscriber.DoesNotExist:
        return _unknown_link(request)
    return render(request, "newsletter/confirmed.html", {"subscriber": subscriber})


# RFC 8058's one-click POST comes from a mail client, without a CSRF token; the URL's token is the secret.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def unsubscribe(request, token):
    """The link in every newsletter (GET: unsubscribes at once) and RFC 8058's one-click POST."""
    if refused := one_click_refused(request):
        return refused
    try:
        if request.method == "HEAD":
            subscriber = newsletter.subscriber_by_token(token=token)
        else:
            subscriber = newsletter.subscriber_unsubscribe(token=token)
    except Subscriber.DoesNotExist:
        return _unknown_link(request)
    return render(request, "newsletter/unsubscribed.html", {"subscriber": subscriber})


def _unknown_link(request):
    return render(request, "newsletter/unknown_link.html", status=404)
