"""An editor publishes issue 129 from the review queue, from the admin alone.

Everything is real: Chromium drives the live server's admin, a Celery worker process takes
the assembly's fetches from Redis and asks the replay servers (standing in for arXiv,
Semantic Scholar and GitHub), and a reader opens the published issue.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from papers.models import Paper
from recommendations.models import Issue, Recommendation
from tests.factories import make_area, make_issue, make_recommendation, make_recommender, make_tag
from tests.recorded import serve
from tests.workers import Worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CORNERNET = "CornerNet: Detecting Objects as Paired Keypoints"
CVT = "Semi-Supervised Sequence Modeling with Cross-View Training"
XLM = "Cross-lingual Language Model Pretraining"


@pytest.fixture
def recorded_apis(replay):
    replay.arxiv.add("/api/query", body_file="arxiv/batch-2025.xml", headers={"Content-Type": "application/atom+xml"})
    replay.semantic_scholar.add("/graph/v1/paper/batch", method="POST", status=429)
    serve(replay.github, "github/repos-tensorflow-models.json")
    return replay


@pytest.fixture
def queue():
    """Issue 128 is out; three recommendations wait in the queue, their papers not fetched yet."""
    make_issue(128)
    cv = make_tag("Object detection", area=make_area("CV", name="Computer Vision", position=2))
    nlp = make_tag("Language models", area=make_area("NLP", name="Natural Language Processing", position=1))
    waiting = []
    for arxiv_id, tag, handle, code in [
        ("1808.01244", cv, "QAQ", ["https://github.com/tensorflow/models"]),
        ("1809.08370", nlp, "zhangjun", []),
        ("1901.07291", nlp, "rico", []),
    ]:
        paper = Paper.objects.create(arxiv_id=arxiv_id, metadata_status=Paper.MetadataStatus.PENDING)
        recommendation = make_recommendation(
            paper=paper,
            recommender=make_recommender(handle),
            tag=tag,
            status=Recommendation.Status.SUBMITTED,
            submitted_link=f"https://arxiv.org/abs/{arxiv_id}",
            writeup=f"Why {arxiv_id} is worth an evening: it is **clear** and its code runs.",
        )
        recommendation.code_links = code
        recommendation.save(update_fields=["code_links"])
        waiting.append(recommendation)
    return waiting


def shot(page, artifacts_dir, name):
    page.screenshot(path=str(artifacts_dir / f"publish-{name}.png"), full_page=True)


def choose_action(admin, value):
    admin.select_option("select[name=action]", value)
    admin.locator("button[name=index]").click()
    admin.wait_for_load_state("load")


def test_an_editor_publishes_issue_129_from_the_review_queue(recorded_apis, queue, live_server, browser, artifacts_dir):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "editor-password-1")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    admin = context.new_page()
    admin.goto(live_server.url + "/admin/login/?next=/admin/recommendations/recommendation/")
    admin.fill("input[name=username]", "editor")
    admin.fill("input[name=password]", "editor-password-1")
    admin.locator("input[type=submit]").click()
    admin.wait_for_url("**/admin/recommendations/recommendation/")

    with Worker(recorded_apis):
        # 1. Accept the three from the queue.
        shot(admin, artifacts_dir, "1-queue")
        admin.locator("#action-toggle").check()
        choose_action(admin, "accept_selected")
        expect(admin.locator(".messagelist")).to_contain_text("Accepted 3 recommendations")

        # 2. Put them into a new issue: the desk opens on issue 129.
        admin.goto(live_server.url + "/admin/recommendations/recommendation/?status__exact=accepted")
        admin.locator("#action-toggle").check()
        choose_action(admin, "add_to_new_issue")
        expect(admin.locator(".messagelist")).to_contain_text("Added 3 recommendations to issue 129.")
        issue = Issue.objects.get(number=129)
        assert admin.url.endswith(f"/admin/recommendations/issue/{issue.pk}/change/")

        # 3. Order: the NLP papers first (the first row moves down twice), then title and intro.
        rows = admin.locator(".issue-entries tbody tr.has_original")
        expect(rows).to_have_count(3)
        rows.nth(0).get_by_role("button", name="Move down").click()
        rows.nth(1).get_by_role("button", name="Move down").click()
        admin.fill("input[name=title]", "Corners, views and languages")
        admin.fill("textarea[name=intro]", "Three papers this week, two on *language*.")
        shot(admin, artifacts_dir, "2-desk")
        admin.locator("input[name=_continue]").click()
        admin.wait_for_load_state("load")
        first_paper = Recommendation.objects.get(issue_entry__issue=issue, issue_entry__position=1).paper
        assert first_paper.arxiv_id == "1809.08370"
        assert Recommendation.objects.get(issue_entry__position=3).paper.arxiv_id == "1808.01244"

        # 4. Assemble: the workers fetch the three papers and the repository; the panel follows.
        admin.get_by_role("button", name="Assemble").click()
        admin.wait_for_load_state("load")
        expect(admin.locator("#assembly")).to_contain_text("4 of 4 done", timeout=30_000)
        shot(admin, artifacts_dir, "3-assembled")

    # 5. Preview, as readers will see it.
    with context.expect_page() as opened:
        admin.get_by_role("link", name="Preview").click()
    preview = opened.value
    preview.wait_for_load_state("load")
    expect(preview.locator(".notice--draft")).to_be_visible()
    expect(preview.locator(".entry__title").first).to_have_text(CVT)
    shot(preview, artifacts_dir, "4-preview")
    preview.close()

    # 6. Publish.
    admin.get_by_role("link", name="Publish…").click()
    expect(admin.locator(".issue-publish__ready")).to_have_text("Everything is ready.")
    shot(admin, artifacts_dir, "5-publish-page")
    admin.get_by_role("button", name="Publish issue 129 now").click()
    admin.wait_for_load_state("load")
    expect(admin.locator(".messagelist")).to_contain_text("Issue 129 is published.")
    shot(admin, artifacts_dir, "6-published")
    context.close()

    # 7. A reader opens it.
    reader = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = reader.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Corners, views and languages").first.click()
    page.wait_for_url("**/issues/129/")
    expect(page.locator(".entry__title")).to_have_text([CVT, XLM, CORNERNET])
    expect(page.locator(".notice--draft")).to_have_count(0)
    expect(page.locator(".entry").nth(2)).to_contain_text("★ 77,481")
    shot(page, artifacts_dir, "7-public-issue")
    reader.close()

    issue.refresh_from_db()
    assert issue.is_published
    assert set(Recommendation.objects.values_list("status", flat=True)) == {"published"}
