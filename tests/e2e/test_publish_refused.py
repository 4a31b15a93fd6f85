"""An editor presses "Publish" while an entry still waits for its tick: the page says what stands in
the way, next to that entry, and publishes once it is ticked (issue 17, item 4)."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from recommendations.issues import services as issues
from recommendations.models import Issue, IssueEntry, Recommendation
from tests.factories import make_issue, make_paper, make_recommendation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_refused_publish_says_why_next_to_the_entry(live_server, browser, artifacts_dir):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "editor-password-1")
    ready = make_recommendation(status=Recommendation.Status.ACCEPTED, paper=make_paper("A complete paper"))
    pending = make_recommendation(
        status=Recommendation.Status.ACCEPTED, paper=make_paper("A paper still fetching", metadata_status="pending")
    )
    issue = make_issue(129, published=False)
    issues.issue_add_recommendations(issue_id=issue.pk, recommendation_ids=[ready.pk, pending.pk])
    position = IssueEntry.objects.get(recommendation=pending).position

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    admin = context.new_page()
    admin.goto(live_server.url + f"/admin/login/?next=/admin/recommendations/issue/{issue.pk}/publish/")
    admin.fill("input[name=username]", "editor")
    admin.fill("input[name=password]", "editor-password-1")
    admin.locator("input[type=submit]").click()
    admin.wait_for_url(f"**/admin/recommendations/issue/{issue.pk}/publish/")

    button = admin.get_by_role("button", name="Publish issue 129 with the ticked entries")
    expect(button).to_be_enabled()
    button.click()
    admin.wait_for_load_state("load")

    expect(admin.locator(".messagelist .error")).to_contain_text(
        f"Issue 129 was not published: entry {position} is incomplete."
    )
    why = admin.locator(f"#publish-entry-{position} .issue-publish__why")
    expect(why).to_be_visible()
    expect(why).to_contain_text(f"Entry {position} kept the issue from being published")
    box = admin.get_by_label(f"Publish entry {position} as it is")
    expect(box).to_have_attribute("aria-invalid", "true")
    admin.screenshot(path=str(artifacts_dir / "publish-refused-1280.png"), full_page=True)
    assert not Issue.objects.get(pk=issue.pk).is_published

    box.check()
    admin.get_by_role("button", name="Publish issue 129 with the ticked entries").click()
    admin.wait_for_load_state("load")

    expect(admin.locator(".messagelist .success")).to_contain_text("Issue 129 is published.")
    assert Issue.objects.get(pk=issue.pk).is_published
    context.close()
