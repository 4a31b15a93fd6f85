import feedparser
import pytest
from defusedxml.ElementTree import fromstring
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.models import Paper, Repository
from recommendations.issues.publishing import issue_freeze_missing_cards, issue_publish
from recommendations.models import Figure
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
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.PAPERDAILY_SITE_URL = SITE


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return response, parsed


def atom_content(entry):
    return entry.content[0].value


def assert_absolute_links_only(html):
    document = soup(html)
    for tag in document.find_all(["a", "img"]):
        url = tag.get("href") or tag.get("src")
        assert url.startswith(("https://", "http://")), str(tag)


def cornernet_issue(number=128):
    """A published issue with one full entry: authors, venue, code with stars, dataset, figure."""
    issue = make_issue(number, title=f"PaperDaily #{number}", intro="This week: **keypoints**.")
    paper = make_paper(
        "CornerNet: Detecting Objects as Paired Keypoints",
        authors=["Hei Law", "Jia Deng"],
        venue="ECCV 2018",
        arxiv_id="1808.01244",
        code_urls=["https://github.com/princeton-vl/CornerNet"],
        dataset_urls=["https://cocodataset.org/"],
    )
    Repository.objects.filter(url="https://github.com/princeton-vl/CornerNet").update(stars=2345)
    recommendation = make_entry(
        issue,
        paper=paper,
        recommender=make_recommender("paperweekly"),
        tag=make_tag("Object Detection", slug="object-detection"),
        writeup="Detects each object as a **pair of keypoints**. See [the page](/papers/) too.",
    )
    Figure.objects.create(
        recommendation=recommendation, image="figures/1/cornernet.png", width=800, height=600, caption="The model"
    )
    return issue, paper


# --- The issues feeds


def test_it_lists_published_issues_newest_first_in_atom(client):
    for number in (3, 1, 2):
        make_entry(make_issue(number, title=f"Issue number {number}"))
    make_entry(make_issue(4, published=False, title="Draft issue"))

    response, feed = fetch(client, "/feeds/issues.atom")

    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert feed.version == "atom10"
    assert [entry.title for entry in feed.entries] == ["Issue number 3", "Issue number 2", "Issue number 1"]
    assert [entry.link for entry in feed.entries] == [f"{SITE}/issues/{n}/" for n in (3, 2, 1)]
    assert len({entry.id for entry in feed.entries}) == 3
    assert feed.entries[0].published_parsed[:3] == (2019, 2, 15)  # factories: 25 Jan 2019 + 7 days a number
    assert feed.feed.link == f"{SITE}/issues/"
    assert feed.feed.author == "PaperDaily"


def test_it_lists_published_issues_newest_first_in_rss(client):
    for number in (3, 1, 2):
        make_entry(make_issue(number, title=f"Issue number {number}"))
    make_entry(make_issue(4, published=False, title="Draft issue"))

    response, feed = fetch(client, "/feeds/issues.rss")

    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert feed.version == "rss20"
    assert [entry.title for entry in feed.entries] == ["Issue number 3", "Issue number 2", "Issue number 1"]
    assert [entry.link for entry in feed.entries] == [f"{SITE}/issues/{n}/" for n in (3, 2, 1)]
    assert [entry.id for entry in feed.entries] == [f"{SITE}/issues/{n}/" for n in (3, 2, 1)]


@pytest.mark.parametrize("url", ["/feeds/issues.atom", "/feeds/issues.rss"])
def test_it_carries_each_issue_in_full_with_absolute_links(client, url):
    issue, paper = cornernet_issue()

    _, feed = fetch(client, url)

    (entry,) = feed.entries
    html = atom_content(entry) if feed.version == "atom10" else entry.description
    document = soup(html)
    text = document.get_text(" ", strip=True)
    assert "This week:" in text and document.find("strong", string="keypoints")
    assert document.find("a", string="CornerNet: Detecting Objects as Paired Keypoints")["href"] == (
        f"{SITE}{paper.get_absolute_url()}"
    )
    assert "Hei Law, Jia Deng" in text
    assert "ECCV 2018" in text
    assert "#Object Detection" in text
    assert "Detects each object as a" in text and document.find("strong", string="pair of keypoints")
    code = document.find("a", href="https://github.com/princeton-vl/CornerNet")
    assert code.get_text() == "Code: princeton-vl/CornerNet"
    assert "★ 2,345" in code.parent.get_text()
    assert document.find("a", href="https://cocodataset.org/")
    assert document.find("a", href="https://arxiv.org/abs/1808.01244")
    assert document.find("img")["src"] == f"{SITE}/media/figures/1/cornernet.png"
    assert document.find("a", href=f"{SITE}/papers/")  # the write-up's relative link, made absolute
    assert document.find("a", href=f"{SITE}/recommenders/paperweekly/").get_text() == "@paperweekly"
    assert_absolute_links_only(html)


def test_it_carries_the_full_issue_in_rss_content_encoded_too(client):
    cornernet_issue()

    response, feed = fetch(client, "/feeds/issues.rss")

    assert b'xmlns:content="http://purl.org/rss/1.0/modules/content/"' in response.content
    (entry,) = feed.entries
    assert "Detects each object as a" in entry.content[0].value


def test_it_gives_atom_a_one_line_summary_beside_the_content(client):
    cornernet_issue()

    _, feed = fetch(client, "/feeds/issues.atom")

    assert feed.entries[0].summary == "1 paper: CornerNet: Detecting Objects as Paired Keypoints"


def test_it_shows_the_issue_as_published_not_as_the_paper_is_now(client):
    issue = make_issue(7, published=False, title="Frozen")
    paper = make_paper("Title as published", authors=["Hei Law"], code_urls=["https://github.com/a/frozen"])
    Repository.objects.update(fetch_status="ok", stars=100)
    make_entry(issue, paper=paper, writeup="Frozen in time.")
    issue_publish(issue_id=issue.pk)
    Paper.objects.filter(pk=paper.pk).update(title="Title changed since")
    Repository.objects.update(stars=99999)

    _, feed = fetch(client, "/feeds/issues.atom")

    html = atom_content(feed.entries[0])
    assert "Title as published" in html
    assert "Title changed since" not in html
    assert "★ 100" in html
    assert "99,999" not in html


def test_it_keeps_the_latest_twenty_issues(client):
    for number in range(1, 23):
        make_issue(number)

    _, feed = fetch(client, "/feeds/issues.atom")

    assert [entry.link for entry in feed.entries] == [f"{SITE}/issues/{n}/" for n in range(22, 2, -1)]


def test_it_answers_an_empty_but_valid_feed_before_the_first_issue(client):
    make_issue(1, published=False)

    _, feed = fetch(client, "/feeds/issues.atom")

    assert feed.entries == []


def test_it_escapes_hostile_titles_and_names(client):
    issue = make_issue(5, title="R&D <script>alert(1)</script>")
    make_entry(
        issue,
        paper=make_paper('<img src=x onerror="alert(1)">', authors=["<b>Mallory</b>"]),
        writeup="<script>alert(2)</script> Plain words.",
    )

    response, feed = fetch(client, "/feeds/issues.atom")

    assert feed.entries[0].title == "R&D <script>alert(1)</script>"
    document = soup(atom_content(feed.entries[0]))
    assert not document.find_all(["script", "b"])
    assert not document.find("img")
    assert '<img src=x onerror="alert(1)">' in document.get_text()
    assert "<b>Mallory</b>" in document.get_text()


def test_it_writes_atom_with_every_element_rfc_4287_requires(client):
    cornernet_issue(128)
    make_entry(make_issue(129, title=""))

    response = client.get("/feeds/issues.atom")

    root = fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}").text.strip(), name
    assert root.find(f"{ATOM}author/{ATOM}name").text == "PaperDaily"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE}/feeds/issues.atom"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for name in ("id", "title", "updated", "published"):
            assert entry.find(f"{ATOM}{name}").text.strip(), name
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith(f"{SITE}/issues/")
        assert entry.find(f"{ATOM}content").get("type") == "html"
    assert entries[0].find(f"{ATOM}title").text == "Issue 129"


def test_it_reads_as_many_queries_for_twenty_big_issues_as_for_two_small_ones(client):
    for _ in range(2):
        make_issue_with_entries(2)
    with CaptureQueriesContext(connection) as small:
        fetch(client, "/feeds/issues.atom")
    for _ in range(20):
        make_issue_with_entries(8)
    with CaptureQueriesContext(connection) as large:
        _, feed = fetch(client, "/feeds/issues.atom")

    assert len(feed.entries) == 20
    assert len(small) == len(large)


def test_it_renders_the_issues_feed_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(3):
        make_issue_with_entries(17)

    with django_assert_max_num_queries(6):
        client.get("/feeds/issues.rss")


def test_it_answers_405_to_a_post(client):
    assert client.post("/feeds/issues.atom").status_code == 405


# --- The topic feeds


def test_it_lists_a_topics_published_recommendations_newest_first(client):
    tag = make_tag("Object Detection", slug="object-detection")
    older, newer = make_issue(10), make_issue(11)
    make_entry(older, tag=tag, paper=make_paper("Older paper"))
    make_entry(newer, tag=tag, paper=make_paper("Newer paper, first"), position=1)
    make_entry(newer, tag=tag, paper=make_paper("Newer paper, second"), position=2)
    make_entry(newer, paper=make_paper("Another topic"))
    make_entry(make_issue(12, published=False), tag=tag, paper=make_paper("In a draft"))

    for url, version in (
        ("/feeds/tags/object-detection.atom", "atom10"),
        ("/feeds/tags/object-detection.rss", "rss20"),
    ):
        _, feed = fetch(client, url)
        assert feed.version == version
        assert [entry.title for entry in feed.entries] == ["Newer paper, first", "Newer paper, second", "Older paper"]
        assert feed.feed.title == "PaperDaily: #Object Detection"
        assert feed.feed.link == f"{SITE}/tags/object-detection/"


def test_it_carries_each_recommendation_in_full(client):
    issue, paper = cornernet_issue(128)

    _, feed = fetch(client, "/feeds/tags/object-detection.atom")

    (entry,) = feed.entries
    assert entry.link == f"{SITE}{paper.get_absolute_url()}"
    assert entry.id == f"{SITE}/issues/128/#entry-1"
    assert entry.author == "@paperweekly"
    html = atom_content(entry)
    assert "Detects each object as a" in html
    assert "★ 2,345" in html
    assert soup(html).find("a", href=f"{SITE}/issues/128/").get_text() == "PaperDaily #128"
    assert_absolute_links_only(html)


def test_it_gives_each_recommendation_of_one_paper_its_own_id(client):
    tag = make_tag(slug="gans")
    paper = make_paper("One paper, two readers")
    make_entry(make_issue(20), tag=tag, paper=paper)
    make_entry(make_issue(21), tag=tag, paper=paper)

    _, feed = fetch(client, "/feeds/tags/gans.rss")

    assert [entry.id for entry in feed.entries] == [f"{SITE}/issues/21/#entry-1", f"{SITE}/issues/20/#entry-1"]


def test_it_answers_404_for_an_unknown_or_proposed_topic(client):
    proposed = make_tag("Proposed topic", slug="proposed")
    proposed.approved = False
    proposed.save()

    assert client.get("/feeds/tags/no-such-topic.atom").status_code == 404
    assert client.get("/feeds/tags/proposed.atom").status_code == 404
    assert client.get("/feeds/tags/proposed.rss").status_code == 404


def test_it_renders_a_topic_feed_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    tag = make_tag(slug="bulk")
    for _ in range(3):
        make_issue_with_entries(10, tag=tag)

    with django_assert_max_num_queries(6):
        _, feed = fetch(client, "/feeds/tags/bulk.atom")
    assert len(feed.entries) == 20


def test_it_orders_by_issue_not_by_when_a_recommendation_was_edited(client):
    tag = make_tag(slug="edits")
    first = make_entry(make_issue(30), tag=tag, paper=make_paper("Early"))
    make_entry(make_issue(31), tag=tag, paper=make_paper("Late"))
    first.set_writeup("Edited later.")
    first.save()

    _, feed = fetch(client, "/feeds/tags/edits.atom")

    assert [entry.title for entry in feed.entries] == ["Late", "Early"]
    assert feed.entries[1].updated_parsed > feed.entries[1].published_parsed


# --- Where readers find the feeds


def alternates(response):
    return {
        (link["type"], link["href"]) for link in soup(response).select("head link[rel~=alternate]") if link.get("type")
    }


def test_it_links_the_issue_feeds_from_the_head_of_every_page(client):
    make_entry(make_issue(1))

    for url in ("/", "/issues/", "/issues/1/", "/tags/"):
        assert {
            ("application/atom+xml", "/feeds/issues.atom"),
            ("application/rss+xml", "/feeds/issues.rss"),
        } <= alternates(client.get(url)), url


def test_it_links_a_topics_own_feeds_from_its_page(client):
    make_entry(make_issue(1), tag=make_tag("Object Detection", slug="object-detection"))

    response = client.get("/tags/object-detection/")

    assert {
        ("application/atom+xml", "/feeds/tags/object-detection.atom"),
        ("application/rss+xml", "/feeds/tags/object-detection.rss"),
        ("application/atom+xml", "/feeds/issues.atom"),
    } <= alternates(response)
    assert soup(response).select_one(".feed-links a")["href"] == "/feeds/tags/object-detection.atom"


def test_it_offers_no_feed_for_a_proposed_topic(client):
    tag = make_tag("Proposed topic", slug="proposed")
    tag.approved = False
    tag.save()

    # A proposed topic is hidden from readers until an editor approves it: no page, no feed.
    assert client.get("/tags/proposed/").status_code == 404
    assert client.get("/feeds/tags/proposed.atom").status_code == 404
    assert not any("/feeds/tags/" in href for _, href in alternates(client.get("/tags/")))


@pytest.mark.parametrize("url", ["/feeds/issues.atom", "/feeds/issues.rss"])
def test_it_answers_304_to_a_reader_that_has_the_feed_already(client, url):
    cornernet_issue()
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]

    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    make_issue(129, published_at=None)  # a newer issue: the feed changes
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_it_says_plainly_that_an_entrys_paper_details_were_not_recorded(client):
    tag = make_tag("Recommender Systems", slug="recommender-systems")
    issue = make_issue(7)
    make_entry(issue, tag=tag, paper=make_paper("", authors=[]), writeup="A questionnaire made by a DQN.")
    issue_freeze_missing_cards(issue_id=issue.pk)

    _, issues = fetch(client, "/feeds/issues.atom")
    _, topic = fetch(client, "/feeds/tags/recommender-systems.atom")

    assert issues.entries[0].summary == "1 paper: Paper details not recorded"
    assert "Paper details not recorded" in atom_content(issues.entries[0])
    assert "A questionnaire made by a DQN." in atom_content(issues.entries[0])
    assert [entry.title for entry in topic.entries] == ["Paper details not recorded"]
    assert "Untitled" not in client.get("/feeds/issues.atom").content.decode()
