"""Small builders for test data: each makes one valid row and takes what a test cares about.

Defaults are unique per call (a counter), so a test names only the facts it asserts on.
``make_issue_with_entries`` builds a whole issue in bulk, for the query-count tests.
"""

import itertools
from datetime import UTC, datetime, timedelta

from papers.models import Area, Author, Paper, PaperAuthor, PaperLink, PaperRepository, Repository, Tag
from recommendations.markdown import render_markdown
from recommendations.models import Issue, IssueEntry, Recommendation, Recommender

_seq = itertools.count(1)

PUBLISHED_AT = datetime(2019, 1, 25, 4, 0, tzinfo=UTC)


def _next():
    return next(_seq)


def make_area(code=None, *, name=None, position=0):
    code = code or f"A{_next()}"
    area, _ = Area.objects.get_or_create(code=code, defaults={"name": name or f"Area {code}", "position": position})
    return area


def make_tag(name=None, *, area=None, slug=None, description=""):
    n = _next()
    name = name or f"Topic {n}"
    return Tag.objects.create(
        name=name,
        slug=slug or f"topic-{n}",
        area=area or make_area("NLP", name="Natural Language Processing", position=1),
        description=description,
    )


def make_author(name=None):
    return Author.objects.create(name=name or f"Author {_next()}")


def make_repository(url=None, *, stars=None):
    n = _next()
    url = url or f"https://github.com/owner{n}/repo{n}"
    owner, name = url.rstrip("/").split("/")[-2:]
    return Repository.objects.create(url=url, owner=owner, name=name, stars=stars)


def make_paper(title=None, *, authors=(), code_urls=(), dataset_urls=(), **fields):
    """A paper; ``authors`` are names in paper order, ``code_urls`` repository URLs."""
    if title is None:
        title = f"Paper {_next()}"
    fields.setdefault("metadata_status", Paper.MetadataStatus.OK if title else Paper.MetadataStatus.NEEDS_EDITOR)
    paper = Paper.objects.create(title=title, **fields)
    for position, name in enumerate(authors, start=1):
        PaperAuthor.objects.create(paper=paper, author=make_author(name), position=position)
    for position, url in enumerate(code_urls):
        PaperRepository.objects.create(paper=paper, repository=make_repository(url), position=position)
    for url in dataset_urls:
        PaperLink.objects.create(paper=paper, kind=PaperLink.Kind.DATASET, url=url)
    return paper


def make_recommender(handle=None, **fields):
    return Recommender.objects.create(handle=handle or f"reader{_next()}", **fields)


def make_recommendation(
    *, paper=None, recommender=None, tag=None, writeup="A **fine** paper.", status=None, submitted_link=""
):
    recommendation = Recommendation(
        paper=paper or make_paper(),
        recommender=recommender or make_recommender(),
        tag=tag or make_tag(),
        submitted_link=submitted_link,
        status=status or Recommendation.Status.PUBLISHED,
    )
    recommendation.set_writeup(writeup)
    recommendation.save()
    return recommendation


def make_issue(number=None, *, published=True, published_at=None, title="", intro=""):
    number = number or _next()
    issue = Issue(
        number=number,
        title=title,
        status=Issue.Status.PUBLISHED if published else Issue.Status.DRAFT,
        published_at=(published_at or PUBLISHED_AT + timedelta(days=7 * number)) if published else None,
    )
    issue.set_intro(intro)
    issue.save()
    return issue


def add_to_issue(issue, recommendation, position=None):
    if position is None:
        position = issue.entries.count() + 1
    return IssueEntry.objects.create(issue=issue, recommendation=recommendation, position=position)


def make_entry(issue, *, position=None, **recommendation_fields):
    """A recommendation (with everything it needs) placed in ``issue``; returns the recommendation."""
    recommendation_fields.setdefault(
        "status", Recommendation.Status.PUBLISHED if issue.is_published else Recommendation.Status.ACCEPTED
    )
    recommendation = make_recommendation(**recommendation_fields)
    add_to_issue(issue, recommendation, position)
    return recommendation


def make_issue_with_entries(count, *, number=None, published=True, tag=None, recommender=None):
    """An issue of ``count`` full entries, built in bulk: each paper has three authors, a
    repository and a dataset link; each recommendation has a write-up and no figure."""
    issue = make_issue(number, published=published)
    n = _next()
    tag = tag or make_tag()
    status = Recommendation.Status.PUBLISHED if published else Recommendation.Status.ACCEPTED
    papers = Paper.objects.bulk_create(
        Paper(
            title=f"Bulk paper {n}-{i}",
            venue="NeurIPS 2018",
            arxiv_id=f"{n}.{i:05d}",
            metadata_status=Paper.MetadataStatus.OK,
        )
        for i in range(count)
    )
    authors = Author.objects.bulk_create(Author(name=f"Bulk author {n}-{i}") for i in range(count * 3))
    PaperAuthor.objects.bulk_create(
        PaperAuthor(paper=paper, author=authors[i * 3 + k], position=k + 1)
        for i, paper in enumerate(papers)
        for k in range(3)
    )
    repositories = Repository.objects.bulk_create(
        Repository(url=f"https://github.com/bulk{n}/repo{i}", owner=f"bulk{n}", name=f"repo{i}", stars=i)
        for i in range(count)
    )
    PaperRepository.objects.bulk_create(
        PaperRepository(paper=paper, repository=repository)
        for paper, repository in zip(papers, repositories, strict=True)
    )
    PaperLink.objects.bulk_create(
        PaperLink(paper=paper, kind=PaperLink.Kind.DATASET, url=f"https://data.example.org/{n}/{i}")
        for i, paper in enumerate(papers)
    )
    if recommender is None:
        recommenders = Recommender.objects.bulk_create(Recommender(handle=f"bulk{n}x{i}") for i in range(count))
    else:
        recommenders = [recommender] * count
    writeup = "Worth a read: **bold** idea, [code](https://example.org/code)."
    html = render_markdown(writeup)
    recommendations = Recommendation.objects.bulk_create(
        Recommendation(paper=paper, recommender=who, tag=tag, writeup=writeup, writeup_html=html, status=status)
        for paper, who in zip(papers, recommenders, strict=True)
    )
    IssueEntry.objects.bulk_create(
        IssueEntry(issue=issue, recommendation=recommendation, position=i)
        for i, recommendation in enumerate(recommendations, start=1)
    )
    return issue
