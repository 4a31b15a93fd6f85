"""A newcomer signs up, recommends a paper, watches its title arrive, and sees an editor accept it.

Everything is real: Chromium drives the live server, a Celery worker process takes the
fetch from Redis and asks the replay servers (standing in for arXiv, Semantic Scholar
and GitHub), and the editor uses the admin's list page without opening the recommendation.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from papers.models import Paper, Repository
from recommendations.accounts.services import signup_token_generator
from recommendations.models import Recommendation
from tests.factories import make_area, make_tag
from tests.recorded import serve
from tests.workers import Worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WRITEUP = (
    "CornerNet drops anchor boxes altogether: it finds an object as a pair of corners, "
    "with a **corner pooling** layer to locate them. Simple, fast and well explained."
)
TITLE = "CornerNet: Detecting Objects as Paired Keypoints"


@pytest.fixture
def recorded_apis(replay):
    replay.arxiv.add(
        "/api/query", body_file="arxiv/legacy-1808.01244.xml", headers={"Content-Type": "application/atom+xml"}
    )
    # Semantic Scholar is busy today: the paper is complete from arXiv alone.
    replay.semantic_scholar.add("/graph/v1/paper/batch", method="POST", status=429)
    replay.semantic_scholar.add("/graph/v1/paper/ARXIV:1808.01244", status=429)
    serve(replay.github, "github/repos-tensorflow-models.json")
    return replay


@pytest.fixture
def topics():
    make_tag("Object detection", area=make_area("CV", name="Computer Vision", position=2))
    make_tag("Sequence labelling", area=make_area("NLP", name="Natural Language Processing", position=1))


def confirmation_path(user):
    """The path of the link the sign-up e-mail holds (the mail itself is tested in test_signup.py)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("signup_confirm", kwargs={"uidb64": uidb64, "token": signup_token_generator.make_token(user)})


def shot(page, artifacts_dir, name):
    page.screenshot(path=str(artifacts_dir / f"recommend-{name}.png"), full_page=True)


def test_a_newcomer_recommends_a_paper_and_an_editor_accepts_it(
    recorded_apis, topics, live_server, browser, artifacts_dir, settings
):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "editor-password-1")
    reader = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = reader.new_page()

    # Sign up from the header.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    page.fill("input[name=handle]", "ada_l")
    page.fill("input[name=email]", "ada@example.org")
    page.fill("input[name=password]", "corner-pooling-2019")
    page.fill("input[name=password2]", "corner-pooling-2019")
    shot(page, artifacts_dir, "1-signup")
    page.locator("form.form button[type=submit], form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    expect(page.locator("main h1")).to_have_text("Check your inbox")

    # Open the link the confirmation e-mail carries, type the password chosen, and confirm.
    page.goto(live_server.url + confirmation_path(get_user_model().objects.get(username="ada_l")))
    page.fill("input[name=password]", "corner-pooling-2019")
    page.get_by_role("button", name="Confirm and log in").click()
    page.wait_for_load_state("load")

    # Log out, then log in again with the new account.
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").click()
    page.fill("input[name=username]", "ada_l")
    page.fill("input[name=password]", "corner-pooling-2019")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")

    # Recommend: a paper link in the arXiv form people copy, and the code on GitHub.
    page.get_by_role("link", name="Recommend a paper").first.click()
    page.wait_for_url("**/recommend/")
    page.get_by_label("Paper link").fill("https://arxiv.org/pdf/1808.01244v2.pdf")
    page.get_by_label("Code optional").fill("https://github.com/tensorflow/models")
    page.get_by_label("Topic", exact=True).select_option(label="Object detection")
    page.get_by_label("Why read it?").fill(WRITEUP)
    # Issue 17: the counter keeps the minimum in view.
    expect(page.locator("[data-count-for=id_writeup]")).to_have_text(f"{len(WRITEUP)} / 3000 · at least 40")
    shot(page, artifacts_dir, "2-form")

    with Worker(recorded_apis):
        page.get_by_role("button", name="Send recommendation").click()
        page.wait_for_url(re.compile(r".*/recommend/\d+/thanks/$"))
        shot(page, artifacts_dir, "3-thanks-pending")
        # The page polls: the title replaces the link without a reload.
        expect(page.locator("[data-paper-title]")).to_have_text(TITLE, timeout=30_000)
        expect(page.locator("[data-paper-state]")).to_have_text("Paper details found.")
        repository = Repository.objects.get(owner="tensorflow", name="models")
        for _ in range(300):
            repository.refresh_from_db()
            if repository.fetch_status != "pending":
                break
            page.wait_for_timeout(100)
    shot(page, artifacts_dir, "4-thanks-found")
    recommendation = Recommendation.objects.get()
    assert recommendation.status == "submitted"
    assert recommendation.paper.arxiv_id == "1808.01244"
    assert repository.stars == 77481

    # The editor accepts it from the review queue, without opening it.
    editor = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    admin = editor.new_page()
    admin.goto(live_server.url + "/admin/login/?next=/admin/recommendations/recommendation/")
    admin.fill("input[name=username]", "editor")
    admin.fill("input[name=password]", "editor-password-1")
    admin.locator("input[type=submit]").click()
    admin.wait_for_url("**/admin/recommendations/recommendation/")
    row = admin.locator("#result_list tbody tr", has_text=TITLE)
    expect(row).to_contain_text("77,481")
    expect(row).to_contain_text("submitted")
    shot(admin, artifacts_dir, "5-review-queue")
    row.locator("input[name=_selected_action]").check()
    admin.select_option("select[name=action]", "accept_selected")
    admin.locator("button[name=index]").click()
    expect(admin.locator(".messagelist")).to_contain_text("ccepted")
    shot(admin, artifacts_dir, "6-accepted")
    editor.close()

    recommendation.refresh_from_db()
    assert recommendation.status == "accepted"
    paper = Paper.objects.get(pk=recommendation.paper_id)
    assert [link.repository.full_name for link in paper.repository_links.all()] == ["tensorflow/models"]

    # The recommender sees the decision.
    page.goto(live_server.url + "/recommend/mine/")
    item = page.locator(f"#rec-{recommendation.pk}")
    expect(item.locator(".status")).to_have_text("accepted")
    expect(item).to_contain_text(TITLE)
    shot(page, artifacts_dir, "7-mine-accepted")
    reader.close()


def test_the_form_and_its_errors_fit_a_phone(topics, live_server, browser, artifacts_dir):
    from recommendations.accounts.services import account_create

    account_create(handle="ada_l", email="ada@example.org", password="corner-pooling-2019")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/?next=/recommend/")
    page.fill("input[name=username]", "ada@example.org")
    page.fill("input[name=password]", "corner-pooling-2019")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/recommend/")
    # The proposal fields appear only once "another topic" is chosen.
    expect(page.locator("[data-proposal]")).to_be_hidden()
    page.get_by_label("Topic", exact=True).select_option("new")
    expect(page.get_by_label("New topic", exact=True)).to_be_focused()
    page.get_by_label("Paper link").fill("https://example.com/paper")
    page.get_by_label("Why read it?").fill("Too short")
    page.get_by_role("button", name="Send recommendation").click()
    page.wait_for_load_state("load")
    expect(page.locator(".form__field--invalid")).to_have_count(4)
    expect(page.get_by_label("Paper link")).to_have_value("https://example.com/paper")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, artifacts_dir, "errors-phone")
    context.close()
