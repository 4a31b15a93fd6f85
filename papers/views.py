"""Reading pages for papers and topic tags."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from paperdaily.paging import paginate
from recommendations.cards import with_cards
from recommendations.models import Issue, Recommendation, published_recommendations_q

from .models import Paper, Tag


@require_safe
def paper_detail(request, pk):
    papers = Paper.objects.with_listing_details()
    if not request.user.is_staff:
        papers = papers.featured()
    paper = get_object_or_404(papers, pk=pk)
    # The paper itself is already loaded: only what each quote shows, not a card per recommendation.
    recommendations = Recommendation.objects.select_related("recommender", "tag", "issue_entry__issue").filter(
        paper=paper
    )
    if not request.user.is_staff:
        recommendations = recommendations.published()
    recommendations = list(recommendations.order_by("created_at"))
    issues = Issue.objects.visible_to(request.user).filter(entries__recommendation__paper=paper).distinct()
    tag_ids = {rec.tag_id for rec in recommendations}
    related = (
        Paper.objects.featured()
        .filter(recommendations__tag__in=tag_ids)
        .exclude(pk=paper.pk)
        .distinct()
        .order_by("-pk")[:5]
    )
    return render(
        request,
        "papers/paper_detail.html",
        {"paper": paper, "recommendations": recommendations, "issues": issues, "related": related},
    )


@require_safe
def tag_list(request):
    tags = (
        Tag.objects.select_related("area")
        .annotate(published_count=Count("recommendations", filter=published_recommendations_q("recommendations__")))
        .order_by("area__position", "area__code", "name")
    )
    return render(request, "papers/tag_list.html", {"tags": tags})


@require_safe
def tag_detail(request, slug):
    tag = get_object_or_404(Tag.objects.approved().select_related("area"), slug=slug)
    recommendations = (
        Recommendation.objects.published()
        .for_listing()
        .filter(tag=tag)
        .order_by("-issue_entry__issue__number", "issue_entry__position")
    )
    page = paginate(request, recommendations, per_page=20)
    page.object_list = with_cards(page.object_list)
    return render(request, "papers/tag_detail.html", {"tag": tag, "page": page})
