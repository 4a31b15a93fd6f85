"""Site-wide views: the home page, the health check and the error pages."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from paperdaily.lib.api import error_body
from recommendations.models import Issue
from recommendations.reading.cards import issue_cards
from recommendations.reading.digest import issue_digest

RECENT_ISSUES = 8


@require_safe
def home(request):
    issues = list(Issue.objects.published().with_entry_count()[: RECENT_ISSUES + 1])
    latest = issues[0] if issues else None
    # The latest issue at a glance; its page has the full cards.
    digest = issue_digest(issue_cards(latest)) if latest else []
    return render(
        request,
        "home.html",
        {"latest": latest, "digest": digest, "recent_issues": issues[1:]},
    )


@require_safe
@never_cache
def healthz(request):
    """200 when the database answers a query; 503 otherwise. Load balancers poll it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _is_api(request):
    return request.path_info.startswith("/api/")


def page_not_found(request, exception):
    if _is_api(request):
        # API clients get the API's one error body, not an HTML page.
        return JsonResponse(error_body(status=404, code="not_found", message=_("Not found.")), status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _is_api(request):
        body = error_body(status=500, code="server_error", message=_("Something went wrong on our side."))
        return JsonResponse(body, status=500)
    # The 500 page must render even when the database is gone: no queries, no context processors' data.
    return render(request, "500.html", status=500)
