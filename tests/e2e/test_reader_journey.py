"""A reader opens the portal, reads issue 128 and follows a paper, in a real browser."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    call_command("loaddemo", verbosity=0)


def test_it_takes_a_reader_from_the_home_page_to_a_paper(demo, live_server, page, artifacts_dir):
    page.goto(live_server.url + "/")
    assert page.title().startswith("PaperDaily")
    page.get_by_role("link", name="PaperDaily #128").first.click()
    page.wait_for_url("**/issues/128/")

    entries = page.locator("article.entry")
    assert entries.count() == 17
    # Entry 14: the column never identified its paper; it says so plainly.
    assert page.locator("#entry-14 .entry__title").inner_text() == "Paper details not recorded"
    page.screenshot(path=str(artifacts_dir / "issue-128.png"), full_page=True)

    page.locator("#entry-9 .entry__title a").click()
    page.wait_for_url("**/papers/2771/")
    assert page.locator("h1").inner_text() == "CornerNet: Detecting Objects as Paired Keypoints"
    assert page.get_by_role("link", name="princeton-vl/CornerNet").is_visible()
    page.screenshot(path=str(artifacts_dir / "paper-2771.png"), full_page=True)
    assert (artifacts_dir / "paper-2771.png").stat().st_size > 10_000


def test_it_reads_well_on_a_phone(demo, live_server, browser, artifacts_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/issues/128/")
    # Nothing sticks out sideways: the page is no wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir / "issue-128-phone.png"), full_page=False)
    context.close()


def test_it_switches_the_interface_to_chinese(demo, live_server, page):
    page.goto(live_server.url + "/issues/128/")
    page.select_option("#language-select", "zh-hans")
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert page.locator("article.entry").count() == 17
