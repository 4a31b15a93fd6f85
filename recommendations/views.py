"""Reading pages for issues and recommenders."""

from django.conf import settings
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from paperdaily.paging import paginate

from .cards import issue_recommendations, with_cards
from .models import Issue, Recommendation, Recommender


@require_safe
def issue_list(request):
    issues = Issue.objects.published().with_entry_count()
    page = paginate(request, issues, per_page=settings.PAPERDAILY_ISSUES_PER_PAGE)
    return render(request, "recommendations/issue_list.html", {"page": page})


@require_safe
def issue_detail(request, number):
    issue = get_object_or_404(Issue.objects.visible_to(request.user), number=number)
    if issue.is_published and request.method == "GET":
        # One UPDATE, no read-modify-write race between readers.
        Issue.objects.filter(pk=issue.pk).update(read_count=F("read_count") + 1)
        issue.read_count += 1
    entries = issue_recommendations(issue)
    published = Issue.objects.published()
    previous_issue = published.filter(number__lt=issue.number).order_by("-number").only("number", "title").first()
    next_issue = published.filter(number__gt=issue.number).order_by("number").only("number", "title").first()
    return render(
        request,
        "recommendations/issue_detail.html",
        {"issue": issue, "entries": entries, "previous_issue": previous_issue, "next_issue": next_issue},
    )


@require_safe
def recommender_list(request):
    recommenders = (
        Recommender.objects.with_published_count().filter(published_count__gt=0).order_by("-published_count", "handle")
    )
    page = paginate(request, recommenders, per_page=50)
    return render(request, "recommendations/recommender_list.html", {"page": page})


@require_safe
def recommender_detail(request, handle):
    recommender = get_object_or_404(Recommender, handle__iexact=handle)
    recommendations = Recommendation.objects.for_listing().filter(recommender=recommender)
    if not request.user.is_staff:
        recommendations = recommendations.published()
    recommendations = recommendations.order_by("-issue_entry__issue__number", "-created_at")
    page = paginate(request, recommendations, per_page=20)
    page.object_list = with_cards(page.object_list)
    if not page.object_list and not request.user.is_staff:
        # Profiles go public with their first published recommendation.
        raise Http404
    return render(request, "recommendations/recommender_detail.html", {"recommender": recommender, "page": page})
