import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.models import Paper
from recommendations.issues.publishing import issue_freeze_missing_cards
from recommendations.models import Issue
from recommendations.reading.tasks import flush_issue_reads
from tests.factories import (
    make_entry,
    make_issue,
    make_issue_with_entries,
    make_paper,
    make_recommender,
    make_tag,
)
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db


def cards(response):
    return soup(response).select("article.entry")


def hrefs(element):
    return [a["href"] for a in element.find_all("a", href=True)]


def test_it_shows_entries_in_position_order_with_everything_a_card_holds(client):
    issue = make_issue(128, title="PaperDaily #128")
    make_entry(
        issue,
        position=3,
        paper=make_paper("Slimmable Neural Networks", authors=["Jiahui Yu", "Linjie Yang"], venue="ICLR 2019"),
        recommender=make_recommender("zkt18"),
        tag=make_tag("Neural Networks", slug="neural-networks"),
    )
    make_entry(
        issue,
        position=1,
        paper=make_paper(
            "CornerNet: Detecting Objects as Paired Keypoints",
            authors=["Hei Law", "Jia Deng"],
            venue="ECCV 2018",
            arxiv_id="1808.01244",
            code_urls=["https://github.com/princeton-vl/CornerNet"],
        ),
        recommender=make_recommender("paperweekly"),
        tag=make_tag("Object Detection", slug="object-detection"),
        writeup="Detects each object as a **pair of keypoints**.",
    )
    make_entry(
        issue,
        position=2,
        paper=make_paper(
            "Abstractive Text Summarization by Incorporating Reader Comments",
            venue="AAAI 2019",
            dataset_urls=["http://t.cn/EAH5JxS"],
        ),
        recommender=make_recommender("QAQ"),
        tag=make_tag("Text Summarization", slug="text-summarization"),
    )

    response = client.get("/issues/128/")

    assert response.status_code == 200
    entries = cards(response)
    assert [entry["id"] for entry in entries] == ["entry-1", "entry-2", "entry-3"]
    first, second, third = entries
    assert first.select_one(".entry__title").get_text(strip=True) == "CornerNet: Detecting Objects as Paired Keypoints"
    assert first.select_one(".entry__authors").get_text(strip=True) == "Hei Law, Jia Deng"
    assert first.select_one(".entry__venue").get_text(strip=True) == "ECCV 2018"
    assert first.select_one(".entry__tag").get_text(strip=True) == "#Object Detection"
    assert first.select_one(".entry__recommender a").get_text(strip=True) == "@paperweekly"
    assert first.select_one(".entry__writeup strong").get_text() == "pair of keypoints"
    assert "https://github.com/princeton-vl/CornerNet" in hrefs(first)
    assert "https://arxiv.org/abs/1808.01244" in hrefs(first)
    assert "/tags/object-detection/" in hrefs(first)
    assert "/recommenders/paperweekly/" in hrefs(first)
    assert first.select_one(".entry__title a")["href"] == Paper.objects.get(arxiv_id="1808.01244").get_absolute_url()
    assert "http://t.cn/EAH5JxS" in hrefs(second)
    assert second.select_one(".link-chip--dataset") is not None
    assert second.select_one(".entry__recommender a").get_text(strip=True) == "@QAQ"
    assert third.select_one(".entry__title").get_text(strip=True) == "Slimmable Neural Networks"
    assert third.select_one(".link-chip--code") is None
    toc = [li.a.get_text() for li in soup(response).select("nav.toc li")]
    assert toc == [
        "CornerNet: Detecting Objects as Paired Keypoints",
        "Abstractive Text Summarization by Incorporating Reader Comments",
        "Slimmable Neural Networks",
    ]


def test_it_shows_the_issue_title_date_and_intro(client):
    issue = make_issue(128, title="PaperDaily #128", intro="Seventeen **papers** this week.")
    make_entry(issue)

    document = soup(client.get("/issues/128/"))

    assert document.find("h1").get_text(strip=True) == "PaperDaily #128"
    assert document.select_one(".issue-head time")["datetime"].startswith(issue.published_at.date().isoformat())
    assert document.select_one(".issue-head__intro strong").get_text() == "papers"


def test_it_links_the_previous_and_next_published_issues_only(client):
    make_issue(125)
    make_issue(126)
    make_issue(127, published=False)
    make_issue(128)
    make_issue(129, published=False)

    document = soup(client.get("/issues/128/"))

    assert document.select_one('.issue-nav a[rel="prev"]')["href"] == "/issues/126/"
    assert document.select_one('.issue-nav a[rel="next"]') is None

    document = soup(client.get("/issues/125/"))
    assert document.select_one('.issue-nav a[rel="prev"]') is None
    assert document.select_one('.issue-nav a[rel="next"]')["href"] == "/issues/126/"


def test_it_counts_a_visitor_once_a_day_and_shows_the_count_once_beat_has_written_it(client):
    issue = make_issue(128)
    browser = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}

    client.get("/issues/128/", **browser)
    client.get("/issues/128/", **browser)
    client.get("/issues/128/", HTTP_USER_AGENT="Mozilla/5.0 (Macintosh) Safari/605.1", REMOTE_ADDR="10.0.0.7")
    issue.refresh_from_db()
    assert issue.read_count == 0  # nothing written by a reading page
    assert flush_issue_reads() == {"reads": 2}

    response = client.get("/issues/128/", **browser)
    issue.refresh_from_db()
    assert issue.read_count == 2
    assert soup(response).select_one(".reads").get_text(strip=True) == "2 reads"


def test_it_does_not_count_a_head_request_as_a_read(client):
    issue = make_issue(128)

    response = client.head("/issues/128/")

    assert response.status_code == 200
    issue.refresh_from_db()
    assert issue.read_count == 0


def test_it_does_not_count_an_editor_previewing_a_draft(admin_client):
    issue = make_issue(129, published=False)

    admin_client.get("/issues/129/")

    issue.refresh_from_db()
    assert issue.read_count == 0


def test_it_hides_a_draft_from_anonymous_readers(client):
    make_entry(make_issue(129, published=False), paper=make_paper("Secret Draft Paper"))

    response = client.get("/issues/129/")

    assert response.status_code == 404
    assert b"Secret Draft Paper" not in response.content


def test_it_hides_a_draft_from_readers_who_are_not_editors(user_client):
    make_issue(129, published=False)

    assert user_client.get("/issues/129/").status_code == 404


def test_it_shows_a_draft_to_editors_as_a_preview(admin_client):
    make_entry(make_issue(129, published=False), paper=make_paper("Upcoming Paper"))

    response = admin_client.get("/issues/129/")

    assert response.status_code == 200
    document = soup(response)
    assert "Draft preview" in document.select_one(".notice--draft").get_text()
    assert document.select_one(".entry__title").get_text(strip=True) == "Upcoming Paper"


def test_it_shows_no_draft_notice_on_a_published_issue(admin_client):
    make_issue(128)

    response = admin_client.get("/issues/128/")

    assert b"Draft preview" not in response.content


def test_it_renders_an_entry_whose_paper_is_not_identified(client):
    issue = make_issue(128)
    paper = make_paper("", metadata_status=Paper.MetadataStatus.NEEDS_EDITOR)
    make_entry(issue, paper=paper, submitted_link="https://www.cmu.edu/some/dqn-questionnaire-paper")

    response = client.get("/issues/128/")

    assert response.status_code == 200
    card = cards(response)[0]
    # Said plainly, with no promise and no "pending" on a published issue.
    assert card.select_one(".entry__title").get_text(strip=True) == "Paper details not recorded"
    assert not card.select(".pill--pending")
    assert "Untitled" not in response.content.decode()
    assert card.select_one(".entry__title a")["href"] == f"/papers/{paper.pk}/"
    assert "https://www.cmu.edu/some/dqn-questionnaire-paper" in hrefs(card.select_one(".entry__submitted"))


def test_it_shows_the_title_an_editor_gave_a_paper_published_without_one(client):
    issue = make_issue(128)  # published without its paper's details, like the column's issue 128
    paper = make_paper("", metadata_status=Paper.MetadataStatus.NEEDS_EDITOR)
    make_entry(issue, paper=paper)
    assert issue_freeze_missing_cards(issue_id=issue.pk) == 1
    Paper.objects.filter(pk=paper.pk).update(title="Cold-start questionnaires by DQN", metadata_status="ok")

    card = cards(client.get("/issues/128/"))[0]

    assert card.select_one(".entry__title").get_text(strip=True) == "Cold-start questionnaires by DQN"
    assert card.select_one(".entry__since") is None


def test_it_says_so_when_an_issue_has_no_entries(client):
    make_issue(128)

    response = client.get("/issues/128/")

    assert response.status_code == 200
    assert soup(response).select_one("p.empty") is not None


def test_it_answers_404_for_an_issue_that_does_not_exist(client):
    assert client.get("/issues/4/").status_code == 404


@pytest.mark.parametrize("number", ["2147483648", "99999999999999999999", "0"])
def test_it_answers_404_not_500_for_out_of_range_numbers(client, number):
    assert client.get(f"/issues/{number}/").status_code == 404


def test_it_answers_405_to_a_post(client):
    make_issue(128)

    response = client.post("/issues/128/")

    assert response.status_code == 405
    assert Issue.objects.get(number=128).read_count == 0


HOSTILE_WRITEUP = """Great paper! <script>alert('xss')</script>
<img src=x onerror=alert(1)> <iframe src="https://evil.example"></iframe>
[one](javascript:alert(1)) [two](JaVaScRiPt:alert(1)) [three](data:text/html;base64,PHNjcmlwdD4=)
[four](vbscript:msgbox(1)) [five](&#106;avascript:alert(1)) <a href="x" onclick="steal()">six</a>
<style>body{display:none}</style> bell\x07here
"""


def test_it_renders_a_hostile_writeup_and_intro_harmless_on_the_page(client):
    issue = make_issue(128, intro=HOSTILE_WRITEUP)
    make_entry(issue, writeup=HOSTILE_WRITEUP)

    response = client.get("/issues/128/")

    assert response.status_code == 200
    document = soup(response)
    assert "Great paper!" in document.select_one(".entry__writeup").get_text()
    assert_safe_html(document, page=True)


def test_it_renders_a_hostile_submitted_link_harmless(client):
    # The submitted link is what the recommender typed: shown when the paper has no title yet.
    issue = make_issue(128)
    make_entry(issue, paper=make_paper(""), submitted_link="javascript:alert(document.cookie)")

    response = client.get("/issues/128/")

    assert response.status_code == 200
    assert_safe_html(soup(response), page=True)


def test_it_renders_hostile_paper_and_recommender_fields_escaped(client):
    issue = make_issue(128, title="<script>alert('title')</script>")
    make_entry(
        issue,
        paper=make_paper(
            '<img src=x onerror="alert(1)">',
            venue="<script>alert(2)</script>",
            authors=['<svg onload="alert(3)">'],
            institutions=["<iframe src=//evil.example>"],
        ),
        tag=make_tag('"><script>alert(4)</script>', slug="hostile"),
        recommender=make_recommender("rec-1", display_name="<b onmouseover=alert(5)>x</b>"),
    )

    response = client.get("/issues/128/")

    assert response.status_code == 200
    document = soup(response)
    assert_safe_html(document, page=True)
    assert document.select_one(".entry__title").get_text(strip=True) == '<img src=x onerror="alert(1)">'


def test_it_uses_as_many_queries_for_80_entries_as_for_17(client):
    small = make_issue_with_entries(17)
    large = make_issue_with_entries(80)

    with CaptureQueriesContext(connection) as for_17:
        response = client.get(small.get_absolute_url())
    assert len(cards(response)) == 17
    with CaptureQueriesContext(connection) as for_80:
        response = client.get(large.get_absolute_url())
    assert len(cards(response)) == 80

    print(f"\nissue page queries: 17 entries -> {len(for_17)}, 80 entries -> {len(for_80)}")
    assert len(for_17) == len(for_80)


def test_it_renders_an_issue_page_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    issue = make_issue_with_entries(17)

    with django_assert_max_num_queries(9):
        client.get(issue.get_absolute_url())
