"""The home page at a glance, and what readers and editors see of papers whose details are missing:
demo issue 128 in Chromium, at a desktop's and a phone's width."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from papers.models import Paper
from recommendations.models import Recommendation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# What the home page measured when it repeated the whole of issue 128 at 1280 px.
OLD_HOME_HEIGHT = 7222
ENTRY_14_PAPER = 2691  # the column never identified this entry's paper
FAILED = "could not reach arXiv: [Errno 101] Network is unreachable"


@pytest.fixture
def demo(transactional_db):
    call_command("loaddemo", verbosity=0)


def open_page(browser, live_server, path, *, viewport=DESKTOP, staff=False):
    context = browser.new_context(viewport=viewport, locale="en-GB")
    if staff:
        editor = get_user_model().objects.create_user("editor", "editor@example.org", "x", is_staff=True)
        client = Client()
        client.force_login(editor)
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
        )
    page = context.new_page()
    response = page.goto(live_server.url + path)
    assert response.status == 200
    return context, page


def page_height(page):
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_home_page_shows_issue_128_at_a_glance(demo, browser, live_server, artifacts_dir):
    titles = [
        rec.paper.title or "Paper details not recorded"
        for rec in Recommendation.objects.filter(issue_entry__issue__number=128)
        .select_related("paper")
        .order_by("issue_entry__position")
    ]
    context, page = open_page(browser, live_server, "/")

    assert page.locator(".latest .digest__title").all_inner_texts() == titles
    assert len(titles) == 17
    height = page_height(page)
    assert height < 3000, f"the home page is {height} px tall at 1280 px (it was {OLD_HOME_HEIGHT})"
    box = page.locator(".newsletter-box").bounding_box()
    assert box["y"] + box["height"] <= DESKTOP["height"], "the newsletter box is below the first screen"
    expect(page.locator(".newsletter-box input[type=email]")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "home-1280.png"), full_page=True)
    context.close()

    context, page = open_page(browser, live_server, "/", viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator(".latest .digest__title").count() == 17
    page.screenshot(path=str(artifacts_dir / "home-390.png"), full_page=True)
    context.close()


def test_entry_14_reads_plainly_on_the_issue_and_its_paper_page(demo, browser, live_server, artifacts_dir):
    context, page = open_page(browser, live_server, "/issues/128/")
    entry = page.locator("#entry-14")
    expect(entry.locator(".entry__title")).to_have_text("Paper details not recorded")
    expect(entry.locator(".entry__writeup")).not_to_be_empty()
    expect(entry.locator(".entry__recommender")).to_contain_text("@")
    assert entry.locator(".pill--pending").count() == 0
    entry.screenshot(path=str(artifacts_dir / "issue-128-entry-14.png"))

    entry.locator(".entry__title a").click()
    page.wait_for_url(f"**/papers/{ENTRY_14_PAPER}/")
    expect(page.locator("h1")).to_have_text("Paper details not recorded")
    assert page.locator(".notice").count() == 0
    body = page.locator("main").inner_text()
    assert "will complete" not in body and "pending" not in body.lower()
    page.screenshot(path=str(artifacts_dir / "paper-entry-14.png"), full_page=True)
    context.close()


def test_a_failed_fetch_is_calm_for_readers_and_explained_to_editors(demo, browser, live_server, artifacts_dir):
    paper = Paper.objects.filter(recommendations__issue_entry__issue__number=128).exclude(title="").first()
    Paper.objects.filter(pk=paper.pk).update(metadata_status=Paper.MetadataStatus.FAILED, metadata_error=FAILED)
    path = f"/papers/{paper.pk}/"

    context, page = open_page(browser, live_server, path)
    expect(page.locator("h1")).to_have_text(paper.title)
    assert page.locator(".notice").count() == 0
    assert "could not reach arXiv" not in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts_dir / "paper-failed-reader.png"), full_page=True)
    context.close()

    context, page = open_page(browser, live_server, path, staff=True)
    note = page.locator(".notice--editor")
    expect(note).to_be_visible()
    expect(note).to_contain_text("failed")
    expect(note).to_contain_text(FAILED)
    expect(note.get_by_role("link", name="Complete the details or fetch again in the admin")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "paper-failed-editor.png"), full_page=True)
    context.close()
