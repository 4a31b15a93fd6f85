from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.models import Paper, PaperLink, PaperRepository, Repository
from tests.factories import (
    make_entry,
    make_issue,
    make_paper,
    make_recommendation,
    make_recommender,
    make_tag,
)
from tests.htmlcheck import assert_safe_html, soup

pytestmark = pytest.mark.django_db


def featured_paper(issue_number=128, **paper_fields):
    """A paper with one published recommendation in a published issue."""
    paper = make_paper(**paper_fields)
    make_entry(make_issue(issue_number), paper=paper)
    return paper


def test_it_shows_the_papers_metadata(client):
    paper = featured_paper(
        title="CornerNet: Detecting Objects as Paired Keypoints",
        authors=["Hei Law", "Jia Deng"],
        institutions=["University of Michigan"],
        venue="ECCV 2018",
        year=2018,
        arxiv_id="1808.01244",
        doi="10.1007/s11263-019-01204-1",
        abstract="We propose CornerNet, a new approach to object detection.",
    )

    response = client.get(f"/papers/{paper.pk}/")

    assert response.status_code == 200
    document = soup(response)
    assert document.find("h1").get_text(strip=True) == "CornerNet: Detecting Objects as Paired Keypoints"
    # What a reader reads (each name is a link to the author's page now).
    assert " ".join(document.select_one(".paper__authors").get_text().split()) == "Hei Law, Jia Deng"
    assert [a["href"] for a in document.select(".paper__authors a")][:1] == [
        f"/authors/{paper.authorships.first().author_id}/"
    ]
    assert document.select_one(".paper__institutions").get_text(strip=True) == "University of Michigan"
    facts = document.select_one("dl.facts").get_text(" ", strip=True)
    assert "ECCV 2018" in facts
    assert "2018" in facts
    assert document.select_one('a[href="https://arxiv.org/abs/1808.01244"]') is not None
    assert document.select_one('a[href="https://doi.org/10.1007/s11263-019-01204-1"]') is not None
    assert "a new approach to object detection" in document.select_one(".paper__abstract").get_text()
    assert document.select_one(".notice") is None  # metadata complete


def test_it_shows_code_repositories_and_datasets(client):
    paper = featured_paper(dataset_urls=["http://t.cn/EAH5JxS"])
    repository = Repository.objects.create(
        url="https://github.com/tensorflow/models",
        owner="tensorflow",
        name="models",
        stars=76543,
        language="Python",
        license="Apache-2.0",
        description="Models and examples built with TensorFlow",
        fetched_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    PaperRepository.objects.create(paper=paper, repository=repository, path="tree/master/research/cvt_text")

    document = soup(client.get(f"/papers/{paper.pk}/"))

    repo = document.select("li.repo")[0]
    link = repo.select_one("a.repo__name")
    assert link["href"] == "https://github.com/tensorflow/models/tree/master/research/cvt_text"
    assert link.get_text(strip=True) == "tensorflow/models/research/cvt_text"
    facts = repo.select_one(".repo__facts").get_text(" ", strip=True)
    assert "76,543" in facts
    assert "Python" in facts
    assert "Apache-2.0" in facts
    assert document.select_one('li.repo a[href="http://t.cn/EAH5JxS"]').get_text(strip=True) == "Dataset"


def test_it_shows_published_recommendations_and_the_issues_featuring_the_paper(client):
    paper = make_paper()
    make_entry(make_issue(127), paper=paper, recommender=make_recommender("QAQ"), writeup="First **take**.")
    make_entry(make_issue(128), paper=paper, recommender=make_recommender("figo"), writeup="Second take.")

    document = soup(client.get(f"/papers/{paper.pk}/"))

    quotes = document.select("blockquote.recommendation")
    assert [quote.select_one("footer a").get_text() for quote in quotes] == ["@QAQ", "@figo"]
    assert quotes[0].select_one(".prose strong").get_text() == "take"
    assert 'href="/issues/127/#entry-1"' in str(quotes[0])
    featured = [a["href"] for a in document.select("#issues-title ~ ul a")]
    assert sorted(featured) == ["/issues/127/", "/issues/128/"]


def test_it_lists_related_papers_on_the_same_topic(client):
    tag = make_tag("Object Detection", slug="object-detection")
    paper = make_paper("CornerNet")
    issue = make_issue(128)
    make_entry(issue, paper=paper, tag=tag)
    make_entry(issue, paper=make_paper("CenterNet"), tag=tag)
    make_entry(issue, paper=make_paper("Slimmable Networks"))

    document = soup(client.get(f"/papers/{paper.pk}/"))

    assert [a.get_text() for a in document.select("ul.related a")] == ["CenterNet"]


def test_it_hides_a_paper_only_in_a_draft_issue(client, user_client, admin_client):
    paper = make_paper("Secret Draft Paper")
    make_entry(make_issue(129, published=False), paper=paper)

    assert client.get(f"/papers/{paper.pk}/").status_code == 404
    assert user_client.get(f"/papers/{paper.pk}/").status_code == 404
    assert admin_client.get(f"/papers/{paper.pk}/").status_code == 200


def test_it_hides_a_paper_no_issue_has_published(client):
    paper = make_paper("Only Submitted")
    make_recommendation(paper=paper, status="submitted")

    assert client.get(f"/papers/{paper.pk}/").status_code == 404


def test_it_hides_draft_recommendations_and_draft_issues_of_a_published_paper(client):
    paper = featured_paper(issue_number=128)
    make_entry(make_issue(129, published=False), paper=paper, writeup="Secret draft **opinion**.")

    response = client.get(f"/papers/{paper.pk}/")

    assert response.status_code == 200
    assert b"Secret draft" not in response.content
    assert b"/issues/129/" not in response.content
    assert len(soup(response).select("blockquote.recommendation")) == 1


def test_it_renders_a_paper_that_is_not_identified_yet(client):
    paper = make_paper("", metadata_status=Paper.MetadataStatus.NEEDS_EDITOR)
    make_entry(make_issue(128), paper=paper, submitted_link="https://www.cmu.edu/some/dqn-questionnaire-paper")

    response = client.get(f"/papers/{paper.pk}/")

    assert response.status_code == 200
    document = soup(response)
    assert document.find("h1").get_text(strip=True) == "Paper details not recorded"
    # Readers get no banner and no promise; the write-up, topic and recommender are all there.
    assert document.select_one(".notice") is None
    assert "will complete" not in document.get_text()
    assert document.select_one("blockquote.recommendation footer a[href^='/tags/']") is not None
    # Without title or identifier, the link the recommender gave is the only way to the paper.
    assert document.select_one('a[href="https://www.cmu.edu/some/dqn-questionnaire-paper"]') is not None


FAILED_FETCH = "could not reach arXiv: connection refused (export.arxiv.org)"


def failed_fetch_paper():
    return featured_paper(
        title="Attention Is All You Need",
        arxiv_id="1706.03762",
        metadata_status=Paper.MetadataStatus.FAILED,
        metadata_error=FAILED_FETCH,
    )


def test_it_shows_readers_what_is_known_of_a_paper_whose_fetch_failed_without_a_banner(client):
    paper = failed_fetch_paper()

    response = client.get(f"/papers/{paper.pk}/")

    document = soup(response)
    assert document.find("h1").get_text(strip=True) == "Attention Is All You Need"
    assert document.select_one(".notice") is None
    text = document.get_text()
    assert "could not reach arXiv" not in text
    assert "pending" not in text.lower()
    assert "will complete" not in text


def test_it_shows_editors_the_fetch_state_and_its_last_error(editor_client):
    paper = failed_fetch_paper()

    response = editor_client.get(f"/papers/{paper.pk}/")

    note = soup(response).select_one(".notice--editor")
    assert note["data-fetch-state"] == "failed"
    assert FAILED_FETCH in note.get_text()
    assert note.select_one(f'a[href="/admin/papers/paper/{paper.pk}/change/"]') is not None


def test_it_notes_quietly_that_a_fresh_papers_details_are_being_fetched(client):
    paper = featured_paper(title="", arxiv_id="2401.00001", metadata_status=Paper.MetadataStatus.PENDING)

    fresh_page = soup(client.get(f"/papers/{paper.pk}/"))
    Paper.objects.filter(pk=paper.pk).update(created_at=datetime(2019, 1, 25, tzinfo=UTC))
    old_page = soup(client.get(f"/papers/{paper.pk}/"))

    note = fresh_page.select_one(".paper__note").get_text(strip=True)
    assert note == "Some details of this paper are still being fetched."
    assert fresh_page.select_one(".notice") is None
    # Pending since 2019: nothing is under way, and nothing says so.
    assert old_page.select_one(".paper__note") is None
    assert old_page.find("h1").get_text(strip=True) == "Paper details not recorded"


def test_it_renders_hostile_metadata_escaped(client):
    paper = featured_paper(
        title="<script>alert(1)</script>",
        abstract='<img src=x onerror="alert(2)">',
        authors=["<svg onload=alert(3)>"],
        venue='"><iframe src=//evil.example>',
    )
    PaperLink.objects.create(paper=paper, kind="dataset", url="https://example.org/d", label="<b onclick=x>d</b>")

    response = client.get(f"/papers/{paper.pk}/")

    assert response.status_code == 200
    assert_safe_html(soup(response), page=True)


def test_it_answers_404_for_a_paper_that_does_not_exist(client):
    assert client.get("/papers/424242/").status_code == 404


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775808", "0"])
def test_it_answers_404_not_500_for_out_of_range_ids(client, pk):
    assert client.get(f"/papers/{pk}/").status_code == 404


def test_it_serves_a_paper_whose_id_is_beyond_32_bits(client):
    # Paper ids are 64-bit (BigAutoField); only issue numbers stop at 2**31 - 1.
    paper = featured_paper(pk=2**31 + 5)

    assert client.get(f"/papers/{paper.pk}/").status_code == 200


def test_it_answers_405_to_a_post(client):
    paper = featured_paper()

    assert client.post(f"/papers/{paper.pk}/").status_code == 405


def test_it_uses_as_many_queries_for_a_busy_paper_as_for_a_quiet_one(client):
    quiet = featured_paper(issue_number=1, authors=["Solo Author"])
    busy = make_paper(
        authors=[f"Author {i}" for i in range(10)],
        code_urls=[f"https://github.com/busy/repo{i}" for i in range(3)],
        dataset_urls=["https://data.example.org/a", "https://data.example.org/b"],
    )
    for number in range(2, 14):
        make_entry(make_issue(number), paper=busy)

    with CaptureQueriesContext(connection) as for_quiet:
        client.get(f"/papers/{quiet.pk}/")
    with CaptureQueriesContext(connection) as for_busy:
        response = client.get(f"/papers/{busy.pk}/")
    assert len(soup(response).select("blockquote.recommendation")) == 12

    print(f"\npaper page queries: 1 recommendation -> {len(for_quiet)}, 12 recommendations -> {len(for_busy)}")
    assert len(for_quiet) == len(for_busy)


def test_it_renders_a_paper_page_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    paper = featured_paper(authors=["A", "B"], code_urls=["https://github.com/a/b"], dataset_urls=["https://d.org"])

    with django_assert_max_num_queries(7):
        client.get(f"/papers/{paper.pk}/")
