"""Issue 128's cards in a real browser: abstract behind a keyboard-operable disclosure, the
paper's date, a PDF link, stars, and a picture that takes no room where there is none."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from papers.models import Repository
from papers.thumbnails import render_first_page
from recommendations.issues.publishing import issue_freeze_missing_cards
from recommendations.models import Issue, IssueEntry
from tests.replay import DATA_DIR

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    """Issue 128 as loaded, its first paper fetched (abstract, date, stars) and drawn."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAGE_CACHE_ENABLED = False
    call_command("loaddemo", verbosity=0)
    issue = Issue.objects.get(number=128)
    entry = IssueEntry.objects.select_related("recommendation__paper").get(issue=issue, position=1)
    paper = entry.recommendation.paper
    paper.abstract = "We propose Cross-View Training, a semi-supervised method for sequence models."
    paper.published_on = datetime.date(2018, 9, 22)
    drawn = render_first_page(
        (DATA_DIR / "arxiv" / "pdf-1808.01244v2.pdf").read_bytes(), memory_bytes=768 * 2**20, timeout=30
    )
    paper.thumbnail.save("page.webp", ContentFile(drawn.webp), save=False)
    paper.thumbnail_width, paper.thumbnail_height = drawn.width, drawn.height
    paper.save()
    Repository.objects.filter(paper_links__paper=paper).update(stars=4321)
    IssueEntry.objects.filter(issue=issue).update(snapshot={})
    issue_freeze_missing_cards(issue_id=issue.pk)
    return paper


def text_right(locator):
    """Where the text of ``locator`` ends on the right: its lines' boxes, not its block's."""
    return locator.evaluate(
        """el => {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            let right = 0;
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const range = document.createRange();
                range.selectNodeContents(node);
                for (const rect of range.getClientRects()) right = Math.max(right, rect.right);
            }
            return right;
        }"""
    )


def shoot(page, artifacts_dir, name):
    page.screenshot(path=str(artifacts_dir / name), full_page=False)


def test_a_card_shows_the_papers_facts_and_its_first_page(demo, live_server, page, artifacts_dir):
    page.goto(live_server.url + "/issues/128/")
    card = page.locator("#entry-1")
    card.scroll_into_view_if_needed()

    assert card.locator("time").get_attribute("datetime") == "2018-09-22"
    assert card.locator("time").inner_text() == "22 Sep 2018"
    assert card.get_by_role("link", name="PDF").get_attribute("href") == "https://arxiv.org/pdf/1809.08370"
    assert "★ 4,321" in card.locator(".link-chip--code").inner_text()

    picture = card.locator(".card-picture img")
    assert picture.is_visible()
    assert picture.get_attribute("alt") == "First page of the paper"
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 320
    # Beside the write-up on a wide screen: the write-up's lines end before the picture starts.
    shown = picture.bounding_box()
    assert text_right(card.locator(".entry__writeup")) <= shown["x"]
    assert shown["x"] + shown["width"] > card.bounding_box()["x"] + card.bounding_box()["width"] * 0.7
    shoot(page, artifacts_dir, "cards-issue-128-1280.png")


def test_the_abstract_opens_and_closes_from_the_keyboard(demo, live_server, page):
    page.goto(live_server.url + "/issues/128/")
    disclosure = page.locator("#entry-1 details.abstract")
    abstract = disclosure.locator("p")
    assert not abstract.is_visible()

    disclosure.locator("summary").focus()
    page.keyboard.press("Enter")
    assert abstract.is_visible()
    assert abstract.inner_text().startswith("We propose Cross-View Training")

    page.keyboard.press("Space")
    assert not abstract.is_visible()


def test_a_card_without_a_picture_leaves_no_gap(demo, live_server, page):
    page.goto(live_server.url + "/issues/128/")
    plain = page.locator("#entry-2")

    assert plain.locator(".card-picture").count() == 0
    card = plain.bounding_box()
    padding_right = plain.evaluate("el => parseFloat(getComputedStyle(el).paddingRight)")
    # The write-up's lines run to the card's inner edge (less one word's wrap): no column is kept
    # for a missing picture.
    assert text_right(plain.locator(".entry__writeup")) >= card["x"] + card["width"] - padding_right - 80


def test_on_a_phone_the_first_page_is_left_out_and_nothing_overflows(demo, live_server, browser, artifacts_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/issues/128/")
    card = page.locator("#entry-1")
    card.scroll_into_view_if_needed()

    assert not card.locator(".card-picture img").is_visible()
    assert card.locator("time").is_visible()
    assert card.get_by_role("link", name="PDF").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, artifacts_dir, "cards-issue-128-390.png")
    context.close()
