import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from markdown_it import MarkdownIt

from papers.models import Paper, Repository
from recommendations.issues.publishing import issue_publish
from recommendations.models import Figure
from recommendations.reading.exports import issue_html, issue_markdown
from tests.factories import (
    make_entry,
    make_issue,
    make_issue_with_entries,
    make_paper,
    make_recommender,
    make_tag,
)
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db

SITE = "https://paperdaily.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.PAPERDAILY_SITE_URL = SITE


def cornernet_issue(number=128, *, published=True):
    """An issue with two entries; the first has everything a card can hold."""
    issue = make_issue(number, published=published, title=f"PaperDaily #{number}", intro="This week: **keypoints**.")
    paper = make_paper(
        "CornerNet: Detecting Objects as Paired Keypoints",
        authors=["Hei Law", "Jia Deng"],
        venue="ECCV 2018",
        arxiv_id="1808.01244",
        code_urls=["https://github.com/princeton-vl/CornerNet"],
        dataset_urls=["https://cocodataset.org/"],
    )
    Repository.objects.update(fetch_status="ok", stars=2345)
    recommendation = make_entry(
        issue,
        paper=paper,
        recommender=make_recommender("paperweekly"),
        tag=make_tag("Object Detection", slug="object-detection"),
        writeup="Detects each object as a **pair of keypoints**.\n\nMore on [the site](/tags/object-detection/).",
    )
    Figure.objects.create(
        recommendation=recommendation, image="figures/1/cornernet.png", width=800, height=600, caption="The model"
    )
    make_entry(
        issue,
        paper=make_paper("Slimmable Neural Networks", authors=["Jiahui Yu"], venue="ICLR 2019"),
        recommender=make_recommender("zkt18"),
    )
    return issue, paper


def publish_then_change(paper):
    """Publish the draft the paper is in, then let a later fetch change its title and stars."""
    issue_publish(issue_id=paper.recommendations.get().issue_entry.issue_id)
    Paper.objects.filter(pk=paper.pk).update(title="A title changed after publication")
    Repository.objects.update(stars=99999)


# --- Markdown


def test_it_exports_markdown_with_every_entry_in_order(client):
    issue, paper = cornernet_issue()

    response = client.get("/issues/128/export.md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="paperdaily-128.md"'
    text = response.content.decode()
    lines = text.splitlines()
    assert lines[0] == f"# [PaperDaily \\#128]({SITE}/issues/128/)"
    assert "Issue 128 · July 9, 2021 · 2 papers" in lines  # factories: 25 Jan 2019 + 7 days a number
    assert "This week: **keypoints**." in lines
    first = lines.index(f"## 1. [CornerNet: Detecting Objects as Paired Keypoints]({SITE}/papers/{paper.pk}/)")
    second = next(i for i, line in enumerate(lines) if line.startswith("## 2. [Slimmable Neural Networks]("))
    assert first < second
    entry = lines[first:second]
    assert "- **Authors:** Hei Law, Jia Deng" in entry
    assert "- **Venue:** ECCV 2018" in entry
    assert f"- **Topic:** [\\#Object Detection]({SITE}/tags/object-detection/) (NLP)" in entry
    assert "- **Paper:** [arXiv:1808.01244](https://arxiv.org/abs/1808.01244)" in entry
    assert "- **Code:** [princeton-vl/CornerNet](https://github.com/princeton-vl/CornerNet) ★ 2,345" in entry
    assert "- **Dataset:** [https://cocodataset.org/](https://cocodataset.org/)" in entry
    assert "Detects each object as a **pair of keypoints**." in entry
    assert f"More on [the site]({SITE}/tags/object-detection/)." in entry
    assert f"![The model]({SITE}/media/figures/1/cornernet.png)" in entry
    assert f"Recommended by [@paperweekly]({SITE}/recommenders/paperweekly/)" in entry
    assert text.endswith(f"Recommended by [@zkt18]({SITE}/recommenders/zkt18/)\n")


def test_it_escapes_markdown_in_titles_and_names_so_they_stay_text():
    issue = make_issue(3)
    title = "[Click](javascript:alert(1)) *Not bold* <b>#1</b> a_b_c | x & y ~z~ $E=mc^2$ !"
    make_entry(
        issue,
        paper=make_paper(title, authors=["*Star* Author", "Under_Score [Name]"], venue="`Venue`"),
        recommender=make_recommender("snake_case_name"),
    )

    text = issue_markdown(issue, site_url=SITE)

    document = soup(MarkdownIt("commonmark").enable("table").enable("strikethrough").render(text))
    heading = document.find("h2")
    assert heading.get_text() == f"1. {title}"
    assert len(heading.find_all("a")) == 1
    assert not document.find_all(["em", "code", "b", "s", "table"])
    assert "*Star* Author, Under_Score [Name]" in document.get_text()
    assert "`Venue`" in document.get_text()
    assert document.find("a", string="@snake_case_name")


def test_it_exports_an_untitled_paper_and_a_draft_without_a_date(admin_client):
    issue = make_issue(9, published=False)
    make_entry(issue, paper=make_paper("", authors=[]), writeup="Nobody knows this one yet.")

    text = admin_client.get("/issues/9/export.md").content.decode()

    assert "Issue 9 · draft · 1 paper" in text
    assert "## 1. [Paper details not recorded](" in text
    assert "Nobody knows this one yet." in text


def test_it_exports_markdown_as_published_not_as_the_paper_is_now():
    issue, paper = cornernet_issue(5, published=False)
    publish_then_change(paper)

    text = issue_markdown(issue, site_url=SITE)

    assert "[CornerNet: Detecting Objects as Paired Keypoints]" in text
    assert "changed after publication" not in text
    assert "★ 2,345" in text
    assert "99,999" not in text


# --- Standalone HTML


def test_it_exports_html_styled_inline_with_no_style_block_script_or_class(client):
    issue, paper = cornernet_issue()

    response = client.get("/issues/128/export.html")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="paperdaily-128.html"'
    text = response.content.decode()
    assert text.lower().startswith("<!doctype html>")
    document = soup(text)
    assert not document.find_all(["style", "script", "link"])
    assert not document.find_all(class_=True)
    assert "max-width: 600px" in document.body.div["style"]
    assert document.find("h1")["style"] and document.find("h2")["style"]
    assert all(a.get("style") for a in document.find_all("a"))
    for tag in document.find_all(True):
        assert not any(attribute.startswith("on") for attribute in tag.attrs), str(tag)[:100]


def test_it_exports_html_with_absolute_links_and_the_writeup_as_html(client):
    issue, paper = cornernet_issue()

    document = soup(client.get("/issues/128/export.html"))

    urls = [a["href"] for a in document.find_all("a")] + [img["src"] for img in document.find_all("img")]
    assert urls and all(url.startswith(("https://", "http://")) for url in urls), urls
    assert document.find("img")["src"] == f"{SITE}/media/figures/1/cornernet.png"
    assert document.find("strong", string="pair of keypoints")
    assert document.find("a", string="the site")["href"] == f"{SITE}/tags/object-detection/"
    title = document.find("a", string="CornerNet: Detecting Objects as Paired Keypoints")
    assert title["href"] == f"{SITE}/papers/{paper.pk}/"
    assert "★ 2,345" in document.find("a", href="https://github.com/princeton-vl/CornerNet").parent.get_text()
    assert "Hei Law, Jia Deng" in document.get_text()
    assert document.find("a", string="@paperweekly")


def test_it_puts_the_footer_last_in_the_body():
    issue, _ = cornernet_issue()

    html = issue_html(
        issue, site_url=SITE, footer_html='<p>Sent to you. <a href="https://x.example/u">Unsubscribe</a></p>'
    )

    document = soup(html)
    last = document.body.find_all(recursive=False)[-1]
    assert last.find("a", string="Unsubscribe")["href"] == "https://x.example/u"
    assert html.rstrip().endswith("</body></html>")


def test_it_escapes_hostile_fields_in_html():
    issue = make_issue(4, title="<script>alert(1)</script>")
    make_entry(
        issue,
        paper=make_paper('<img src=x onerror="alert(1)">', authors=["<b>Mallory</b>"], venue="</style><script>"),
        writeup="<script>alert(2)</script> [x](javascript:alert(3)) Plain words.",
    )

    document = soup(issue_html(issue, site_url=SITE))

    assert not document.find_all(["script", "b", "img", "style"])
    assert '<img src=x onerror="alert(1)">' in document.get_text()
    assert document.find("h1").get_text() == "<script>alert(1)</script>"
    assert not any("javascript" in a["href"] for a in document.find_all("a"))


def test_it_exports_html_as_published_not_as_the_paper_is_now():
    issue, paper = cornernet_issue(6, published=False)
    publish_then_change(paper)

    text = soup(issue_html(issue, site_url=SITE)).get_text()

    assert "CornerNet: Detecting Objects as Paired Keypoints" in text
    assert "changed after publication" not in text
    assert "★ 2,345" in text
    assert "99,999" not in text


# --- Who may export what


@pytest.mark.parametrize("export", ["export.md", "export.html", "papers.bib"])
def test_it_hides_a_draft_from_readers_and_shows_it_to_editors(client, user_client, admin_client, export):
    cornernet_issue(12, published=False)

    assert client.get(f"/issues/12/{export}").status_code == 404
    assert user_client.get(f"/issues/12/{export}").status_code == 404
    response = admin_client.get(f"/issues/12/{export}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("export", ["export.md", "export.html", "papers.bib"])
@pytest.mark.parametrize("number", ["4", "2147483648", "0"])
def test_it_answers_404_for_an_issue_that_does_not_exist(client, export, number):
    assert client.get(f"/issues/{number}/{export}").status_code == 404


@pytest.mark.parametrize("export", ["export.md", "export.html", "papers.bib"])
def test_it_answers_405_to_a_post(client, export):
    make_issue(1)

    assert client.post(f"/issues/1/{export}").status_code == 405


@pytest.mark.parametrize("export", ["export.md", "export.html", "papers.bib"])
def test_it_uses_as_many_queries_for_80_entries_as_for_17(client, export):
    small, large = make_issue_with_entries(17), make_issue_with_entries(80)

    with CaptureQueriesContext(connection) as for_17:
        assert client.get(f"/issues/{small.number}/{export}").status_code == 200
    with CaptureQueriesContext(connection) as for_80:
        response = client.get(f"/issues/{large.number}/{export}")

    assert response.content.decode().count("Bulk paper") >= 80
    assert len(for_17) == len(for_80)


@pytest.mark.parametrize("export", ["export.md", "export.html", "papers.bib"])
def test_it_exports_in_a_bounded_number_of_queries(client, django_assert_max_num_queries, export):
    issue = make_issue_with_entries(17)

    with django_assert_max_num_queries(6):
        client.get(f"/issues/{issue.number}/{export}")


# --- Where editors find the exports


def test_it_links_the_exports_and_the_feed_from_the_issue_page(client):
    cornernet_issue()

    links = soup(client.get("/issues/128/")).select(".issue-exports a")

    assert [link["href"] for link in links] == [
        "/issues/128/export.md",
        "/issues/128/export.html",
        "/issues/128/papers.bib",
        "/feeds/issues.atom",
    ]
