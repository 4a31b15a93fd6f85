"""The back office as an editor sees it at 1280 px: the review queue fits the screen, decisions are
real buttons, links are links, and a paper's authors are typed in place (issue 17, item 11)."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from papers.models import Author, Paper, PaperAuthor
from recommendations.issues import services as issues
from recommendations.models import Recommendation
from tests.factories import make_area, make_issue, make_paper, make_recommendation, make_recommender, make_tag

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_TITLE = (
    "Learning From Less Data: A Unified Data Subset Selection and Active Learning Framework for Computer Vision"
)


@pytest.fixture
def editor(live_server, browser):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "editor-password-1")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", "editor-password-1")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    yield page
    context.close()


@pytest.fixture
def queue():
    tag = make_tag("Person Re-identification", area=make_area("CV", name="Computer Vision", position=2))
    waiting = []
    for n in range(6):
        paper = make_paper(f"{LONG_TITLE} ({n})")
        PaperAuthor.objects.create(paper=paper, author=Author.objects.create(name=f"Author Number {n}"), position=1)
        recommendation = make_recommendation(
            paper=paper,
            recommender=make_recommender(f"a_rather_long_handle_{n}"),
            tag=tag,
            status=Recommendation.Status.SUBMITTED,
            writeup="A long write-up that explains at length why this paper matters. " * 5,
        )
        recommendation.code_links = [f"https://github.com/an-organisation-with-a-long-name/some-repository-{n}"]
        recommendation.save(update_fields=["code_links"])
        waiting.append(recommendation)
    return waiting


def test_the_review_queue_fits_1280_px_and_its_decisions_are_styled_buttons(live_server, editor, queue, artifacts_dir):
    editor.goto(live_server.url + "/admin/recommendations/recommendation/")
    expect(editor.locator("#result_list tbody tr")).to_have_count(6)
    editor.screenshot(path=str(artifacts_dir / "admin-queue-1280.png"), full_page=True)

    assert editor.evaluate("document.scrollingElement.scrollWidth") <= 1280
    # The admin wraps the table in a box that scrolls sideways: cut-off columns show there.
    scroll, client = editor.evaluate(
        "() => [document.querySelector('.results').scrollWidth, document.querySelector('.results').clientWidth]"
    )
    assert scroll <= client, f"the last columns are cut off: {scroll} px of table in a {client} px box"

    editor.goto(live_server.url + f"/admin/recommendations/recommendation/{queue[0].pk}/change/")
    accept = editor.get_by_role("button", name="Accept")
    reject = editor.get_by_role("button", name="Reject…")
    style = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).borderRadius, getComputedStyle(b).cursor]"
    accept_bg, accept_radius, cursor = accept.evaluate(style)
    reject_bg = reject.evaluate(style)[0]
    plain_bg = editor.evaluate("() => getComputedStyle(document.createElement('button')).backgroundColor")
    assert accept_bg not in (plain_bg, "rgba(0, 0, 0, 0)") and reject_bg != accept_bg
    assert accept_radius == "15px" and cursor == "pointer"
    link = editor.locator(".field-code_links_list a")
    expect(link).to_have_attribute("href", "https://github.com/an-organisation-with-a-long-name/some-repository-0")
    editor.screenshot(path=str(artifacts_dir / "admin-recommendation-1280.png"), full_page=True)

    accept.click()
    expect(editor.locator(".messagelist")).to_contain_text("Accepted 1 recommendation")


def test_an_editor_types_a_new_author_and_institutions_in_place(live_server, editor):
    paper = Paper.objects.create(title="CornerNet", metadata_status=Paper.MetadataStatus.OK)

    editor.goto(live_server.url + f"/admin/papers/paper/{paper.pk}/change/")
    editor.fill("textarea[name=institutions]", "Princeton University\nUniversity of Michigan")
    editor.fill("input[name=authorships-0-position]", "1")
    editor.fill("input[name=authorships-0-author_name]", "Hei Law")
    # A name typed in the row itself: no "add another author" popup link to open.
    expect(editor.locator("#authorships-group")).to_be_visible()
    expect(editor.locator("#authorships-group .related-widget-wrapper-link")).to_have_count(0)
    editor.locator("input[name=_continue]").click()
    editor.wait_for_load_state("load")

    expect(editor.locator(".messagelist .success")).to_be_visible()
    paper.refresh_from_db()
    assert paper.institutions == ["Princeton University", "University of Michigan"]
    assert [authorship.author.name for authorship in paper.authorships.select_related("author")] == ["Hei Law"]
    expect(editor.locator("input[name=authorships-0-author_name]")).to_have_value("Hei Law")


def test_step_two_of_an_issue_is_ticked_once_title_and_introduction_are_saved(live_server, editor):
    recommendation = make_recommendation(status=Recommendation.Status.ACCEPTED, paper=make_paper("A paper"))
    issue = make_issue(129, published=False)
    issues.issue_add_recommendations(issue_id=issue.pk, recommendation_ids=[recommendation.pk])

    editor.goto(live_server.url + f"/admin/recommendations/issue/{issue.pk}/change/")
    step = editor.locator(".issue-steps li").nth(1)
    expect(step).not_to_have_class("is-done")
    editor.fill("input[name=title]", "Corners")
    editor.fill("textarea[name=intro]", "One paper this week.")
    editor.locator("input[name=_continue]").click()
    editor.wait_for_load_state("load")

    expect(editor.locator(".issue-steps li").nth(1)).to_have_class("is-done")
