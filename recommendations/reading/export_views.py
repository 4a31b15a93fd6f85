"""An issue as a download: Markdown, standalone HTML, BibTeX (see recommendations/reading/exports.py)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from recommendations.models import Issue
from recommendations.reading import exports
from recommendations.reading.bibtex import issue_bibtex


def _issue(request, number):
    # Drafts for the editors' preview only, as on the issue page.
    return get_object_or_404(Issue.objects.visible_to(request.user), number=number)


def _response(body, *, content_type, filename, disposition, issue):
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # A copy of the issue page: search engines should index the page, not its exports.
    response["X-Robots-Tag"] = "noindex"
    if not issue.is_published:
        response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def markdown(request, number):
    issue = _issue(request, number)
    return _response(
        exports.issue_markdown(issue, site_url=settings.PAPERDAILY_SITE_URL),
        content_type="text/markdown",
        filename=f"paperdaily-{issue.number}.md",
        disposition="attachment",
        issue=issue,
    )


@require_safe
# Its styles are written inline (for pasting into newsletter tools), so they must show here too.
@csp_update({"style-src": [UNSAFE_INLINE]})
def html(request, number):
    issue = _issue(request, number)
    # Inline: an editor opens it in the browser and copies it into the newsletter or WeChat editor.
    return _response(
        exports.issue_html(issue, site_url=settings.PAPERDAILY_SITE_URL),
        content_type="text/html",
        filename=f"paperdaily-{issue.number}.html",
        disposition="inline",
        issue=issue,
    )


@require_safe
def bibtex(request, number):
    issue = _issue(request, number)
    return _response(
        issue_bibtex(issue),
        content_type="application/x-bibtex",
        filename=f"paperdaily-{issue.number}.bib",
        disposition="attachment",
        issue=issue,
    )
