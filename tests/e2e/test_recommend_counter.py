"""The recommend form in a browser: the write-up's bounds shown before sending, and code links on every host refused
or taken with a message that says what the field takes; cards show likes and stars per host."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from papers import services
from papers.identifiers import parse_repo_link
from papers.models import PaperRepository, Repository
from tests.factories import make_area, make_entry, make_issue, make_paper, make_tag

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# Screens a person looks at; tests/artifacts/ unless told otherwise.
SHOTS = Path(os.environ.get("PAPERDAILY_SHOTS", Path(__file__).resolve().parent.parent / "artifacts"))


def signed_in(browser, live_server, width):
    from recommendations.accounts.services import account_create

    account_create(handle="ada_l", email="ada@example.org", password="corner-pooling-2019")
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 500)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/?next=/recommend/")
    page.fill("input[name=username]", "ada@example.org")
    page.fill("input[name=password]", "corner-pooling-2019")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/recommend/")
    return context, page


@pytest.mark.parametrize("width", [390, 1280])
def test_the_counter_shows_its_bounds_and_speaks_only_on_a_change(live_server, browser, width):
    make_tag("Object detection", area=make_area("CV", name="Computer Vision"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = signed_in(browser, live_server, width)
    counter = page.locator("[data-count-for=id_writeup]")
    status = page.locator("[data-count-status-for=id_writeup]")

    expect(counter).to_have_text("0 / 3000 · at least 40")
    box = page.get_by_label("Why read it?")
    box.press_sequentially("Corner pooling")
    expect(counter).to_have_text("14 / 3000 · at least 40")
    expect(status).to_have_text("")  # nothing said while the count only grows
    box.press_sequentially(" finds objects as pairs of corners; simple.")
    expect(counter).to_have_text("57 / 3000 · at least 40")
    expect(status).to_have_text("40 characters reached: long enough.")

    page.get_by_label("Paper link").fill("https://github.com/princeton-vl/CornerNet")
    page.get_by_label("Code").fill("https://gitlab.com/explore\nhttps://huggingface.co/datasets/rajpurkar/squad")
    page.get_by_role("button", name="Send recommendation").click()
    page.wait_for_load_state("load")
    expect(page.locator("#field-paper_link .form__error")).to_contain_text("arXiv, DOI, OpenReview or ACL Anthology")
    expect(page.locator("#field-code_links .form__error")).to_contain_text("This GitLab page is not a repository")
    expect(counter).to_have_text("57 / 3000 · at least 40")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SHOTS / f"recommend-hosts-errors-{width}.png"), full_page=True)
    context.close()


def test_cards_show_stars_and_likes_per_host(live_server, browser, settings):
    settings.PAGE_CACHE_ENABLED = False
    SHOTS.mkdir(parents=True, exist_ok=True)
    paper = make_paper("BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding")
    for position, (link, count) in enumerate(
        [
            ("https://github.com/google-research/bert", 39012),
            ("https://huggingface.co/google-bert/bert-base-uncased", 2341),
            ("https://gitlab.com/libeigen/eigen/-/tree/master/Eigen", 1497),
            ("https://codeberg.org/forgejo/forgejo", None),
        ]
    ):
        ref = parse_repo_link(link)
        repository, _ = services.repository_get_or_create(ref=ref)
        Repository.objects.filter(pk=repository.pk).update(stars=count)
        PaperRepository.objects.create(paper=paper, repository=repository, path=ref.path, position=position)
    make_entry(make_issue(128), paper=paper)

    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(live_server.url + "/issues/128/")
        chips = page.locator(".link-chip--code")
        expect(chips).to_have_count(4)
        expect(chips.nth(1)).to_contain_text("Hugging Face: google-bert/bert-base-uncased")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("article.entry").first.screenshot(path=str(SHOTS / f"card-hosts-{width}.png"))
        context.close()
