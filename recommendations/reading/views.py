"""Reading pages: issues, papers, topics, recommenders and search."""

from django import forms
from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, Window
from django.db.models.functions import Lower, Rank
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from paperdaily.lib import pagecache
from paperdaily.lib.paging import paginate
from papers.models import Area, Author, Paper, PaperAuthor, PaperRepository, Tag
from recommendations.models import Issue, Recommendation, Recommender
from recommendations.reading import reads
from recommendations.reading.cards import issue_cards, paper_card, with_cards
from recommendations.reading.related import stored_related_papers
from recommendations.reading.search import SEARCH_RANK_POOL, attach_snippets, clean_query, paper_search
from recommendations.reading.topics import matching_topics
from recommendations.visibility import featured_papers, published_recommendations_q, sees_drafts

SEARCH_PER_PAGE = 20


@require_safe
def paper_detail(request, pk):
    papers = Paper.objects.with_listing_details()
    if not sees_drafts(request.user):
        papers = featured_papers(papers)
    paper = get_object_or_404(papers, pk=pk)
    # The paper itself is already loaded: only what each quote shows, not a card per recommendation.
    recommendations = (
        Recommendation.objects.select_related("recommender", "tag", "issue_entry__issue")
        .filter(paper=paper)
        .visible_to(request.user)
    )
    recommendations = list(recommendations.order_by("created_at"))
    issues = Issue.objects.visible_to(request.user).filter(entries__recommendation__paper=paper).distinct()
    related = stored_related_papers(paper, limit=5)
    return render(
        request,
        "papers/paper_detail.html",
        {
            "paper": paper,
            "recommendations": recommendations,
            "issues": issues,
            "related": related,
            "editor_view": sees_drafts(request.user),
            # Its authors have pages (a featured paper's): readers only ever open featured papers.
            "featured": not sees_drafts(request.user) or featured_papers().filter(pk=paper.pk).exists(),
        },
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


@require_safe
def author_detail(request, pk):
    """An author's featured papers, newest issue first; only authors of a featured paper have a page."""
    author = get_object_or_404(Author, pk=pk)
    recommendations = (
        Recommendation.objects.published()
        .for_listing()
        .filter(paper__in=PaperAuthor.objects.filter(author=author).values("paper_id"))
        .order_by("-issue_entry__issue__number", "issue_entry__position")
    )
    page = paginate(request, recommendations, per_page=20)
    page.object_list = with_cards(page.object_list)
    if not page.paginator.count:
        raise Http404
    return render(request, "papers/author_detail.html", {"author": author, "page": page})


class SearchForm(forms.Form):
    """The search page's filters; a bad one is reported and ignored, never a 500. (The query is
    not a field: any text is a valid query, cleaned by ``clean_query``.)"""

    area = forms.ChoiceField(label=_("Area"), required=False)
    tag = forms.ChoiceField(label=_("Topic"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)

    def __init__(self, *args, areas, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All areas"))] + [(area.code, area.local_name) for area in areas]
        self.fields["tag"].choices = [("", _("All topics"))] + [(tag.slug, tag.local_name) for tag in tags]

    def filters(self):
        """The valid filters, as ``paper_search`` takes them; an invalid one is left out."""
        self.is_valid()  # cleaned_data then holds the valid fields only
        data = self.cleaned_data
        return {"area": data.get("area") or "", "tag": data.get("tag") or "", "year": data.get("year")}


def _search_results(**criteria):
    return paper_search(**criteria).prefetch_related(
        Prefetch("authorships", queryset=PaperAuthor.objects.select_related("author").order_by("position")),
        Prefetch(
            "repository_links",
            queryset=PaperRepository.objects.select_related("repository").order_by("position", "pk"),
        ),
    )


@require_safe
def search(request):
    areas = list(Area.objects.order_by("position", "code"))
    tags = list(Tag.objects.approved().order_by("name"))
    form = SearchForm(request.GET, areas=areas, tags=tags)
    filters = form.filters()
    query = clean_query(request.GET.get("q", ""))

    page = paginate(request, _search_results(query=query, **filters), per_page=SEARCH_PER_PAGE)
    topics = matching_topics(query) if query else []
    # No paper holds the words, but a topic is named so ("目标检测" while the write-ups are in
    # English): its papers are the answer, said as such.
    topic_results = None
    if topics and not page.paginator.count and not filters["tag"]:
        topic_results = topics[0]
        papers = _search_results(query="", area=filters["area"], tag=topic_results.slug, year=filters["year"])
        page = paginate(request, papers, per_page=SEARCH_PER_PAGE)
    page.object_list = attach_snippets(page.object_list, query)
    for paper in page.object_list:
        paper.card = paper_card(paper)
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
            "topics": topics if page.number == 1 else [],
            "topic_results": topic_results,
            "rank_pool": SEARCH_RANK_POOL,
        },
    )


@require_safe
def issue_list(request):
    issues = Issue.objects.published().with_entry_count()
    page = paginate(request, issues, per_page=settings.PAPERDAILY_ISSUES_PER_PAGE)
    return render(request, "recommendations/issue_list.html", {"page": page})


@require_safe
def issue_detail(request, number):
    issue = get_object_or_404(Issue.objects.visible_to(request.user), number=number)
    reads.issue_read(request=request, issue=issue)
    entries = issue_cards(issue)
    published = Issue.objects.published()
    previous_issue = published.filter(number__lt=issue.number).order_by("-number").only("number", "title").first()
    next_issue = published.filter(number__gt=issue.number).order_by("number").only("number", "title").first()
    response = render(
        request,
        "recommendations/issue_detail.html",
        {"issue": issue, "entries": entries, "previous_issue": previous_issue, "next_issue": next_issue},
    )
    if issue.is_published:
        # Each answer from the page cache is a read too.
        pagecache.on_hit(response, "recommendations.reading.reads.count_read", issue.pk)
    return response


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
    recommendations = Recommendation.objects.for_listing().filter(recommender=recommender).visible_to(request.user)
    recommendations = recommendations.order_by("-issue_entry__issue__number", "-created_at")
    page = paginate(request, recommendations, per_page=20)
    page.object_list = with_cards(page.object_list)
    if not page.object_list and not sees_drafts(request.user):
        # Profiles go public with their first published recommendation.
        raise Http404
    return render(request, "recommendations/recommender_detail.html", {"recommender": recommender, "page": page})
