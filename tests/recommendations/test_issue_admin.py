"""The issue desk in the admin: create, fill, order, assemble, publish and unpublish an issue."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from papers.models import Paper
from recommendations.issues import publishing
from recommendations.issues import services as issues
from recommendations.models import Issue, IssueEntry, Recommendation
from tests.factories import make_issue, make_paper, make_recommendation

pytestmark = pytest.mark.django_db

Status = Recommendation.Status
ISSUES = "/admin/recommendations/issue/"


def accepted(title=None, **fields):
    return make_recommendation(status=Status.ACCEPTED, paper=make_paper(title), **fields)


def draft_with(*recommendations, number=None):
    issue = make_issue(number, published=False)
    issues.issue_add_recommendations(issue_id=issue.pk, recommendation_ids=[r.pk for r in recommendations])
    return issue


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_url(issue, suffix="change/"):
    return f"{ISSUES}{issue.pk}/{suffix}"


def change_form_data(issue, **overrides):
    """What the change form posts: the issue's fields and its entries' formset."""
    entries = list(issue.entries.order_by("position"))
    data = {
        "title": issue.title,
        "intro": issue.intro,
        "scheduled_at_0": "",
        "scheduled_at_1": "",
        "entries-TOTAL_FORMS": str(len(entries)),
        "entries-INITIAL_FORMS": str(len(entries)),
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
    }
    for i, entry in enumerate(entries):
        data[f"entries-{i}-id"] = str(entry.pk)
        data[f"entries-{i}-issue"] = str(issue.pk)
        data[f"entries-{i}-position"] = str(entry.position)
    data.update(overrides)
    return data


# --- Creating the next issue


def test_it_creates_the_next_number_from_the_add_button(editor_client):
    make_issue(128)

    page = editor_client.get(f"{ISSUES}add/")
    response = editor_client.post(f"{ISSUES}add/")

    assert "Create issue 129" in page.content.decode()
    issue = Issue.objects.get(number=129)
    assert response.status_code == 302 and response["Location"] == change_url(issue)
    assert issue.status == Issue.Status.DRAFT
    assert LogEntry.objects.filter(object_id=str(issue.pk)).exists()


def test_it_lets_only_the_newest_draft_be_deleted(admin_client):
    older, newest = make_issue(128, published=False), make_issue(129, published=False)

    assert admin_client.get(change_url(older, "delete/")).status_code == 403
    assert admin_client.get(change_url(newest, "delete/")).status_code == 200


# --- Filling a draft


def test_it_lists_accepted_recommendations_waiting_and_adds_the_ticked_ones(editor_client):
    first, second = accepted("Waiting paper one"), accepted("Waiting paper two")
    make_recommendation(status=Status.SUBMITTED, paper=make_paper("Not yet accepted"))
    issue = make_issue(129, published=False)

    page = editor_client.get(change_url(issue)).content.decode()
    response = editor_client.post(change_url(issue, "add-entries/"), {"recommendation": [second.pk, first.pk, "x"]})

    assert "Waiting paper one" in page and "Waiting paper two" in page and "Not yet accepted" not in page
    assert response.status_code == 302
    assert list(issue.entries.order_by("position").values_list("recommendation_id", flat=True)) == [second.pk, first.pk]
    assert "Added 2 recommendations to issue 129." in texts(response)


def test_it_answers_a_get_of_the_add_button_with_405(editor_client):
    assert editor_client.get(change_url(make_issue(published=False), "add-entries/")).status_code == 405


def test_it_adds_from_the_review_queue_with_an_action_per_draft(editor_client):
    issue = make_issue(129, published=False)
    first, second = accepted(), accepted()

    response = editor_client.post(
        "/admin/recommendations/recommendation/",
        {"action": f"add_to_issue_{issue.pk}", "_selected_action": [first.pk, second.pk]},
    )

    assert response.status_code == 302 and response["Location"] == change_url(issue)
    assert issue.entries.count() == 2


def test_it_creates_the_issue_from_the_review_queue_when_no_draft_is_open(editor_client):
    make_issue(128)
    recommendation = accepted()

    editor_client.post(
        "/admin/recommendations/recommendation/",
        {"action": "add_to_new_issue", "_selected_action": [recommendation.pk]},
    )

    assert IssueEntry.objects.get(recommendation=recommendation).issue.number == 129


def test_it_reports_what_the_review_queue_action_could_not_add(editor_client):
    issue = make_issue(129, published=False)
    submitted = make_recommendation(status=Status.SUBMITTED)

    response = editor_client.post(
        "/admin/recommendations/recommendation/",
        {"action": f"add_to_issue_{issue.pk}", "_selected_action": [submitted.pk]},
        follow=True,
    )

    assert any("Only accepted recommendations go into an issue" in text for text in texts(response))
    assert issue.entries.count() == 0


# --- Ordering


def test_it_saves_the_order_the_editor_left_and_numbers_it_without_gaps(editor_client):
    a, b, c = accepted(), accepted(), accepted()
    issue = draft_with(a, b, c)
    entries = {entry.recommendation_id: entry for entry in issue.entries.all()}
    data = change_form_data(issue, title="Corners and graphs", intro="This week: *corners*.")
    # Dragged: c first, then a, then b, typed with gaps.
    for i, entry in enumerate(issue.entries.order_by("position")):
        data[f"entries-{i}-position"] = {a.pk: "5", b.pk: "9", c.pk: "1"}[entry.recommendation_id]

    response = editor_client.post(change_url(issue), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    issue.refresh_from_db()
    assert issue.title == "Corners and graphs" and "<em>corners</em>" in issue.intro_html
    assert list(issue.entries.order_by("position").values_list("recommendation_id", "position")) == [
        (c.pk, 1),
        (a.pk, 2),
        (b.pk, 3),
    ]
    assert set(entries) == {a.pk, b.pk, c.pk}


def test_it_refuses_two_entries_at_one_position(editor_client):
    first, second = accepted(), accepted()
    issue = draft_with(first, second)
    data = change_form_data(issue, title="Kept?", **{"entries-0-position": "1", "entries-1-position": "1"})

    response = editor_client.post(change_url(issue), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for position." in response.content.decode()
    issue.refresh_from_db()
    assert issue.title == ""
    assert list(issue.entries.order_by("position").values_list("recommendation_id", flat=True)) == [first.pk, second.pk]


def test_it_refuses_a_publication_time_in_the_past(editor_client):
    issue = draft_with(accepted())
    past = timezone.localtime() - timedelta(days=1)
    data = change_form_data(issue, scheduled_at_0=past.strftime("%Y-%m-%d"), scheduled_at_1="08:00:00")

    response = editor_client.post(change_url(issue), data)

    assert response.status_code == 200
    assert "Choose a time in the future" in response.content.decode()


def test_it_schedules_a_publication_time_in_the_future(editor_client):
    issue = draft_with(accepted())
    future = timezone.localtime() + timedelta(days=2)
    data = change_form_data(issue, scheduled_at_0=future.strftime("%Y-%m-%d"), scheduled_at_1="08:00:00")

    assert editor_client.post(change_url(issue), data).status_code == 302
    issue.refresh_from_db()
    assert issue.scheduled_at is not None and not issue.is_published
    listing = editor_client.get(ISSUES).content.decode()
    assert "draft, to be published" in listing


# --- Assembling


def test_it_assembles_from_the_button_and_shows_progress(
    editor_client, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("recommendations.issues.tasks.refresh_issue.apply_async", lambda *args, **kwargs: None)
    issue = draft_with(accepted(), accepted())

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(change_url(issue, "assemble/"))
    panel = editor_client.get(change_url(issue, "assembly/"))

    assert response.status_code == 302 and response["Location"].endswith("#assembly")
    assert "0 of 2 done" in panel.content.decode()
    assert "no-store" in panel["Cache-Control"]
    Paper.objects.update(fetched_at=timezone.now() + timedelta(seconds=1))
    assert "2 of 2 done" in editor_client.get(change_url(issue)).content.decode()


def test_it_answers_an_unknown_issue_with_404(editor_client):
    assert editor_client.get(f"{ISSUES}987654/assembly/").status_code == 404
    assert editor_client.get(f"{ISSUES}987654/publish/").status_code == 404


# --- Publishing


def test_step_two_is_ticked_once_title_and_introduction_are_saved(editor_client):
    issue = draft_with(accepted("A paper"), number=132)

    def step_two():
        page = editor_client.get(change_url(issue)).content.decode()
        return re.search(r'<li class="([^"]*)">Order them and write the title and introduction', page).group(1)

    assert step_two() == ""
    Issue.objects.filter(pk=issue.pk).update(title="Corners", intro="Three papers this week.")
    assert step_two() == "is-done"


def test_it_lists_what_stands_in_the_way_of_publishing(editor_client):
    untitled = make_recommendation(status=Status.ACCEPTED, paper=make_paper(""))
    pending = make_recommendation(status=Status.ACCEPTED, paper=make_paper("Pending paper", metadata_status="pending"))
    issue = draft_with(untitled, pending)

    page = editor_client.get(change_url(issue, "publish/")).content.decode()

    assert "The issue cannot be published yet" in page
    assert "the paper has no title" in page
    assert f'name="incomplete" value="{IssueEntry.objects.get(recommendation=pending).pk}"' in page
    assert f"/admin/papers/paper/{untitled.paper_id}/change/" in page


def test_it_publishes_with_the_editors_override(editor_client):
    pending = make_recommendation(status=Status.ACCEPTED, paper=make_paper("Pending paper", metadata_status="pending"))
    issue = draft_with(accepted(), pending, number=129)
    entry = IssueEntry.objects.get(recommendation=pending)

    refused = editor_client.post(change_url(issue, "publish/"), {})
    assert refused.status_code == 200 and not Issue.objects.get(pk=issue.pk).is_published

    response = editor_client.post(change_url(issue, "publish/"), {"incomplete": [entry.pk]})

    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.is_published and issue.published_by.username == "editor"
    assert "Issue 129 is published." in texts(response)[0]
    page = editor_client.get(change_url(issue)).content.decode()
    assert "/issues/129/export.md" in page and "Unpublish" not in page


def test_a_refused_publish_says_why_next_to_the_entry_and_keeps_the_button_honest(editor_client):
    pending = make_recommendation(status=Status.ACCEPTED, paper=make_paper("Pending paper", metadata_status="pending"))
    issue = draft_with(accepted(), pending, number=130)
    position = IssueEntry.objects.get(recommendation=pending).position

    before = editor_client.get(change_url(issue, "publish/")).content.decode()
    refused = editor_client.post(change_url(issue, "publish/"), {})

    assert 'value="Publish issue 130 with the ticked entries"' in before
    assert "1 entry is incomplete: it is published only if its box above is ticked." in before
    assert "kept the issue from being published" not in before
    assert refused.status_code == 200 and not Issue.objects.get(pk=issue.pk).is_published
    page = refused.content.decode()
    assert (
        f'<li class="error">Issue 130 was not published: entry {position} is incomplete. '
        f"Tick “Publish entry {position} as it is” below, or fix it first.</li>" in page
    )
    assert (
        f'<p class="errornote issue-publish__why" id="publish-entry-{position}-error">Entry {position} kept the issue'
        in page
    )
    assert f'aria-describedby="publish-entry-{position}-error"' in page


def test_a_publish_with_a_problem_no_tick_can_pass_disables_the_button(editor_client):
    issue = draft_with(make_recommendation(status=Status.ACCEPTED, paper=make_paper("")), number=131)

    page = editor_client.get(change_url(issue, "publish/")).content.decode()
    refused = editor_client.post(change_url(issue, "publish/"), {})

    assert 'value="Publish issue 131 now" disabled' in page
    assert "Publishing is not possible until the problems at the top are fixed." in page
    assert (
        '<li class="error">Issue 131 was not published: fix the problems listed at the top of this page first.</li>'
        in refused.content.decode()
    )


def test_it_shows_a_draft_to_editors_only(editor_client):
    issue = draft_with(accepted("Draft paper"), number=129)

    assert Client().get("/issues/129/").status_code == 404
    preview = editor_client.get("/issues/129/").content.decode()
    assert "Draft preview" in preview and "Draft paper" in preview
    assert issue.status == Issue.Status.DRAFT


def test_it_lets_only_a_superuser_unpublish(editor_client, admin_client):
    issue = draft_with(accepted(), number=129)
    publishing.issue_publish(issue_id=issue.pk)

    assert editor_client.get(change_url(issue, "unpublish/")).status_code == 403
    assert editor_client.post(change_url(issue, "unpublish/")).status_code == 403
    assert "Unpublish…" in admin_client.get(change_url(issue)).content.decode()
    response = admin_client.post(change_url(issue, "unpublish/"))

    assert response.status_code == 302
    issue.refresh_from_db()
    assert not issue.is_published
    assert LogEntry.objects.filter(object_id=str(issue.pk), change_message__contains="Unpublished").exists()


def test_it_freezes_the_entries_of_a_published_issue_in_the_admin(admin_client):
    issue = draft_with(accepted(), number=129)
    publishing.issue_publish(issue_id=issue.pk)

    page = admin_client.get(change_url(issue)).content.decode()

    assert 'name="entries-0-position"' not in page
    assert 'name="scheduled_at_0"' not in page


def test_it_polls_the_assembly_in_a_constant_number_of_queries(editor_client, django_assert_max_num_queries):
    small, large = draft_with(accepted()), draft_with(*[accepted() for _ in range(20)])
    Issue.objects.update(assembly_started_at=timezone.now())

    with django_assert_max_num_queries(7) as few:
        editor_client.get(change_url(small, "assembly/"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = editor_client.get(change_url(large, "assembly/"))

    assert "0 of 20 done" in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1" * 40, "１２", ""])
def test_it_leaves_out_what_cannot_be_an_id_when_adding(editor_client, value):
    issue = make_issue(129, published=False)
    recommendation = accepted()

    response = editor_client.post(change_url(issue, "add-entries/"), {"recommendation": [recommendation.pk, value]})

    assert response.status_code == 302
    assert list(issue.entries.values_list("recommendation_id", flat=True)) == [recommendation.pk]


@pytest.mark.parametrize("value", ["abc", "1" * 40, "-5"])
def test_it_refuses_a_tampered_action_selection_in_any_list(editor_client, value):
    issue = make_issue(129, published=False)
    recommendation = accepted()

    for url, action in [
        ("/admin/recommendations/recommendation/", f"add_to_issue_{issue.pk}"),
        ("/admin/recommendations/recommendation/", "accept_selected"),
        ("/admin/papers/paper/", "delete_selected"),
    ]:
        response = editor_client.post(url, {"action": action, "_selected_action": [recommendation.pk, value]})

        assert response.status_code == 302, url
        assert "The selection was not valid, so nothing was done." in texts(response)
    assert issue.entries.count() == 0
