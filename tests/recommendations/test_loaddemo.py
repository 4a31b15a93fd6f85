from collections import deque
from datetime import date
from io import StringIO
from urllib.parse import urldefrag
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from papers.models import Area, Author, Paper, PaperAuthor, PaperLink, PaperRepository, Repository, Tag
from recommendations.models import Issue, IssueEntry, Recommendation, Recommender
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db

MODELS = [
    Area,
    Tag,
    Author,
    Paper,
    PaperAuthor,
    Repository,
    PaperRepository,
    PaperLink,
    Recommender,
    Recommendation,
    Issue,
    IssueEntry,
]


def loaddemo():
    out = StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


def snapshot():
    """Every row the demo touches, field by field."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


@pytest.fixture
def demo():
    loaddemo()
    return Issue.objects.get(number=128)


def test_it_loads_issue_128_as_the_column_published_it(demo):
    assert Issue.objects.count() == 1
    assert demo.status == Issue.Status.PUBLISHED
    assert demo.published_at.astimezone(ZoneInfo("Asia/Shanghai")).date() == date(2019, 1, 25)
    assert list(demo.entries.order_by("position").values_list("position", flat=True)) == list(range(1, 18))
    assert Recommendation.objects.count() == 17
    assert Recommendation.objects.filter(status=Recommendation.Status.PUBLISHED).count() == 17
    assert Recommendation.objects.published().count() == 17
    assert PaperRepository.objects.count() == 11
    assert PaperLink.objects.filter(kind=PaperLink.Kind.DATASET).count() == 1
    assert PaperLink.objects.get().url == "http://t.cn/EAH5JxS"
    assert set(Area.objects.values_list("code", flat=True)) == {"NLP", "CV", "ML"}


def test_it_keeps_the_columns_entries_and_people(demo):
    first = demo.entries.get(position=1).recommendation
    assert first.recommender.handle == "xwzhong"
    assert first.paper.arxiv_id == "1809.08370"
    assert first.paper.get_absolute_url() == "/papers/2749/"
    assert Recommendation.objects.filter(recommender__handle="paperweekly").count() == 5
    untitled = demo.entries.get(position=14).recommendation.paper
    assert not untitled.has_title
    assert untitled.metadata_status == Paper.MetadataStatus.NEEDS_EDITOR


def test_it_changes_nothing_when_run_again(demo):
    before = snapshot()

    loaddemo()

    after = snapshot()
    assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
    assert after == before


def test_it_keeps_creating_papers_after_the_ids_it_gave(demo):
    # The demo's papers carry the column's ids; the id sequence must have moved past them.
    paper = Paper.objects.create(title="A paper added after the demo")

    assert paper.pk > 2790


def test_it_shows_all_17_entries_on_the_issue_page(client, demo):
    response = client.get("/issues/128/")

    assert response.status_code == 200
    document = soup(response)
    assert [article["id"] for article in document.select("article.entry")] == [f"entry-{n}" for n in range(1, 18)]
    assert len(document.select(".link-chip--code")) == 11
    assert len(document.select(".link-chip--dataset")) == 1
    assert [a.get_text(strip=True) for a in document.select(".entry__unrecorded")] == ["Paper details not recorded"]
    assert not document.select(".pill--pending")


def test_its_introduction_links_recommend_a_paper_to_the_form(client, demo):
    intro = soup(client.get("/issues/128/")).select_one(".issue-head__intro")

    links = {a.get_text(strip=True): a["href"] for a in intro.select("a")}
    assert links["Recommend a paper"] == "/recommend/"


def test_it_gives_every_topic_and_area_its_chinese_name_once(demo):
    assert Tag.objects.count() == 16 and not Tag.objects.filter(name_zh="").exists()
    assert dict(Area.objects.values_list("code", "name_zh")) == {
        "NLP": "自然语言处理",
        "CV": "计算机视觉",
        "ML": "机器学习",
    }
    assert Tag.objects.get(name="Object Detection").name_zh == "目标检测"
    Tag.objects.filter(name="Object Detection").update(name_zh="物体检测")  # an editor's own choice

    call_command("loaddemo", stdout=StringIO())

    assert Tag.objects.get(name="Object Detection").name_zh == "物体检测"


def test_it_has_no_broken_internal_link(client, demo):
    """Crawl the reading pages from the home page: every link to the site answers 200."""
    seen = set()
    queue = deque(["/", "/issues/128/"])
    pages = 0
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code == 302 and response["Location"] == f"/accounts/login/?next={path}":
            queue.append(response["Location"])  # a page for members (the recommend form): log in first
            continue
        assert response.status_code == 200, path
        if response.streaming:  # a static file: reading it to the end closes it the way the client expects
            assert b"".join(response.streaming_content), path
            continue
        if not response["Content-Type"].startswith("text/html"):
            # Feeds, Markdown and BibTeX exports: checked by their own tests (test_feeds, test_exports).
            assert response.content, path
            continue
        pages += 1
        document = soup(response)
        if path == "/api/docs/":
            # Swagger UI (drf-spectacular's split view): no inline script; its code comes from the
            # sidecar's static files and from the view itself, so a CSP of 'self' holds.
            for script in document.find_all("script"):
                assert not script.get_text(strip=True), path
                assert script["src"].startswith(("/static/", "/api/docs/?script")), script
            continue
        if path.endswith("/export.html"):
            # The newsletter-ready export is styled inline on purpose (mail and WeChat editors drop
            # <style>); test_exports checks it is otherwise safe. Here: no script in it.
            assert not document.find_all("script"), path
        else:
            assert_safe_html(document, page=True)
        for element in document.find_all(href=True):
            href = urldefrag(element["href"]).url
            if href.startswith("/") and not href.startswith(("//", "/admin/", "/i18n/")):
                queue.append(href)

    assert {"/issues/", "/tags/", "/recommenders/", "/papers/2749/", "/recommenders/QAQ/"} <= seen
    paper_pages = {path for path in seen if path.startswith("/papers/")}
    assert len(paper_pages) == 17
    assert pages > 40


def test_it_dates_the_last_change_of_what_it_made_to_the_columns_publication(client, demo):
    assert demo.updated_at == demo.published_at
    assert set(Recommendation.objects.values_list("updated_at", flat=True)) == {demo.published_at}

    feed = client.get("/feeds/issues.atom").content.decode()

    assert "<published>2019-01-25" in feed
    assert "<updated>2019-01-25" in feed
