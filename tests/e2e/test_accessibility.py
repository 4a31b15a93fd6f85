"""The pages we serve pass axe-core's WCAG 2.1 A/AA and best-practice rules with no critical or
serious violation, in Chromium, for readers, signed-in recommenders and editors.

axe-core is pinned in tests/e2e/axe/package.json (`make test` runs `npm ci` there)."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from papers.models import Paper, PaperAuthor, Tag
from recommendations.foryou.services import reader_train
from recommendations.models import Follow, LibraryItem, Recommendation, Recommender
from tests.factories import make_entry, make_issue, make_recommendation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"critical", "serious"}
PHONE = {"width": 390, "height": 844}

# Violations in markup we neither write nor can restyle, as rule -> CSS selectors of the nodes excused.
THIRD_PARTY = {
    # Swagger UI renders each operation's summary as a button holding the copy-path and lock buttons.
    "nested-interactive": [".swagger-ui .opblock-summary-control"],
}

# Runs axe, then drops the nodes THIRD_PARTY excuses (matched on the element, not on axe's selector text).
RUN_AXE = """
async ([tags, excused]) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes
      .filter((node) => !(excused[violation.id] || []).some(
        (selector) => document.querySelector(node.target[0])?.matches(selector)))
      .map((node) => node.target.join(" ")),
  }));
}
"""

# (id, path, who is signed in); paths with {draft} are the unpublished issue's primary key.
PAGES = [
    ("home", "/", None),
    ("archive", "/issues/", None),
    ("issue", "/issues/128/", None),
    ("paper", "/papers/2771/", None),
    ("topic", "/tags/object-detection/", None),
    ("recommender", "/recommenders/{recommender}/", None),
    ("leaderboard", "/recommenders/", None),
    ("search-results", "/search/?q=CornerNet", None),
    ("search-empty", "/search/?q=zzzznothinglikethis", None),
    ("search-topic", "/search/?q=%E7%9B%AE%E6%A0%87%E6%A3%80%E6%B5%8B", None),
    ("login", "/accounts/login/", None),
    ("signup", "/accounts/signup/", None),
    ("password-reset", "/accounts/password/reset/", None),
    ("signup-sent", "/accounts/signup/sent/", None),
    ("recommend", "/recommend/", "reader"),
    ("profile", "/accounts/profile/", "reader"),
    ("mine", "/recommend/mine/", "reader"),
    ("following", "/following/", "reader"),
    ("topic-signed-in", "/tags/object-detection/", "reader"),
    ("for-you", "/for-you/", "reader"),
    ("author", "/authors/{author}/", None),
    ("digest", "/digest/", "reader"),
    ("library", "/library/", "reader"),
    ("api-token", "/accounts/api-token/", "reader"),
    ("privacy", "/account/privacy/", "reader"),
    ("account-delete", "/account/delete/", "reader"),
    ("api-docs", "/api/docs/", None),
    ("admin-index", "/admin/", "editor"),
    ("admin-recommendations", "/admin/recommendations/recommendation/", "editor"),
    ("admin-recommendation", "/admin/recommendations/recommendation/{waiting}/change/", "editor"),
    ("admin-paper", "/admin/papers/paper/{paper}/change/", "editor"),
    ("admin-issue", "/admin/recommendations/issue/{draft}/change/", "editor"),
    ("admin-publish", "/admin/recommendations/issue/{draft}/publish/", "editor"),
]


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/e2e/axe` (make test does).")
    return AXE.read_text()


@pytest.fixture
def site():
    """Demo issue 128, a draft 129 for the admin pages, a reader with a profile and an editor."""
    call_command("loaddemo", verbosity=0)
    draft = make_issue(129, published=False)
    make_entry(draft, writeup="First in the draft, and **clear**.")
    users = get_user_model().objects
    reader = users.create_user("reader", "reader@example.org", "reader-password-1")
    mine = make_recommendation(
        recommender=Recommender.objects.create(handle="reader", user=reader),
        status=Recommendation.Status.SUBMITTED,
        writeup="Corner pooling, **explained** well.",
    )
    Recommendation.objects.filter(pk=mine.pk).update(code_links=["https://github.com/princeton-vl/CornerNet"])
    Follow.objects.create(user=reader, tag=Tag.objects.get(slug="object-detection"))
    Follow.objects.create(user=reader, recommender=Recommender.objects.get(handle="QAQ"))
    author = PaperAuthor.objects.filter(paper__recommendations__issue_entry__issue__number=128).first().author
    Follow.objects.create(user=reader, author=author)
    # A library with a note and a read mark, and picks learnt from it.
    for paper in Paper.objects.filter(recommendations__issue_entry__issue__number=128).order_by("pk")[:3]:
        LibraryItem.objects.create(user=reader, paper=paper, note="Worth a second read.", read_at=timezone.now())
    reader_train(user_id=reader.pk)
    # A superuser: the Editors group, made by a migration, is gone once a transactional test has flushed the tables.
    users.create_superuser("editor", "editor@example.org", "editor-password-1")
    recommender = Recommender.objects.filter(recommendations__issue_entry__issue__number=128).first()
    return {
        "draft": draft.pk,
        "recommender": recommender.handle,
        "waiting": mine.pk,
        "author": author.pk,
        "paper": mine.paper_id,
        "users": {"reader": reader},
    }


def open_page(browser, live_server, path, *, user=None, viewport=None, language=None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="en-GB")
    host = live_server.url.split("//", 1)[1].split(":")[0]
    cookies = []
    if user is not None:
        client = Client()
        client.force_login(get_user_model().objects.get(username=user))
        cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"})
    if language:
        cookies.append({"name": "django_language", "value": language, "domain": host, "path": "/"})
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    response = page.goto(live_server.url + path)
    page.wait_for_load_state("load")
    # The page itself, not a log-in page it redirected to.
    assert response.status == 200 and page.url == live_server.url + path, f"{path}: {response.status} at {page.url}"
    if language:
        assert page.evaluate("document.documentElement.lang") == language
    return context, page


def blocking_violations(page, axe_source):
    # Evaluated through DevTools, which the page's Content-Security-Policy does not govern.
    page.evaluate(axe_source)
    lines = []
    for violation in page.evaluate(RUN_AXE, [TAGS, THIRD_PARTY]):
        if violation["impact"] in BLOCKING and violation["targets"]:
            targets = violation["targets"]
            lines.append(
                f"{violation['id']} ({violation['impact']}, {len(targets)}x): {violation['help']} -- "
                + " | ".join(targets[:4])
            )
    return lines


def check(browser, live_server, site, axe_source, path, **kwargs):
    path = path.format(**site)
    context, page = open_page(browser, live_server, path, **kwargs)
    try:
        if path.startswith("/api/docs/"):
            page.locator(".opblock").first.wait_for(timeout=15_000)
        lines = blocking_violations(page, axe_source)
    finally:
        context.close()
    assert lines == [], f"{path}:\n" + "\n".join(lines)


@pytest.mark.parametrize(("path", "user"), [(path, user) for _, path, user in PAGES], ids=[id for id, _, _ in PAGES])
def test_it_has_no_serious_violation_on_a_desktop(browser, live_server, site, axe_source, path, user):
    check(browser, live_server, site, axe_source, path, user=user)


@pytest.mark.parametrize("path", ["/", "/issues/128/"], ids=["home", "issue"])
def test_it_has_no_serious_violation_in_chinese(browser, live_server, site, axe_source, path):
    check(browser, live_server, site, axe_source, path, language="zh-hans")


@pytest.mark.parametrize("path", ["/", "/issues/128/"], ids=["home", "issue"])
def test_it_has_no_serious_violation_on_a_phone(browser, live_server, site, axe_source, path):
    check(browser, live_server, site, axe_source, path, viewport=PHONE)
