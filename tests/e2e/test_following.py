"""A reader follows a topic (or an author) from its page, finds it in their list, and unfollows it there."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.factories import make_entry, make_issue, make_paper, make_tag

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reader_follows_a_topic_and_unfollows_it_from_the_list(live_server, browser, artifacts_dir, width):
    make_entry(make_issue(128), tag=make_tag("Object Detection", slug="object-detection"))
    get_user_model().objects.create_user("reader", "reader@example.org", "reader-password-1")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()

    page.goto(live_server.url + "/tags/object-detection/")
    page.locator(".page-head").get_by_role("link", name="Log in to follow").click()
    page.fill("input[name=username]", "reader")
    page.fill("input[name=password]", "reader-password-1")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/tags/object-detection/")

    page.locator(".page-head").get_by_role("button", name="Follow").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("You follow #Object Detection.")
    following = page.locator(".page-head .follow-button")
    expect(following).to_have_attribute("aria-pressed", "true")
    expect(following).to_contain_text("Following")
    page.screenshot(path=str(artifacts_dir / f"follow-topic-{width}.png"))

    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="Following").click()
    page.wait_for_url("**/following/")
    expect(page.locator(".following__list")).to_contain_text("#Object Detection")
    page.screenshot(path=str(artifacts_dir / f"following-{width}.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width

    page.locator(".following__list").get_by_role("button", name="Unfollow").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("You no longer follow #Object Detection.")
    expect(page.locator(".following__list")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_it_follows_an_author_from_a_paper_page_and_lists_them(live_server, browser, artifacts_dir, width):
    paper = make_paper("CornerNet: Detecting Objects as Paired Keypoints", authors=["Hei Law", "Jia Deng"])
    make_entry(make_issue(128), paper=paper)
    get_user_model().objects.create_user("reader", "reader@example.org", "reader-password-1")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "reader")
    page.fill("input[name=password]", "reader-password-1")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")

    page.goto(live_server.url + f"/papers/{paper.pk}/")
    page.locator(".paper__authors").get_by_role("link", name="Hei Law").click()
    page.wait_for_url("**/authors/*/")
    expect(page.locator("h1")).to_have_text("Hei Law")
    expect(page.locator(".entry__title")).to_contain_text("CornerNet")
    page.locator(".page-head").get_by_role("button", name="Follow").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("You follow Hei Law.")
    expect(page.locator(".page-head .follow-button")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=str(artifacts_dir / f"follow-author-{width}.png"))

    page.goto(live_server.url + "/following/")
    assert page.title() == "Following · PaperDaily"
    authors = page.locator("section[aria-labelledby=following-authors] .following__list")
    expect(authors).to_contain_text("Hei Law")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    authors.get_by_role("button", name="Unfollow").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("You no longer follow Hei Law.")
    expect(page.locator("section[aria-labelledby=following-authors] .following__list")).to_have_count(0)
    context.close()
