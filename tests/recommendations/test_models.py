import pytest
from django.db import IntegrityError, connection, transaction

from recommendations.models import Issue, IssueEntry, Recommendation, Recommender
from tests.factories import (
    PUBLISHED_AT,
    add_to_issue,
    make_issue,
    make_paper,
    make_recommendation,
    make_recommender,
)

pytestmark = pytest.mark.django_db


def test_it_refuses_a_handle_that_differs_only_in_case():
    make_recommender("QAQ")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_recommender("qaq")


@pytest.mark.parametrize("handle", ["a", "two words", "dot.ted", "semi;colon", "<b>", "ünïcode", "", "line\nbreak"])
def test_it_refuses_a_malformed_handle(handle):
    with pytest.raises(IntegrityError), transaction.atomic():
        Recommender.objects.create(handle=handle)


@pytest.mark.parametrize("handle", ["QAQ", "xwzhong", "WHUSteven", "a_b-c", "x" * 30])
def test_it_accepts_a_well_formed_handle(handle):
    assert make_recommender(handle).pk


def test_it_refuses_a_second_recommendation_of_one_paper_by_one_recommender():
    first = make_recommendation()

    with pytest.raises(IntegrityError), transaction.atomic():
        make_recommendation(paper=first.paper, recommender=first.recommender)


def test_it_allows_several_recommenders_to_recommend_one_paper():
    paper = make_paper()
    make_recommendation(paper=paper)
    make_recommendation(paper=paper)

    assert paper.recommendations.count() == 2


def test_it_refuses_an_unknown_recommendation_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_recommendation(status="maybe")


def test_it_refuses_two_issues_with_one_number():
    make_issue(128)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_issue(128)


@pytest.mark.parametrize("number", [0, -1])
def test_it_refuses_an_issue_number_below_one(number):
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(number=number)


def test_it_refuses_a_published_issue_without_a_publication_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(number=7, status=Issue.Status.PUBLISHED, published_at=None)


def test_it_allows_a_draft_without_a_publication_time():
    issue = Issue.objects.create(number=7)

    assert issue.status == Issue.Status.DRAFT
    assert issue.published_at is None


def test_it_refuses_an_unknown_issue_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(number=7, status="archived", published_at=PUBLISHED_AT)


def test_it_puts_a_recommendation_in_one_issue_at_most():
    recommendation = make_recommendation()
    add_to_issue(make_issue(1), recommendation, 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        add_to_issue(make_issue(2), recommendation, 1)


@pytest.mark.parametrize("position", [0, -3])
def test_it_refuses_an_entry_position_below_one(position):
    with pytest.raises(IntegrityError), transaction.atomic():
        add_to_issue(make_issue(), make_recommendation(), position)


def test_it_refuses_two_entries_in_one_position_when_constraints_are_checked():
    issue = make_issue()
    add_to_issue(issue, make_recommendation(), 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        add_to_issue(issue, make_recommendation(), 1)
        connection.check_constraints()


def test_it_lets_two_entries_swap_positions_in_one_transaction():
    issue = make_issue()
    first = add_to_issue(issue, make_recommendation(), 1)
    second = add_to_issue(issue, make_recommendation(), 2)

    with transaction.atomic():
        IssueEntry.objects.filter(pk=first.pk).update(position=2)
        IssueEntry.objects.filter(pk=second.pk).update(position=1)
        connection.check_constraints()

    assert list(issue.entries.order_by("position").values_list("pk", flat=True)) == [second.pk, first.pk]


def test_it_allows_one_position_in_different_issues():
    add_to_issue(make_issue(), make_recommendation(), 1)
    add_to_issue(make_issue(), make_recommendation(), 1)

    assert IssueEntry.objects.filter(position=1).count() == 2


def test_it_stores_the_writeup_and_its_html_together():
    recommendation = make_recommendation(writeup="Read **this**.")

    recommendation.set_writeup("Now read *that*.")

    assert recommendation.writeup == "Now read *that*."
    assert recommendation.writeup_html == "<p>Now read <em>that</em>.</p>\n"


def test_it_lists_published_recommendations_only_from_published_issues():
    in_published = make_recommendation()
    add_to_issue(make_issue(published=True), in_published)
    in_draft = make_recommendation()
    add_to_issue(make_issue(published=False), in_draft)
    make_recommendation()  # published status, but in no issue

    assert list(Recommendation.objects.published()) == [in_published]
