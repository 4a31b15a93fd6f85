"""The rule for what readers may see, as the ORM, the hand-written SQL and the search trigger apply it.

Every combination of a recommendation's status and its issue's (none, a draft, a published one)
is built, and the three ways of writing the rule must pick the same rows.
"""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction

from recommendations import visibility
from recommendations.models import Issue, Recommendation
from recommendations.visibility import (
    PUBLISHED_CONDITION_SQL,
    PUBLISHED_RECOMMENDATIONS_SQL,
    featured_papers,
    published_recommendations_q,
    sees_drafts,
)
from tests.factories import add_to_issue, make_issue, make_paper, make_recommendation

pytestmark = pytest.mark.django_db

ISSUE_STATES = ("none", "draft", "published")


@pytest.fixture
def every_case():
    """Recommendation id -> (its status, its issue's state, the one word only its write-up holds)."""
    issues = {"draft": make_issue(published=False), "published": make_issue(published=True)}
    cases = {}
    for n, (status, issue_state) in enumerate(itertools.product(Recommendation.Status.values, ISSUE_STATES)):
        word = f"zebrafinch{n}x"
        try:
            with transaction.atomic():
                recommendation = make_recommendation(
                    paper=make_paper(f"Paper {n}"), status=status, writeup=f"Worth it for {word}."
                )
                if issue_state != "none":
                    add_to_issue(issues[issue_state], recommendation)
        except IntegrityError:
            continue  # a combination the database itself refuses cannot leak either
        cases[recommendation.pk] = (status, issue_state, word)
    return cases


def _expected(cases):
    return {pk for pk, (status, issue_state, _word) in cases.items() if (status, issue_state) == ("published",) * 2}


def test_it_builds_every_combination_that_matters(every_case):
    built = {(status, issue_state) for status, issue_state, _word in every_case.values()}
    assert ("published", "published") in built
    assert {("accepted", "draft"), ("published", "draft"), ("submitted", "none")} <= built
    assert len(_expected(every_case)) == 1


def test_it_selects_the_same_recommendations_in_the_orm_and_in_sql(every_case):
    orm = set(Recommendation.objects.filter(published_recommendations_q()).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.id {PUBLISHED_RECOMMENDATIONS_SQL}")  # noqa: S608 - a module constant
        sql = {row[0] for row in cursor.fetchall()}
    assert orm == sql == _expected(every_case)
    assert set(Recommendation.objects.published().values_list("pk", flat=True)) == orm


def test_it_indexes_for_search_exactly_the_write_ups_readers_may_see(every_case):
    for pk, (_status, _issue_state, word) in every_case.items():
        recommendation = Recommendation.objects.get(pk=pk)
        search_text = (
            type(recommendation.paper).objects.values_list("search_text", flat=True).get(pk=recommendation.paper_id)
        )
        assert (word in search_text) == (pk in _expected(every_case)), (pk, every_case[pk])


def test_it_counts_a_paper_as_featured_only_through_a_visible_recommendation(every_case):
    papers = set(Recommendation.objects.filter(pk__in=_expected(every_case)).values_list("paper_id", flat=True))
    assert set(featured_papers().values_list("pk", flat=True)) == papers


def test_it_keeps_the_trigger_function_word_for_word_on_the_rule():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('papers_search_document'::regproc)")
        (definition,) = cursor.fetchone()
    assert PUBLISHED_CONDITION_SQL in definition
    for line in PUBLISHED_RECOMMENDATIONS_SQL.strip().splitlines()[:-1]:
        assert line.strip() in definition


def test_it_names_the_published_status_the_models_store():
    assert visibility.PUBLISHED == Recommendation.Status.PUBLISHED == Issue.Status.PUBLISHED


def test_it_lets_only_editors_see_drafts(every_case, django_user_model):
    staff = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    reader = django_user_model.objects.create_user("reader", password="x")
    assert sees_drafts(staff) and not sees_drafts(reader) and not sees_drafts(AnonymousUser())
    assert set(Recommendation.objects.visible_to(reader).values_list("pk", flat=True)) == _expected(every_case)
    assert set(Recommendation.objects.visible_to(staff).values_list("pk", flat=True)) == set(every_case)
    assert set(Issue.objects.visible_to(AnonymousUser()).values_list("status", flat=True)) == {"published"}
    assert set(Issue.objects.visible_to(staff).values_list("status", flat=True)) == {"draft", "published"}
