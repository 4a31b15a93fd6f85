"""Reading pages for papers, topic tags and search."""

from django import forms
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from paperdaily.paging import paginate
from papers.models import Area, Paper, PaperAuthor, Tag
from papers.related import related_papers
from papers.search import SEARCH_RANK_POOL, attach_snippets, clean_query, paper_search
from recommendations.cards import with_cards
from recommendations.models import Issue, Recommendation, published_recommendations_q

SEARCH_PER_PAGE = 20


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
    related = related_papers(paper, limit=5)
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


class SearchForm(forms.Form):
    """The search page's filters; a bad one is reported and ignored, never a 500. (The query is
    not a field: any text is a valid query, cleaned by ``clean_query``.)"""

    area = forms.ChoiceField(label=_("Area"), required=False)
    tag = forms.ChoiceField(label=_("Topic"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)

    def __init__(self, *args, areas, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All areas"))] + [(area.code, area.name) for area in areas]
        self.fields["tag"].choices = [("", _("All topics"))] + [(tag.slug, tag.name) for tag in tags]

    def filters(self):
        """The valid filters, as ``paper_search`` takes them; an invalid one is left out."""
        self.is_valid()  # cleaned_data then holds the valid fields only
        data = self.cleaned_data
        return {"area": data.get("area") or "", "tag": data.get("tag") or "", "year": data.get("year")}


@require_safe
def search(request):
    areas = list(Area.objects.order_by("position", "code"))
    tags = list(Tag.objects.approved().order_by("name"))
    form = SearchForm(request.GET, areas=areas, tags=tags)
    filters = form.filters()
    query = clean_query(request.GET.get("q", ""))

    papers = paper_search(query=query, **filters).prefetch_related(
        Prefetch("authorships", queryset=PaperAuthor.objects.select_related("author").order_by("position"))
    )
    page = paginate(request, papers, per_page=SEARCH_PER_PAGE)
    page.object_list = attach_snippets(page.object_list, query)
    # Pagination links keep the query and the filters.
    kept = {name: value for name, value in {"q": query, **filters}.items() if value}
    return render(
        request,
        "papers/search.html",
        {
            "form": form,
            "query": query,
            "searched": bool(kept),
            "page": page,
            "areas": areas,
            "tags": tags,
            "filters": filters,
            "query_string": urlencode(kept),
            "rank_pool": SEARCH_RANK_POOL,
        },
    )
