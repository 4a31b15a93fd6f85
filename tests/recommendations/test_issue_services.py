"""The issue workflow's services: numbering, entries, assembly progress, publishing, scheduling."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from papers.models import Paper, Repository
from recommendations.issues import assembly, publishing
from recommendations.issues import services as issues
from recommendations.issues import tasks as issue_tasks
from recommendations.models import Issue, IssueEntry, NewsletterDelivery, Recommendation, Reward, Subscriber
from recommendations.moderation import tasks as moderation_tasks
from tests.factories import make_issue, make_paper, make_recommendation, make_recommender, make_tag

pytestmark = pytest.mark.django_db

Status = Recommendation.Status


def accepted(**fields):
    fields.setdefault("paper", make_paper(authors=["Hei Law", "Jia Deng"]))
    return make_recommendation(status=Status.ACCEPTED, **fields)


def draft_with(*recommendations, number=None):
    issue = make_issue(number, published=False)
    issues.issue_add_recommendations(issue_id=issue.pk, recommendation_ids=[r.pk for r in recommendations])
    return issue


def positions(issue):
    return list(issue.entries.order_by("position").values_list("recommendation_id", "position"))


# --- Numbering


def test_it_numbers_the_next_issue_after_the_last():
    make_issue(128)

    issue = issues.issue_create_next(title="  Issue of the week ")

    assert (issue.number, issue.title, issue.status) == (129, "Issue of the week", Issue.Status.DRAFT)


def test_it_starts_at_one_on_an_empty_site():
    assert issues.issue_create_next().number == 1


@pytest.mark.django_db(transaction=True)
def test_it_gives_editors_pressing_at_once_consecutive_numbers_without_duplicates_or_gaps():
    assert connection.vendor == "postgresql"
    make_issue(128)
    editors = 8
    barrier = threading.Barrier(editors)
    numbers, errors = [], []

    def press():
        try:
            barrier.wait()
            numbers.append(issues.issue_create_next().number)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == list(range(129, 129 + editors))
    assert sorted(Issue.objects.values_list("number", flat=True)) == list(range(128, 129 + editors))


# --- Entries


def test_it_appends_accepted_recommendations_in_the_order_given():
    first, second, third = accepted(), accepted(), accepted()
    issue = make_issue(published=False)

    added, refused = issues.issue_add_recommendations(
        issue_id=issue.pk, recommendation_ids=[second.pk, first.pk, second.pk, third.pk]
    )

    assert refused == []
    assert positions(issue) == [(second.pk, 1), (first.pk, 2), (third.pk, 3)]
    assert len(added) == 3


def test_it_refuses_recommendations_not_accepted_or_already_in_an_issue():
    submitted = make_recommendation(status=Status.SUBMITTED)
    placed = accepted()
    other = draft_with(placed)
    issue = make_issue(published=False)

    added, refused = issues.issue_add_recommendations(issue_id=issue.pk, recommendation_ids=[submitted.pk, placed.pk])

    assert added == []
    reasons = {recommendation.pk: reason for recommendation, reason in refused}
    assert "Only accepted recommendations" in reasons[submitted.pk]
    assert f"already in issue {other.number}" in reasons[placed.pk]
    assert issue.entries.count() == 0


def test_it_refuses_to_change_the_entries_of_a_published_issue():
    issue = make_issue(published=True)

    with pytest.raises(ValidationError, match="published"):
        issues.issue_add_recommendations(issue_id=issue.pk, recommendation_ids=[accepted().pk])


def test_it_moves_an_entry_up_and_down_and_stops_at_the_ends():
    a, b, c = accepted(), accepted(), accepted()
    issue = draft_with(a, b, c)
    entry_c = IssueEntry.objects.get(recommendation=c)

    issues.issue_move_entry(entry_id=entry_c.pk, offset=-1)
    assert positions(issue) == [(a.pk, 1), (c.pk, 2), (b.pk, 3)]
    issues.issue_move_entry(entry_id=entry_c.pk, offset=-1)
    issues.issue_move_entry(entry_id=entry_c.pk, offset=-1)
    assert positions(issue) == [(c.pk, 1), (a.pk, 2), (b.pk, 3)]


def test_it_reorders_and_closes_the_gap_an_entry_leaves():
    a, b, c = accepted(), accepted(), accepted()
    issue = draft_with(a, b, c)

    issues.issue_reorder(
        issue_id=issue.pk, entry_ids=list(IssueEntry.objects.filter(recommendation=c).values_list("pk", flat=True))
    )
    assert positions(issue) == [(c.pk, 1), (a.pk, 2), (b.pk, 3)]
    issues.issue_remove_entry(entry_id=IssueEntry.objects.get(recommendation=a).pk)
    assert positions(issue) == [(c.pk, 1), (b.pk, 2)]


# --- Assembly


def test_it_assembles_by_queuing_a_refresh_and_reports_progress_item_by_item(
    monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "recommendations.issues.tasks.refresh_issue.apply_async", lambda args, **kw: queued.append(args)
    )
    fine = accepted(paper=make_paper(code_urls=["https://github.com/princeton-vl/CornerNet"]))
    broken = accepted(paper=make_paper(""))
    issue = draft_with(fine, broken)

    with pytest.raises(ValidationError, match="Add recommendations"):
        assembly.issue_assemble(issue_id=make_issue(published=False).pk)
    with django_capture_on_commit_callbacks(execute=True):
        issue = assembly.issue_assemble(issue_id=issue.pk)

    assert queued == [(issue.pk,)]
    progress = assembly.issue_assembly_progress(issue=issue)
    assert (progress.total, progress.done, len(progress.failures), progress.finished) == (3, 0, 0, False)

    # The workers report: one paper fetched, its repository fetched, the other paper failed.
    later = issue.assembly_started_at + timedelta(seconds=5)
    Paper.objects.filter(pk=fine.paper_id).update(fetched_at=later, updated_at=later)
    Repository.objects.all().update(fetched_at=later, updated_at=later, fetch_status="ok")
    Paper.objects.filter(pk=broken.paper_id).update(
        metadata_status="failed", metadata_error="arXiv answered 400: malformed id", updated_at=later
    )

    progress = assembly.issue_assembly_progress(issue=issue)
    assert (progress.total, progress.done, progress.settled, progress.finished) == (3, 2, 3, True)
    [failure] = progress.failures
    assert failure.reason == "arXiv answered 400: malformed id"
    assert failure.fix_url == f"/admin/papers/paper/{broken.paper_id}/change/"


def test_it_has_no_progress_before_the_first_assembly():
    assert assembly.issue_assembly_progress(issue=make_issue(published=False)) is None


# --- Publishing: preconditions


def test_it_refuses_to_publish_an_issue_without_entries():
    issue = make_issue(published=False)

    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.issue_publish(issue_id=issue.pk)

    assert "no entries" in refused.value.messages[0]
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


def test_it_refuses_a_paper_without_a_title_even_with_the_override():
    recommendation = accepted(paper=make_paper("", metadata_status=Paper.MetadataStatus.NEEDS_EDITOR))
    issue = draft_with(recommendation)
    IssueEntry.objects.filter(issue=issue).update(publish_incomplete=True)

    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.issue_publish(issue_id=issue.pk)

    assert [problem.overridable for problem in refused.value.problems] == [False]
    assert "no title" in refused.value.messages[0]


@pytest.mark.parametrize("status", ["pending", "failed", "needs_editor"])
def test_it_refuses_unfinished_metadata_unless_the_entry_is_overridden(status):
    recommendation = accepted(paper=make_paper("A titled paper", metadata_status=status))
    issue = draft_with(recommendation)

    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.issue_publish(issue_id=issue.pk)
    [problem] = refused.value.problems
    assert problem.overridable and problem.entry.recommendation_id == recommendation.pk

    IssueEntry.objects.filter(issue=issue).update(publish_incomplete=True)
    assert publishing.issue_publish(issue_id=issue.pk).is_published


def test_it_refuses_code_not_fetched_yet_unless_overridden():
    paper = make_paper(code_urls=["https://github.com/pending/repo"])
    issue = draft_with(accepted(paper=paper))

    with pytest.raises(publishing.PublishRefused, match="pending/repo"):
        publishing.issue_publish(issue_id=issue.pk)

    Repository.objects.update(fetch_status="ok")
    assert publishing.issue_publish(issue_id=issue.pk).is_published


def test_it_refuses_a_proposed_topic_and_a_recommendation_no_longer_accepted():
    proposed = make_tag("Brand new topic")
    proposed.approved = False
    proposed.save()
    recommendation = accepted(tag=proposed)
    issue = draft_with(recommendation)
    Recommendation.objects.filter(pk=recommendation.pk).update(status=Status.SUBMITTED)

    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.issue_publish(issue_id=issue.pk)

    text = " ".join(refused.value.messages)
    assert "not accepted" in text and "Brand new topic" in text


# --- Publishing: what it does


def test_it_publishes_freezes_cards_marks_recommendations_and_grants_rewards(django_capture_on_commit_callbacks):
    alice, bob = make_recommender("alice"), make_recommender("bob")
    paper = make_paper(
        "CornerNet", authors=["Hei Law", "Jia Deng"], code_urls=["https://github.com/princeton-vl/CornerNet"]
    )
    Repository.objects.update(fetch_status="ok", stars=2300)
    first, second = accepted(paper=paper, recommender=alice), accepted(recommender=bob)
    issue = draft_with(first, second, number=129)
    when = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)

    with django_capture_on_commit_callbacks():
        issue = publishing.issue_publish(issue_id=issue.pk, now=when)

    assert (issue.status, issue.published_at) == (Issue.Status.PUBLISHED, when)
    assert set(Recommendation.objects.filter(issue_entry__issue=issue).values_list("status", flat=True)) == {
        "published"
    }
    snapshot = IssueEntry.objects.get(recommendation=first).snapshot
    assert snapshot["title"] == "CornerNet"
    assert snapshot["authors"] == ["Hei Law", "Jia Deng"]
    assert snapshot["code"][0]["stars"] == 2300
    assert set(Reward.objects.values_list("recommender__handle", flat=True)) == {"alice", "bob"}


def test_it_publishes_once_however_often_it_is_called():
    issue = draft_with(accepted(), accepted())
    Subscriber.objects.create(email="reader@example.org", confirmed_at=datetime(2026, 1, 1, tzinfo=UTC))
    first = publishing.issue_publish(issue_id=issue.pk)

    again = publishing.issue_publish(issue_id=issue.pk)

    assert again.published_at == first.published_at
    assert Reward.objects.count() == 2
    assert NewsletterDelivery.objects.count() == 1


def test_it_keeps_what_readers_saw_when_the_paper_changes_later(client):
    paper = make_paper("CornerNet", code_urls=["https://github.com/princeton-vl/CornerNet"])
    Repository.objects.update(fetch_status="ok", stars=2300)
    issue = draft_with(accepted(paper=paper), number=129)
    publishing.issue_publish(issue_id=issue.pk)

    Paper.objects.filter(pk=paper.pk).update(title="CornerNet: Detecting Objects as Paired Keypoints")
    Repository.objects.update(stars=2500)
    page = client.get("/issues/129/").content.decode()

    assert ">CornerNet</a>" in page
    assert "Title since publication: CornerNet: Detecting Objects as Paired Keypoints" in page
    assert "★ 2,300" in page and "now ★ 2,500" in page


def test_it_tells_each_recommender_by_email_once(eager, mailoutbox, django_user_model):
    user = django_user_model.objects.create_user("alice", "alice@example.org")
    recommendation = accepted(recommender=make_recommender("alice", user=user))
    issue = draft_with(recommendation, number=129)

    publishing.issue_publish(issue_id=issue.pk)
    publishing.issue_publish(issue_id=issue.pk)
    moderation_tasks.notify_decision.delay(recommendation.pk)

    [mail] = [m for m in mailoutbox if "issue 129" in m.subject]
    assert mail.to == ["alice@example.org"]
    assert "/issues/129/" in mail.body and "#rewards" in mail.body


# --- Unpublishing


def test_it_lets_only_a_superuser_unpublish_and_records_it(django_user_model):
    editor = django_user_model.objects.create_user("editor", is_staff=True)
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "x")
    issue = draft_with(accepted())
    publishing.issue_publish(issue_id=issue.pk)

    with pytest.raises(PermissionDenied):
        publishing.issue_unpublish(issue_id=issue.pk, user=editor)
    issue = publishing.issue_unpublish(issue_id=issue.pk, user=boss)

    assert (issue.status, issue.published_at) == (Issue.Status.DRAFT, None)
    assert set(Recommendation.objects.filter(issue_entry__issue=issue).values_list("status", flat=True)) == {"accepted"}
    assert IssueEntry.objects.get(issue=issue).snapshot == {}
    assert Reward.objects.count() == 0
    entry = LogEntry.objects.get(object_id=str(issue.pk))
    assert entry.user == boss and "Unpublished" in entry.get_change_message()


def test_it_keeps_a_claimed_reward_when_an_issue_is_unpublished(django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "x")
    issue = draft_with(accepted())
    publishing.issue_publish(issue_id=issue.pk)
    Reward.objects.update(claimed_at=datetime(2026, 11, 26, tzinfo=UTC), shipping_note="Beijing")

    publishing.issue_unpublish(issue_id=issue.pk, user=boss)

    assert Reward.objects.get().shipping_note == "Beijing"


# --- Scheduling


def test_it_publishes_a_scheduled_issue_when_its_time_comes():
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False):
        issue = draft_with(accepted(), number=129)
        publishing.issue_schedule(issue_id=issue.pk, when=datetime(2026, 11, 27, 8, 0, tzinfo=UTC))

    with time_machine.travel(datetime(2026, 11, 27, 7, 59, tzinfo=UTC), tick=False):
        assert issue_tasks.publish_due_issues() == {"published": [], "refused": []}
    with time_machine.travel(datetime(2026, 11, 27, 8, 0, 30, tzinfo=UTC), tick=False):
        assert issue_tasks.publish_due_issues() == {"published": [129], "refused": []}

    issue.refresh_from_db()
    assert issue.is_published
    assert issue.published_at == datetime(2026, 11, 27, 8, 0, 30, tzinfo=UTC)


def test_it_notes_why_a_scheduled_publication_was_refused_and_tries_again():
    paper = make_paper("Still fetching", metadata_status="pending")
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False):
        issue = draft_with(accepted(paper=paper), number=129)
        publishing.issue_schedule(issue_id=issue.pk, when=datetime(2026, 11, 27, 8, 0, tzinfo=UTC))

    with time_machine.travel(datetime(2026, 11, 27, 8, 1, tzinfo=UTC), tick=False):
        assert issue_tasks.publish_due_issues() == {"published": [], "refused": [129]}
    issue.refresh_from_db()
    assert not issue.is_published and "pending" in issue.schedule_error

    Paper.objects.filter(pk=paper.pk).update(metadata_status="ok")
    with time_machine.travel(datetime(2026, 11, 27, 8, 2, tzinfo=UTC), tick=False):
        assert issue_tasks.publish_due_issues() == {"published": [129], "refused": []}
    issue.refresh_from_db()
    assert issue.is_published and issue.schedule_error == ""


def test_it_refuses_a_schedule_in_the_past():
    issue = make_issue(published=False)

    with pytest.raises(ValidationError, match="future"):
        publishing.issue_schedule(issue_id=issue.pk, when=datetime(2020, 1, 1, tzinfo=UTC))


def test_it_lists_what_the_workers_are_trying_again_with_the_last_error(editor_client):
    recommendation = accepted(paper=make_paper("", metadata_status="pending"))
    issue = draft_with(recommendation, number=129)
    Issue.objects.filter(pk=issue.pk).update(assembly_started_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    issue.refresh_from_db()
    Paper.objects.filter(pk=recommendation.paper_id).update(
        metadata_error="could not reach arXiv", updated_at=datetime(2026, 11, 25, 12, 0, 5, tzinfo=UTC)
    )

    progress = assembly.issue_assembly_progress(issue=issue)
    page = editor_client.get(f"/admin/recommendations/issue/{issue.pk}/assembly/").content.decode()

    assert [item.reason for item in progress.retrying] == ["could not reach arXiv"]
    assert not progress.finished and progress.failures == []
    assert "Being tried again" in page and "could not reach arXiv" in page
    assert f"/admin/papers/paper/{recommendation.paper_id}/change/" in page


# --- Publishing with incomplete metadata


def test_it_marks_only_entries_of_the_draft_for_publishing_incomplete():
    issue = draft_with(accepted(), accepted())
    other = draft_with(accepted())
    mine = list(issue.entries.order_by("position"))
    foreign = other.entries.get()

    assert publishing.issue_allow_incomplete(issue_id=issue.pk, entry_ids=[mine[0].pk, foreign.pk]) == [foreign.pk]
    assert not IssueEntry.objects.filter(publish_incomplete=True).exists()  # nothing marked when one is foreign

    assert publishing.issue_allow_incomplete(issue_id=issue.pk, entry_ids=[mine[0].pk]) == []
    assert list(IssueEntry.objects.filter(publish_incomplete=True)) == [mine[0]]
