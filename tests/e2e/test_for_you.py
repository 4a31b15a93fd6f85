"""A reader follows a topic, saves papers, reads "for you" and dismisses a pick (issue 18)."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.factories import make_entry, make_issue, make_paper, make_tag

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANGUAGE = [
    "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    "XLNet: Generalized Autoregressive Pretraining for Language Understanding",
    "RoBERTa: A Robustly Optimized BERT Pretraining Approach",
    "ELECTRA: Pre-training Text Encoders as Discriminators Rather Than Generators",
    "ALBERT: A Lite BERT for Self-supervised Learning of Language Representations",
]
DETECTION = [
    "CornerNet: Detecting Objects as Paired Keypoints",
    "Focal Loss for Dense Object Detection",
    "FCOS: Fully Convolutional One-Stage Object Detection",
]


def catalogue():
    language = make_tag("Language Models", slug="language-models")
    detection = make_tag("Object Detection", slug="object-detection")
    old, new = make_issue(127), make_issue(128)
    for i, title in enumerate(LANGUAGE):
        make_entry(old if i < 3 else new, paper=make_paper(title, abstract=title), tag=language)
    for title in DETECTION:
        make_entry(new, paper=make_paper(title, abstract=title), tag=detection)


@pytest.mark.parametrize("width", [1280, 390])
def test_follow_save_for_you_not_interested(live_server, browser, artifacts_dir, eager, width):
    catalogue()
    get_user_model().objects.create_user("reader", "reader@example.org", "reader-password-1")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/?next=/tags/language-models/")
    page.fill("input[name=username]", "reader")
    page.fill("input[name=password]", "reader-password-1")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/tags/language-models/")

    # Follow the topic, then save its three papers of the older issue.
    page.locator(".page-head").get_by_role("button", name="Follow").click()
    page.wait_for_load_state("load")
    page.goto(live_server.url + "/issues/127/")
    for _ in range(3):
        page.locator(".entry").get_by_role("button", name="Save").first.click()
        page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("is in your library")
    expect(page.locator(".entry .library-buttons__saved")).to_have_count(3)

    # For you: the newer language papers first, each saying why.
    if width < 600:
        page.goto(live_server.url + "/for-you/")
    else:
        page.get_by_role("navigation").get_by_role("link", name="For you").click()
    page.wait_for_url("**/for-you/")
    titles = page.locator(".search-result__title a")
    expect(titles.first).to_have_text(re.compile("^(ELECTRA|ALBERT):"))
    expect(titles.nth(1)).to_have_text(re.compile("^(ELECTRA|ALBERT):"))
    first_reason = page.locator(".search-result").first.locator(".pick-reason")
    expect(first_reason).not_to_be_empty()
    page.screenshot(path=str(artifacts_dir / f"for-you-{width}.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width

    # Not interested: the pick goes, and stays gone.
    dismissed = titles.first.inner_text()
    page.locator(".search-result").first.get_by_role("button", name="Not interested").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("You will not be shown")
    expect(page.locator(".search-result__title a", has_text=dismissed)).to_have_count(0)

    # The library holds the three saved papers, and a note sticks.
    page.goto(live_server.url + "/library/")
    expect(page.locator(".search-result")).to_have_count(3)
    page.locator(".library-item__note textarea").first.fill("Read section 3 again.")
    page.locator(".library-item__note").first.get_by_role("button", name="Save note").click()
    page.wait_for_load_state("load")
    expect(page.locator(".library-item__note textarea").first).to_have_value("Read section 3 again.")
    page.screenshot(path=str(artifacts_dir / f"library-{width}.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    context.close()
