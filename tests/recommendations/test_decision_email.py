"""The decision e-mail: sent once the decision commits, once per decision, to recommenders with an address."""

import smtplib

import pytest

from paperdaily.lib import mail
from recommendations.models import Recommendation
from recommendations.moderation import services as moderation
from recommendations.moderation import tasks as moderation_tasks
from tests.factories import make_paper, make_recommendation, make_recommender

pytestmark = pytest.mark.django_db

Status = Recommendation.Status


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user(username="editor", is_staff=True)


@pytest.fixture
def recommender(django_user_model):
    user = django_user_model.objects.create_user(username="qaq", email="qaq@example.org")
    return make_recommender("QAQ", user=user)


@pytest.fixture
def site_url(settings):
    settings.PAPERDAILY_SITE_URL = "https://paperdaily.example/"
    return "https://paperdaily.example"


def submitted(recommender, **fields):
    return make_recommendation(status=Status.SUBMITTED, recommender=recommender, **fields)


def test_it_emails_the_recommender_once_the_acceptance_commits(
    recommender, editor, site_url, eager, mailoutbox, django_capture_on_commit_callbacks
):
    recommendation = submitted(recommender, paper=make_paper("CornerNet: Detecting Objects as Paired Keypoints"))

    with django_capture_on_commit_callbacks(execute=True):
        moderation.recommendation_accept(recommendation_id=recommendation.pk, editor=editor)
        assert mailoutbox == []

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["qaq@example.org"]
    assert mail.subject == "Your recommendation of “CornerNet: Detecting Objects as Paired Keypoints” was accepted"
    assert "Hello QAQ," in mail.body
    assert "CornerNet: Detecting Objects as Paired Keypoints" in mail.body
    assert f"{site_url}/recommend/mine/" in mail.body
    assert f"{site_url}/papers/{recommendation.paper_id}/" in mail.body
    recommendation.refresh_from_db()
    assert recommendation.notified_status == Status.ACCEPTED


def test_it_sends_the_editors_note_with_a_rejection(
    recommender, editor, site_url, eager, mailoutbox, django_capture_on_commit_callbacks
):
    recommendation = submitted(
        recommender, paper=make_paper(title=""), submitted_link="https://example.org/a-paper.pdf"
    )

    with django_capture_on_commit_callbacks(execute=True):
        moderation.recommendation_reject(
            recommendation_id=recommendation.pk, editor=editor, note="We could not find the paper <anywhere> & so on."
        )

    [mail] = mailoutbox
    assert mail.subject == "Your recommendation of “https://example.org/a-paper.pdf” was not accepted"
    # Plain text: the note reads as the editor typed it, not HTML-escaped.
    assert "We could not find the paper <anywhere> & so on." in mail.body
    assert "https://example.org/a-paper.pdf" in mail.body
    assert f"{site_url}/recommend/mine/" in mail.body


def test_it_sends_one_email_when_the_task_runs_twice(recommender, editor, eager, mailoutbox):
    recommendation = submitted(recommender)
    moderation.recommendation_accept(recommendation_id=recommendation.pk, editor=editor)

    moderation_tasks.notify_decision.delay(recommendation.pk)
    moderation_tasks.notify_decision.delay(recommendation.pk)

    assert len(mailoutbox) == 1


def test_it_sends_a_second_email_when_the_decision_changes(
    recommender, editor, eager, mailoutbox, django_capture_on_commit_callbacks
):
    recommendation = submitted(recommender)

    with django_capture_on_commit_callbacks(execute=True):
        moderation.recommendation_accept(recommendation_id=recommendation.pk, editor=editor)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.recommendation_reject(recommendation_id=recommendation.pk, editor=editor, note="Changed my mind.")

    assert [mail.subject.rsplit(" ", 2)[-2:] for mail in mailoutbox] == [["was", "accepted"], ["not", "accepted"]]
    recommendation.refresh_from_db()
    assert recommendation.notified_status == Status.REJECTED


def test_it_sends_nothing_for_an_accepted_recommendation_accepted_again(
    recommender, editor, eager, mailoutbox, django_capture_on_commit_callbacks
):
    recommendation = submitted(recommender)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.recommendation_accept(recommendation_id=recommendation.pk, editor=editor)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moderation.recommendation_accept(recommendation_id=recommendation.pk, editor=editor)

    assert callbacks == []
    assert len(mailoutbox) == 1


def test_it_sends_nothing_to_a_recommender_without_an_account(
    editor, eager, mailoutbox, django_capture_on_commit_callbacks
):
    recommendation = submitted(make_recommender())

    with django_capture_on_commit_callbacks(execute=True):
        moderation.recommendation_accept(recommendation_id=recommendation.pk, editor=editor)

    assert mailoutbox == []
    recommendation.refresh_from_db()
    assert recommendation.notified_status == ""


def test_it_sends_nothing_to_an_account_without_an_address(editor, mailoutbox, django_user_model):
    recommender = make_recommender(user=django_user_model.objects.create_user(username="nomail"))
    recommendation = submitted(recommender)
    moderation.recommendation_accept(recommendation_id=recommendation.pk, editor=editor)

    assert moderation.recommendation_notify_decision(recommendation_id=recommendation.pk) is False
    assert mailoutbox == []


def test_it_sends_nothing_while_a_recommendation_waits_for_review(recommender, mailoutbox):
    recommendation = submitted(recommender)

    assert moderation.recommendation_notify_decision(recommendation_id=recommendation.pk) is False
    assert mailoutbox == []


def test_it_sends_nothing_for_a_published_recommendation_outside_any_published_issue(recommender, mailoutbox):
    recommendation = make_recommendation(status=Status.PUBLISHED, recommender=recommender)

    assert moderation.recommendation_notify_decision(recommendation_id=recommendation.pk) is False
    assert mailoutbox == []


def test_it_keeps_the_decision_untold_when_the_mail_server_fails(recommender, editor, eager, monkeypatch):
    recommendation = submitted(recommender)
    moderation.recommendation_accept(recommendation_id=recommendation.pk, editor=editor)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("recommendations.moderation.services.send_mail", refuse)
    moderation_tasks.notify_decision.delay(recommendation.pk)

    recommendation.refresh_from_db()
    assert recommendation.notified_status == ""


def test_it_tries_five_times_in_all_further_and_further_apart():
    assert moderation_tasks.notify_decision.max_retries == 4
    assert [mail.backoff(retries) for retries in range(4)] == [60, 120, 240, 480]


def test_it_does_not_retry_an_address_the_mail_server_refused():
    refused = smtplib.SMTPRecipientsRefused({"qaq@example.org": (550, b"No such user")})
    busy = smtplib.SMTPResponseException(421, b"Try again later")

    assert mail._permanent(refused) is True
    assert mail._permanent(smtplib.SMTPDataError(554, b"Rejected")) is True
    assert mail._permanent(busy) is False
    assert mail._permanent(ConnectionRefusedError()) is False


def test_it_ignores_a_recommendation_deleted_before_the_task_ran(eager, mailoutbox):
    moderation_tasks.notify_decision.delay(987654)

    assert mailoutbox == []


def test_the_sweeper_sends_a_decision_email_that_never_went_out(
    recommender, editor, eager, mailoutbox, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    settings.PAPERDAILY_PENDING_SWEEP_AFTER = 60
    recent = submitted(recommender)
    untold_long_ago = submitted(recommender)
    just_now = submitted(recommender)
    told = submitted(recommender)
    now = timezone.now()
    Recommendation.objects.filter(pk=recent.pk).update(status=Status.ACCEPTED, reviewed_at=now - timedelta(hours=1))
    Recommendation.objects.filter(pk=untold_long_ago.pk).update(
        status=Status.ACCEPTED, reviewed_at=now - timedelta(days=30)
    )
    Recommendation.objects.filter(pk=just_now.pk).update(status=Status.ACCEPTED, reviewed_at=now)
    Recommendation.objects.filter(pk=told.pk).update(
        status=Status.REJECTED, reviewed_at=now - timedelta(hours=1), notified_status=Status.REJECTED
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert moderation_tasks.sweep_decision_emails.delay().get() == {"recommendations": 1}
    assert len(mailoutbox) == 1
    assert Recommendation.objects.get(pk=recent.pk).notified_status == Status.ACCEPTED
    # Run again: nothing left to tell.
    with django_capture_on_commit_callbacks(execute=True):
        assert moderation_tasks.sweep_decision_emails.delay().get() == {"recommendations": 0}
    assert len(mailoutbox) == 1
