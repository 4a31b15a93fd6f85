"""The Content-Security-Policy blocks nothing the portal needs: reader pages, the admin's
issue desk (ordering, the polling assembly panel, the publish page) and the API docs all
work in Chromium under the header the server sends, with no violation reported."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from recommendations.models import Issue, Recommendation
from tests.factories import make_entry, make_issue, make_recommendation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Collects what the browser reports; the listener is added by CDP, so the policy does not apply to it.
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber} (${event.sample})`);
});
"""


class Watched:
    """A page whose CSP violations, console errors and uncaught exceptions are kept."""

    def __init__(self, context):
        self.violations = []
        self.console = []
        self.errors = []
        context.expose_function("reportViolation", lambda text: self.violations.append(text))
        context.add_init_script(LISTEN)
        self.page = context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message):
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text} ({self.page.url})")

    def goto(self, url):
        response = self.page.goto(url)
        self.page.wait_for_load_state("load")
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        return response

    def assert_clean(self):
        assert self.violations == [], "\n".join(self.violations)
        assert [text for text in self.console if "Content Security Policy" in text or "Refused" in text] == []
        assert self.errors == []


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield Watched(context)
    context.close()


@pytest.fixture
def desk():
    """Issue 128 is out; draft 129 holds two entries, and one more accepted recommendation waits."""
    call_command("loaddemo", verbosity=0)
    draft = make_issue(129, published=False)
    make_entry(draft, writeup="First in the draft, and **clear**.")
    make_entry(draft, writeup="Second in the draft, with its code.")
    make_recommendation(status=Recommendation.Status.ACCEPTED, writeup="Waiting for an issue.")
    # A superuser: the Editors group, made by a migration, is gone once a transactional test has flushed the tables.
    get_user_model().objects.create_superuser("editor", "editor@example.org", "editor-password-1")
    return draft


def test_it_shows_the_reader_pages_without_a_violation(desk, live_server, watched):
    watched.goto(live_server.url + "/")
    watched.page.get_by_role("link", name="PaperDaily #128").first.click()
    watched.page.wait_for_url("**/issues/128/")
    expect(watched.page.locator("article.entry")).to_have_count(17)
    watched.page.locator("#entry-9 .entry__title a").click()
    watched.page.wait_for_url("**/papers/2771/")
    watched.goto(live_server.url + "/search/?q=CornerNet")
    expect(watched.page.locator("main")).to_contain_text("CornerNet")
    watched.goto(live_server.url + "/no-such-page/")
    watched.goto(live_server.url + "/accounts/login/")
    # The language form posts and redirects back: form-action 'self' must allow both.
    watched.page.select_option("#language-select", "zh-hans")
    watched.page.wait_for_function("document.documentElement.lang === 'zh-hans'")

    watched.assert_clean()


def test_it_runs_the_issue_desk_without_a_violation(desk, live_server, watched):
    page = watched.page
    watched.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", "editor-password-1")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    watched.goto(live_server.url + "/admin/recommendations/recommendation/")
    page.locator("#action-toggle").check()  # the admin's actions.js
    expect(page.locator(".action-counter")).to_contain_text("selected")

    # Ordering: the arrows are made by issue_admin.js and renumber the position inputs.
    watched.goto(live_server.url + f"/admin/recommendations/issue/{desk.pk}/change/")
    rows = page.locator(".issue-entries tbody tr.has_original")
    expect(rows).to_have_count(2)
    first = rows.nth(0).locator("td.field-position input").get_attribute("name")
    rows.nth(0).get_by_role("button", name="Move down").click()
    expect(page.locator(f"input[name='{first}']")).to_have_value("2")
    # Dragging a row onto another does the same.
    rows.nth(1).drag_to(rows.nth(0))
    expect(page.locator(f"input[name='{first}']")).to_have_value("1")
    # The admin's date widget (DateTimeShortcuts.js) and the "select all" box of the waiting list.
    page.locator(".datetimeshortcuts a").first.click()
    expect(page.locator("#id_scheduled_at_0")).not_to_have_value("")
    page.locator("[data-check-all]").check()
    expect(page.locator("#waiting tbody input[type=checkbox]:checked")).to_have_count(1)

    # Assembly: no worker runs, so the panel keeps asking the server for news.
    page.get_by_role("button", name="Assemble").click()
    page.wait_for_load_state("load")
    expect(page.locator("#assembly")).to_contain_text("the workers are fetching")
    with page.expect_response(lambda r: r.url.endswith(f"/admin/recommendations/issue/{desk.pk}/assembly/")) as polled:
        pass
    assert polled.value.status == 200

    watched.goto(live_server.url + f"/admin/recommendations/issue/{desk.pk}/publish/")
    expect(page.locator(".issue-publish")).to_be_visible()

    # A recommendation's page: the admin's autocomplete (Select2) asks the server as one types.
    waiting = Recommendation.objects.get(status=Recommendation.Status.ACCEPTED, issue_entry__isnull=True)
    watched.goto(live_server.url + f"/admin/recommendations/recommendation/{waiting.pk}/change/")
    page.locator(".field-tag .select2-selection").click()
    page.locator(".select2-search__field").fill("Topic")
    expect(page.locator(".select2-results__option").first).to_contain_text("Topic")
    page.keyboard.press("Escape")

    watched.goto(live_server.url + f"/admin/recommendations/issue/{desk.pk}/publish/")
    expect(page.locator(".issue-publish")).to_be_visible()
    watched.goto(live_server.url + f"/issues/{Issue.objects.get(number=128).number}/export.html")

    watched.assert_clean()


def test_it_runs_swagger_ui_from_our_own_files_without_a_violation(desk, live_server, watched):
    page = watched.page
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    watched.goto(live_server.url + "/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=15_000)
    assert operations.count() > 10
    # Trying an operation out: Swagger UI asks our own API (connect-src 'self').
    issues = page.locator(".opblock-get", has=page.locator("[data-path='/api/issues/']")).first
    issues.locator(".opblock-summary").click()
    issues.get_by_role("button", name="Try it out").click()
    issues.get_by_role("button", name="Execute").click()
    status = issues.locator(".live-responses-table tbody td.response-col_status").first
    expect(status).to_have_text("200", timeout=15_000)
    # Nothing came from another host: no fonts, logos or scripts from a CDN.
    assert [url for url in requested if not url.startswith((live_server.url, "data:"))] == []

    # The ReDoc page is gone; its old address leads here.
    watched.goto(live_server.url + "/api/redoc/")
    assert page.url == live_server.url + "/api/docs/"
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)

    watched.assert_clean()
