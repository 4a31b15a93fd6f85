"""The deferred position constraint, seen as PostgreSQL enforces it: at COMMIT.

These tests commit for real (``transaction=True``), so they are kept few."""

import pytest
from django.db import IntegrityError, transaction

from recommendations.models import IssueEntry
from tests.factories import add_to_issue, make_issue, make_recommendation

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_commits_a_swap_of_two_positions():
    issue = make_issue()
    first = add_to_issue(issue, make_recommendation(), 1)
    second = add_to_issue(issue, make_recommendation(), 2)

    with transaction.atomic():
        first.position, second.position = 2, 1
        first.save(update_fields=["position"])
        second.save(update_fields=["position"])

    assert dict(IssueEntry.objects.values_list("pk", "position")) == {first.pk: 2, second.pk: 1}


def test_it_refuses_a_duplicate_position_at_commit():
    issue = make_issue()
    add_to_issue(issue, make_recommendation(), 1)
    late = make_recommendation()

    with pytest.raises(IntegrityError), transaction.atomic():
        add_to_issue(issue, late, 1)  # accepted here: the check waits for COMMIT

    assert list(issue.entries.values_list("recommendation_id", flat=True)) != [late.pk]
    assert issue.entries.count() == 1
