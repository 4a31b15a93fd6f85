"""Reading pages for issues and recommenders."""

from django.conf import settings
from django.db.models import Count, F, Q, Window
from django.db.models.functions import Lower, Rank
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from paperdaily.paging import paginate
from papers.models import Area
from recommendations.cards import issue_recommendations, with_cards
from recommendations.models import Issue, Recommendation, Recommender, published_recommendations_q


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
    """The leaderboard: published recommendations per recommender, in all and per area, ranked.

    ``?area=CV`` ranks by that area's count (an unknown area is named and ignored); ties share
    a rank (1, 2, 2, 4). One query counts every column, whatever the number of recommenders.
    """
    areas = list(Area.objects.order_by("position", "code"))
    wanted = request.GET.get("area", "")
    area = next((each for each in areas if each.code.lower() == wanted.lower()), None) if wanted else None
    published = published_recommendations_q("recommendations__")
    counts = {"published_count": Count("recommendations", filter=published)}
    for each in areas:
        counts[f"area_{each.pk}_count"] = Count(
            "recommendations", filter=published & Q(recommendations__tag__area=each.pk)
        )
    # A recommender with nothing published (in the chosen area) is not on the board.
    score = f"area_{area.pk}_count" if area else "published_count"
    recommenders = (
        Recommender.objects.annotate(**counts)
        .filter(**{f"{score}__gt": 0})
        .annotate(rank=Window(Rank(), order_by=F(score).desc()))
        .order_by(F(score).desc(), Lower("handle"), "pk")
    )
    unknown_area = ""
    if wanted and area is None:
        # Named back to the reader, printable characters only.
        unknown_area = "".join(ch for ch in wanted[:30] if ch.isprintable()) or "?"
    page = paginate(request, recommenders, per_page=50)
    for person in page.object_list:
        person.area_counts = [(each, getattr(person, f"area_{each.pk}_count")) for each in areas]
    return render(
        request,
        "recommendations/recommender_list.html",
        {
            "page": page,
            "areas": areas,
            "area": area,
            "unknown_area": unknown_area,
        },
    )


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
