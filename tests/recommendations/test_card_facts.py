"""The facts a card shows of its paper: abstract, date, PDF, stars and a picture; frozen or live."""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from papers.models import Paper, Repository
from recommendations.issues.publishing import issue_freeze_missing_cards
from recommendations.models import Figure, IssueEntry
from recommendations.reading.cards import ABSTRACT_MAX_CHARS, card_context, issue_cards
from tests.factories import make_entry, make_issue, make_paper
from tests.recommendations.helpers import png_upload

pytestmark = pytest.mark.django_db

ABSTRACT = "We   detect objects as paired keypoints,\\n the top-left and bottom-right corners."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAGE_CACHE_ENABLED = False


def arxiv_paper(**fields):
    fields = {
        "arxiv_id": "1808.01244",
        "arxiv_version": 2,
        "abstract": ABSTRACT,
        "published_on": datetime.date(2018, 8, 3),
        "pdf_url": "https://arxiv.org/pdf/1808.01244v2",
        **fields,
    }
    return make_paper(
        "CornerNet", authors=["Hei Law", "Jia Deng"], code_urls=["https://github.com/princeton-vl/CornerNet"], **fields
    )


def with_thumbnail(paper):
    paper.thumbnail.save("page.webp", ContentFile(b"RIFF0000WEBP"), save=False)
    paper.thumbnail_width, paper.thumbnail_height = 320, 415
    paper.save()
    return paper


def context_of(issue, position=1):
    recommendation = next(r for r in issue_cards(issue) if r.issue_entry.position == position)
    return card_context(recommendation, position=position)


def card_html(page, position):
    return re.search(rf'<article class="entry[^"]*" id="entry-{position}".*?</article>', page, re.S).group(0)


def test_a_card_carries_the_papers_abstract_date_pdf_and_first_page():
    issue = make_issue(128, published=False)
    paper = with_thumbnail(arxiv_paper())
    make_entry(issue, paper=paper)

    context = context_of(issue)

    assert context["abstract"] == "We detect objects as paired keypoints,\\n the top-left and bottom-right corners."
    assert context["date"] == datetime.date(2018, 8, 3)
    assert context["date_is_arxiv"] is True
    assert context["pdf_url"] == "https://arxiv.org/pdf/1808.01244v2"
    assert context["picture"] == {
        "kind": "page",
        "caption": "",
        "url": paper.thumbnail.url,
        "width": 320,
        "height": 415,
    }


def test_the_recommenders_figure_is_the_picture_before_the_first_page():
    issue = make_issue(128, published=False)
    recommendation = make_entry(issue, paper=with_thumbnail(arxiv_paper()))
    first = Figure.objects.create(recommendation=recommendation, image=png_upload(size=(40, 30)), caption="Corners")
    Figure.objects.create(recommendation=recommendation, image=png_upload(), caption="Second", position=1)

    context = context_of(issue)

    assert context["picture"] == {
        "kind": "figure",
        "url": first.image.url,
        "caption": "Corners",
        "width": 40,
        "height": 30,
    }
    assert [figure["caption"] for figure in context["figures"]] == ["Second"]


def test_a_paper_without_a_date_or_pdf_shows_its_year_and_no_pdf():
    issue = make_issue(128, published=False)
    make_entry(issue, paper=make_paper("An ACL paper", acl_id="P19-1001", year=2019))

    context = context_of(issue)

    assert (context["date"], context["year"], context["pdf_url"], context["picture"]) == (None, 2019, "", None)


def test_a_year_the_venue_already_says_is_not_said_twice():
    issue = make_issue(128, published=False)
    make_entry(issue, paper=make_paper("An AAAI paper", venue="AAAI 2019", year=2019))

    assert context_of(issue)["year"] is None


def test_an_arxiv_paper_without_a_stored_pdf_link_links_arxivs():
    issue = make_issue(128, published=False)
    make_entry(issue, paper=arxiv_paper(pdf_url=""))

    assert context_of(issue)["pdf_url"] == "https://arxiv.org/pdf/1808.01244"


def test_a_long_abstract_is_cut_at_a_word():
    issue = make_issue(128, published=False)
    make_entry(issue, paper=arxiv_paper(abstract="word " * 1000))

    abstract = context_of(issue)["abstract"]

    assert len(abstract) <= ABSTRACT_MAX_CHARS + 2
    assert abstract.endswith("word …")


def test_publishing_freezes_the_new_facts_and_a_later_thumbnail_still_shows():
    issue = make_issue(128)
    paper = arxiv_paper()
    make_entry(issue, paper=paper)
    issue_freeze_missing_cards(issue_id=issue.pk)
    Paper.objects.filter(pk=paper.pk).update(abstract="Changed after publication.", pdf_url="https://example.org/x.pdf")
    with_thumbnail(Paper.objects.get(pk=paper.pk))

    snapshot = IssueEntry.objects.get(issue=issue).snapshot
    context = context_of(issue)

    assert snapshot["version"] == 2
    assert snapshot["abstract"].startswith("We detect objects")
    assert snapshot["pdf_url"] == "https://arxiv.org/pdf/1808.01244v2"
    assert context["abstract"].startswith("We detect objects")
    assert context["pdf_url"] == "https://arxiv.org/pdf/1808.01244v2"
    assert context["picture"]["kind"] == "page"


def test_a_card_frozen_before_these_facts_existed_reads_them_from_the_paper():
    issue = make_issue(128)
    make_entry(issue, paper=with_thumbnail(arxiv_paper()))
    issue_freeze_missing_cards(issue_id=issue.pk)
    entry = IssueEntry.objects.get(issue=issue)
    entry.snapshot = {
        key: value for key, value in entry.snapshot.items() if key not in ("abstract", "pdf_url", "thumbnail")
    } | {"version": 1}
    entry.save()

    context = context_of(issue)
    page = Client().get("/issues/128/").content.decode()

    assert context["abstract"].startswith("We detect objects")
    assert context["pdf_url"] == "https://arxiv.org/pdf/1808.01244v2"
    assert context["picture"]["width"] == 320
    assert '<details class="abstract">' in page


def test_the_issue_page_shows_the_facts_and_leaves_no_room_for_a_missing_picture():
    issue = make_issue(128)
    paper = with_thumbnail(arxiv_paper())
    Repository.objects.filter(paper_links__paper=paper).update(stars=4321)
    make_entry(issue, paper=paper)
    make_entry(issue, paper=make_paper("No picture here", year=2019))
    issue_freeze_missing_cards(issue_id=issue.pk)

    page = Client().get("/issues/128/").content.decode()
    pictured, plain = card_html(page, 1), card_html(page, 2)

    assert '<article class="entry entry--pictured"' in pictured
    assert "<summary>Abstract</summary>" in pictured
    assert "We detect objects as paired keypoints" in pictured
    assert '<time datetime="2018-08-03">3 Aug 2018</time>' in pictured
    assert 'href="https://arxiv.org/pdf/1808.01244v2"' in pictured
    assert "★ 4,321" in pictured
    assert re.search(
        rf'<img src="{re.escape(paper.thumbnail.url)}" width="320" height="415" alt="First page of the paper" '
        r'loading="lazy" decoding="async">',
        pictured,
    )
    assert '<article class="entry" id="entry-2"' in plain
    assert "card-picture" not in plain and "<details" not in plain and "<time" not in plain
    assert "2019" in plain


def test_the_search_page_shows_the_same_facts(django_assert_max_num_queries):
    paper = with_thumbnail(arxiv_paper())
    Repository.objects.filter(paper_links__paper=paper).update(stars=4321)
    make_entry(make_issue(), paper=paper)
    make_entry(make_issue(), paper=make_paper("CornerNet-Lite", year=2019))

    # One more than the cards' branch counted: the topics whose name matches (issue 17, item 6).
    with django_assert_max_num_queries(10):
        page = Client().get("/search/?q=CornerNet").content.decode()

    assert '<time datetime="2018-08-03">3 Aug 2018</time>' in page
    assert "<summary>Abstract</summary>" in page
    assert 'href="https://arxiv.org/pdf/1808.01244v2"' in page
    assert "★ 4,321" in page
    assert f'src="{paper.thumbnail.url}" width="320" height="415"' in page
    assert page.count('<div class="card-picture') == 1


def test_the_paper_page_shows_its_first_page_and_its_first_arxiv_version():
    paper = with_thumbnail(arxiv_paper())
    make_entry(make_issue(), paper=paper)

    page = Client().get(paper.get_absolute_url()).content.decode()

    assert f'src="{paper.thumbnail.url}" width="320" height="415"' in page
    assert "First version on arXiv" in page


def test_a_thumbnail_is_served_as_an_image(settings):
    paper = with_thumbnail(arxiv_paper())

    response = Client().get(paper.thumbnail.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Client().get("/media/thumbnails/../figures/x.png").status_code == 404
    assert Client().get("/media/thumbnails/page.pdf").status_code == 404
