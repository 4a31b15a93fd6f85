"""Sending an issue's newsletter over a real SMTP server: batches, exactly once, refusals, the message itself."""

import re
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from recommendations.issues.publishing import issue_publish
from recommendations.models import Issue, NewsletterDelivery, Subscriber
from recommendations.newsletter import services as newsletter
from recommendations.newsletter import tasks as newsletter_tasks
from recommendations.reading import exports
from tests.factories import make_entry, make_issue, make_paper
from tests.smtp import closed_port

pytestmark = pytest.mark.django_db

Status = NewsletterDelivery.Status


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PAPERDAILY_SITE_URL = "https://paperdaily.example/"
    settings.DEFAULT_FROM_EMAIL = "PaperDaily <editors@paperdaily.example>"
    settings.PAPERDAILY_NEWSLETTER_BATCH_SIZE = 100


def published_issue(number=129, title="Sparse attention, dense results"):
    issue = make_issue(number, title=title)
    make_entry(issue, paper=make_paper("CornerNet: Detecting Objects as Paired Keypoints"))
    return issue


def subscribers(count, *, prefix="reader", **fields):
    fields.setdefault("confirmed_at", timezone.now())
    return Subscriber.objects.bulk_create(Subscriber(email=f"{prefix}{n}@example.org", **fields) for n in range(count))


def send_all(issue):
    """Run batches until none is left, as the task chain does; returns how many ran."""
    batches = 0
    while True:
        batches += 1
        if not newsletter.newsletter_send_batch(issue_id=issue.pk):
            return batches


def test_it_sends_each_confirmed_subscriber_one_message_in_batches(smtp):
    issue = published_issue()
    readers = subscribers(250)
    subscribers(3, prefix="unconfirmed", confirmed_at=None)
    subscribers(2, prefix="gone", unsubscribed_at=timezone.now())

    assert newsletter.newsletter_queue_issue(issue_id=issue.pk) == 250
    batches = send_all(issue)

    assert batches == 3
    assert smtp.connections == 3  # one SMTP connection per batch
    assert len(smtp.messages) == 250
    assert smtp.recipients() == {reader.email: 1 for reader in readers}
    deliveries = NewsletterDelivery.objects.filter(issue=issue)
    assert deliveries.count() == 250
    assert set(deliveries.values_list("status", "attempts", "error")) == {(Status.SENT, 1, "")}
    assert not deliveries.filter(sent_at__isnull=True).exists()


def test_it_sends_nothing_twice_when_run_or_queued_again(smtp):
    issue = published_issue()
    subscribers(30)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)
    send_all(issue)

    assert newsletter.newsletter_send_batch(issue_id=issue.pk) is False
    assert newsletter.newsletter_queue_issue(issue_id=issue.pk) == 0
    send_all(issue)

    assert len(smtp.messages) == 30
    assert NewsletterDelivery.objects.count() == 30


def test_it_reaches_only_the_new_subscribers_when_an_issue_is_queued_again(smtp):
    issue = published_issue()
    subscribers(5)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)
    send_all(issue)
    subscribers(2, prefix="late")

    assert newsletter.newsletter_queue_issue(issue_id=issue.pk) == 2
    send_all(issue)

    assert len(smtp.messages) == 7
    assert max(smtp.recipients().values()) == 1


def test_it_sends_on_publishing_once_the_issue_commits(smtp, eager, django_capture_on_commit_callbacks, settings):
    settings.PAPERDAILY_NEWSLETTER_BATCH_SIZE = 4
    readers = subscribers(10)
    subscribers(2, prefix="unconfirmed", confirmed_at=None)
    issue = make_issue(130, published=False, title="Publishing day")
    make_entry(issue, paper=make_paper("Cross-View Training"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issue_publish(issue_id=issue.pk)
        assert smtp.messages == []

    assert len(callbacks) >= 3  # the task, then each next batch queued by the one before
    assert smtp.recipients() == {reader.email: 1 for reader in readers}
    assert smtp.connections == 3
    assert not NewsletterDelivery.objects.exclude(status=Status.SENT).exists()


def test_it_builds_a_message_with_one_click_unsubscribe(client, smtp):
    issue = published_issue()
    [reader] = subscribers(1, prefix="ada")
    newsletter.newsletter_queue_issue(issue_id=issue.pk)

    send_all(issue)

    [mail] = smtp.messages
    message = mail.message
    unsubscribe_url = f"https://paperdaily.example/newsletter/unsubscribe/{reader.token}/"
    assert message["Subject"] == "PaperDaily issue 129: Sparse attention, dense results"
    assert message["From"] == "PaperDaily <editors@paperdaily.example>"
    assert message["To"] == "ada0@example.org"
    assert mail.mail_from == "editors@paperdaily.example"
    # Long header lines may be folded, but the URL must stay plain text (no RFC 2047 encoding).
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe_url}>"
    assert re.search(rb"\r\nList-Unsubscribe:\s+<" + re.escape(unsubscribe_url.encode()) + rb">\r\n", mail.raw)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == "PaperDaily <newsletter.paperdaily.example>"
    assert message["Message-ID"] == f"<newsletter.issue-{issue.pk}.subscriber-{reader.pk}@paperdaily.example>"
    # The plain text is the Markdown export, then the footer with the reader's own link.
    text = mail.text
    markdown = exports.issue_markdown(issue, site_url="https://paperdaily.example").rstrip()
    assert "Sparse attention, dense results" in markdown
    assert text.startswith(markdown + "\n\n-- \n")
    assert unsubscribe_url in text
    assert "https://paperdaily.example/issues/129/" in text
    html = mail.html
    assert "Sparse attention, dense results" in html
    assert f'href="{unsubscribe_url}"' in html
    assert "ada0@example.org" in html
    assert "paperdaily-footer" not in html  # the placeholder was replaced

    # The link in the mail works.
    response = client.get(unsubscribe_url.removeprefix("https://paperdaily.example"))
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.unsubscribed_at is not None


def test_it_gives_every_subscriber_a_message_id_of_their_own(smtp):
    issue = published_issue()
    subscribers(5)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)

    send_all(issue)

    ids = [mail.message["Message-ID"] for mail in smtp.messages]
    assert len(set(ids)) == 5
    assert all(re.fullmatch(rf"<newsletter\.issue-{issue.pk}\.subscriber-\d+@paperdaily\.example>", i) for i in ids)


def test_it_escapes_the_address_in_the_html_footer(smtp):
    issue = published_issue()
    Subscriber.objects.create(email='"<b>x</b>"@example.org', confirmed_at=timezone.now())
    newsletter.newsletter_queue_issue(issue_id=issue.pk)

    send_all(issue)

    [mail] = smtp.messages
    assert "<b>x</b>" not in mail.html
    assert "&lt;b&gt;x&lt;/b&gt;" in mail.html


def test_it_collapses_line_breaks_in_the_subject(smtp):
    issue = published_issue(title="Two\nlines\r\nBcc: eve@example.org")
    subscribers(1)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)

    send_all(issue)

    [mail] = smtp.messages
    assert mail.message["Subject"] == "PaperDaily issue 129: Two lines Bcc: eve@example.org"
    assert mail.message["Bcc"] is None


def test_it_names_an_untitled_issue_by_its_number(smtp):
    issue = published_issue(title="")
    subscribers(1)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)

    send_all(issue)

    assert smtp.messages[0].message["Subject"] == "PaperDaily issue 129"


def test_it_marks_a_refused_recipient_failed_and_sends_to_the_others(smtp):
    issue = published_issue()
    readers = subscribers(5)
    smtp.refuse[readers[2].email] = "550 5.1.1 No such user here"
    newsletter.newsletter_queue_issue(issue_id=issue.pk)

    assert send_all(issue) == 1

    assert smtp.recipients() == {reader.email: 1 for reader in readers if reader != readers[2]}
    refused = NewsletterDelivery.objects.get(subscriber=readers[2])
    assert refused.status == Status.FAILED
    assert refused.attempts == 1
    assert "550" in refused.error
    assert "No such user here" in refused.error
    assert refused.sent_at is None
    assert NewsletterDelivery.objects.filter(status=Status.SENT).count() == 4
    assert smtp.connections == 1  # the refusal did not cost the batch its connection


def test_it_stops_the_batch_on_a_temporary_refusal_and_gives_up_after_some_tries(smtp):
    issue = published_issue()
    readers = subscribers(3)
    smtp.refuse[readers[0].email] = "451 4.3.0 Try again later"
    newsletter.newsletter_queue_issue(issue_id=issue.pk)

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        newsletter.newsletter_send_batch(issue_id=issue.pk)

    delivery = NewsletterDelivery.objects.get(subscriber=readers[0])
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    assert "451" in delivery.error
    assert smtp.messages == []

    for _try in range(newsletter.MAX_ATTEMPTS - 2):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            newsletter.newsletter_send_batch(issue_id=issue.pk)
    send_all(issue)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, newsletter.MAX_ATTEMPTS)
    assert smtp.recipients() == {readers[1].email: 1, readers[2].email: 1}


def test_it_skips_a_subscriber_who_unsubscribed_after_the_issue_was_queued(smtp):
    issue = published_issue()
    readers = subscribers(3)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)
    newsletter.subscriber_unsubscribe(token=readers[1].token)

    send_all(issue)

    assert set(smtp.recipients()) == {readers[0].email, readers[2].email}
    skipped = NewsletterDelivery.objects.get(subscriber=readers[1])
    assert skipped.status == Status.FAILED
    assert "unsubscribed" in skipped.error
    assert skipped.attempts == 0


def test_it_keeps_every_delivery_pending_while_the_mail_server_is_down(settings, smtp):
    issue = published_issue()
    subscribers(3)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)
    settings.EMAIL_PORT = closed_port()

    with pytest.raises(ConnectionRefusedError):
        newsletter.newsletter_send_batch(issue_id=issue.pk)

    assert set(NewsletterDelivery.objects.values_list("status", flat=True)) == {Status.PENDING}

    settings.EMAIL_PORT = smtp.port
    send_all(issue)
    assert len(smtp.messages) == 3


def test_it_lets_the_task_end_quietly_when_the_mail_server_is_down(settings, smtp, eager):
    issue = published_issue()
    subscribers(2)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)
    settings.EMAIL_PORT = closed_port()

    newsletter_tasks.send_newsletter.delay(issue.pk)  # eager: no retry; beat's sweeper starts it again

    assert NewsletterDelivery.objects.filter(status=Status.PENDING).count() == 2


def test_it_sends_nothing_for_an_issue_back_to_draft(smtp):
    issue = published_issue()
    subscribers(3)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.DRAFT, published_at=None)

    assert newsletter.newsletter_send_batch(issue_id=issue.pk) is False
    assert smtp.messages == []
    assert list(newsletter.newsletter_issues_unfinished(stalled_after=0)) == []


def test_it_sends_nothing_for_a_deleted_issue(smtp):
    assert newsletter.newsletter_send_batch(issue_id=987654) is False
    assert smtp.messages == []


def test_it_sweeps_up_only_issues_whose_sending_stalled(smtp, settings):
    settings.PAPERDAILY_NEWSLETTER_STALLED_AFTER = 600
    settings.PAPERDAILY_NEWSLETTER_BATCH_SIZE = 2
    moving, done = published_issue(131), published_issue(132)
    subscribers(3)
    for issue in (moving, done):
        newsletter.newsletter_queue_issue(issue_id=issue.pk)
    send_all(done)
    newsletter.newsletter_send_batch(issue_id=moving.pk)  # one more to go

    assert list(newsletter.newsletter_issues_unfinished()) == []  # moving along: left to its tasks
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert list(newsletter.newsletter_issues_unfinished()) == [moving.pk]


def test_it_sweeps_an_issue_queued_while_nothing_was_sent(smtp):
    issue = published_issue()
    subscribers(1)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)

    assert list(newsletter.newsletter_issues_unfinished(stalled_after=0)) == [issue.pk]


def test_it_sends_in_the_site_language_whatever_is_active(smtp, settings):
    from django.utils import translation

    issue = published_issue()
    subscribers(1)
    newsletter.newsletter_queue_issue(issue_id=issue.pk)

    with translation.override("zh-hans"):
        send_all(issue)

    assert "Unsubscribe with one click:" in smtp.messages[0].text
