"""The newsletter: double opt-in subscriptions, and each published issue to each confirmed
subscriber exactly once."""

from ..models import Issue, NewsletterDelivery, Subscriber


def newsletter_queue_issue(*, issue_id: int) -> int:
    """Record one delivery of the issue per confirmed subscriber, then start sending once committed.

    Running it again adds no delivery twice (the (issue, subscriber) constraint), so a
    republished issue reaches only the subscribers it has not reached.
    """
    issue = Issue.objects.get(pk=issue_id)
    deliveries = [
        NewsletterDelivery(issue=issue, subscriber=subscriber) for subscriber in Subscriber.objects.confirmed()
    ]
    NewsletterDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)
    from .. import tasks

    tasks.enqueue_newsletter(issue.pk)  # sent once the transaction commits
    return len(deliveries)


def newsletter_send_batch(*, issue_id: int) -> bool:
    """Send up to one batch of the issue's pending deliveries; returns whether any are left.

    Written in full by the newsletter work; see its docstring there.
    """
    raise NotImplementedError


def newsletter_issues_unfinished():
    """Issues with deliveries still waiting."""
    return (
        NewsletterDelivery.objects.filter(status=NewsletterDelivery.Status.PENDING)
        .values_list("issue_id", flat=True)
        .distinct()
    )
