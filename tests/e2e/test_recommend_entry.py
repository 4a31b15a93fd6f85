"""A signed-out visitor finds how to recommend a paper: in the header at any width, and in the
issue's introduction; signing in leads straight on to the form (issue 17, item 3)."""

import pytest
from playwright.sync_api import expect

from recommendations.accounts.services import account_create
from tests.factories import make_issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "plastic-synapses-2018"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_signed_out_visitor_goes_from_the_header_through_the_login_to_the_form(
    live_server, browser, artifacts_dir, width
):
    account_create(handle="ada_l", email="ada@example.org", password=PASSWORD)
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()

    page.goto(live_server.url + "/")
    cta = page.locator(".site-header").get_by_role("link", name="Recommend a paper")
    expect(cta).to_be_visible()
    box = cta.bounding_box()
    assert box["y"] + box["height"] <= 800, "the call to action is in the first screenful"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, "and inside the page's width"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    page.screenshot(path=str(artifacts_dir / f"header-signed-out-{width}.png"))

    cta.click()
    page.wait_for_url("**/accounts/login/?next=/recommend/")
    page.fill("input[name=username]", "ada_l")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()

    page.wait_for_url("**/recommend/")
    expect(page.locator("main h1")).to_have_text("Recommend a paper")
    context.close()


def test_the_issue_introductions_recommend_a_paper_is_a_link_to_the_form(live_server, page):
    issue = make_issue(128, intro="Read something others should not miss? [Recommend a paper](/recommend/).")

    page.goto(live_server.url + issue.get_absolute_url())
    page.locator("main").get_by_role("link", name="Recommend a paper").click()

    page.wait_for_url("**/accounts/login/?next=/recommend/")


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_the_signed_out_header_is_one_row_at_1280_px(live_server, browser, locale):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
    page = context.new_page()

    page.goto(live_server.url + "/issues/")

    tops = page.evaluate(
        "() => ['.brand', '.site-nav', '.site-search', '.user-nav', '.lang-switch']"
        ".map(s => Math.round(document.querySelector(s).getBoundingClientRect().top))"
    )
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 80, f"the header wraps: {tops}"
    context.close()
