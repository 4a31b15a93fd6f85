"""Related papers stored by a worker (recommendations/reading/related.py), read by key by the pages."""

import threading

import psycopg2
import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from papers.models import Paper, Repository
from recommendations.issues import publishing
from recommendations.models import Issue, RelatedPaper
from recommendations.reading.related import (
    STORED,
    related_papers,
    related_papers_refresh,
    related_papers_store,
    stored_related_papers,
)
from recommendations.reading.tasks import refresh_related_papers
from tests.factories import make_entry, make_issue, make_paper, make_recommender, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    """A paper and four others of its topic, each in a published issue of its own."""
    tag = make_tag("Continual Learning", slug="continual-learning")
    papers = [make_paper(f"Continual learning, part {n}") for n in range(5)]
    for paper in papers:
        make_entry(make_issue(), paper=paper, tag=tag)
    return papers


def ids(papers):
    return [paper.pk for paper in papers]


def fresh(paper):
    return Paper.objects.get(pk=paper.pk)


def test_it_stores_what_it_would_compute(topic):
    paper = topic[0]

    assert related_papers_store(paper_ids=[paper.pk]) == 1

    stored = stored_related_papers(fresh(paper), limit=STORED)
    assert ids(stored) == ids(related_papers(paper, limit=STORED))
    assert set(ids(stored)) == set(ids(topic[1:]))
    assert [other.shared_tags for other in stored] == [1, 1, 1, 1]
    assert fresh(paper).related_computed_at is not None


def test_it_reads_stored_papers_by_key_and_never_computes_them_on_the_page(topic):
    paper = topic[0]
    related_papers_store(paper_ids=[paper.pk])

    with CaptureQueriesContext(connection) as queries:
        page = Client().get(f"/papers/{paper.pk}/")

    assert page.status_code == 200
    sql = [query["sql"] for query in queries]
    assert not [statement for statement in sql if "similarity(" in statement]  # the live computation's
    assert [statement for statement in sql if "recommendations_relatedpaper" in statement]
    for other in topic[1:]:
        assert f'href="/papers/{other.pk}/"' in page.content.decode()


def test_it_computes_them_on_the_spot_for_a_paper_no_worker_reached_yet(topic):
    paper = fresh(topic[0])

    assert paper.related_computed_at is None
    assert ids(stored_related_papers(paper)) == ids(related_papers(paper))
    assert not RelatedPaper.objects.exists()


def test_it_leaves_out_a_stored_paper_whose_issue_was_taken_back(topic, django_user_model):
    paper, hidden = topic[0], topic[1]
    related_papers_store(paper_ids=[paper.pk])
    superuser = django_user_model.objects.create_superuser(username="root", password="x", email="r@example.org")
    issue = Issue.objects.get(entries__recommendation__paper=hidden)

    publishing.issue_unpublish(issue_id=issue.pk, user=superuser)

    shown = stored_related_papers(fresh(paper))
    assert hidden.pk not in ids(shown)
    assert set(ids(shown)) == set(ids(topic[2:]))
    assert hidden.pk not in [each["id"] for each in Client().get(f"/api/papers/{paper.pk}/").json()["related"]]


def test_it_stores_the_related_papers_of_an_issue_when_it_is_published(
    topic, eager, django_capture_on_commit_callbacks
):
    draft = make_issue(published=False)
    newcomer = make_paper("Continual learning, the sequel")
    make_entry(draft, paper=newcomer, tag=topic_tag(topic[0]))
    Repository.objects.update(fetch_status=Repository.FetchStatus.OK)

    with django_capture_on_commit_callbacks(execute=True):
        publishing.issue_publish(issue_id=draft.pk)

    assert fresh(newcomer).related_computed_at is not None
    assert set(ids(stored_related_papers(fresh(newcomer), limit=STORED))) >= set(ids(topic))


def test_it_refreshes_every_featured_paper_nightly_never_computed_first(topic):
    unfeatured = make_paper("Continual learning, never recommended")
    related_papers_store(paper_ids=[topic[0].pk])
    first = fresh(topic[0]).related_computed_at

    assert related_papers_refresh(seconds=60, batch=2) == 5

    assert all(fresh(paper).related_computed_at for paper in topic)
    assert fresh(topic[0]).related_computed_at > first
    assert fresh(unfeatured).related_computed_at is None
    assert refresh_related_papers() == {"papers": 5}


def test_it_stops_the_nightly_refresh_when_its_time_is_spent(topic):
    assert related_papers_refresh(seconds=0) == 0
    assert not RelatedPaper.objects.exists()


def test_the_api_gives_the_same_related_papers_as_the_page(topic):
    paper = topic[0]
    related_papers_store(paper_ids=[paper.pk])

    answer = Client().get(f"/api/papers/{paper.pk}/").json()

    assert [each["id"] for each in answer["related"]] == ids(stored_related_papers(fresh(paper)))


def test_it_replaces_a_stored_list_when_computed_again(topic):
    paper = topic[0]
    related_papers_store(paper_ids=[paper.pk])
    newcomer = make_paper("Continual learning, part 5")
    make_entry(make_issue(), paper=newcomer, tag=topic_tag(paper), recommender=make_recommender("again"))

    related_papers_store(paper_ids=[paper.pk])

    assert newcomer.pk in ids(stored_related_papers(fresh(paper), limit=STORED))
    assert RelatedPaper.objects.filter(paper=paper).count() == 5


def topic_tag(paper):
    return paper.recommendations.first().tag


@pytest.mark.django_db(transaction=True)
def test_two_workers_storing_one_paper_at_once_do_not_collide(topic):
    """A second store of the same paper waits for the first and replaces its rows, instead of
    failing on the (paper, rank) key while the first one's rows are not yet committed."""
    paper = topic[0]
    first = psycopg2.connect(**connections["default"].get_connection_params())
    errors, stored = [], []
    try:
        with first.cursor() as cursor:  # the first worker, half-way: its rows are not committed yet
            cursor.execute("UPDATE papers_paper SET related_computed_at = now() WHERE id = %s", [paper.pk])
            cursor.execute(
                "INSERT INTO recommendations_relatedpaper (paper_id, related_id, rank, shared_tags,"
                " shared_recommenders, similarity) VALUES (%s, %s, 1, 0, 0, 0)",
                [paper.pk, topic[1].pk],
            )

        def second():
            try:
                stored.append(related_papers_store(paper_ids=[paper.pk]))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                connection.close()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the second store must wait for the first one's transaction"
        first.commit()
        thread.join(timeout=30)
    finally:
        first.close()

    assert errors == []
    assert stored == [1]
    rows = list(RelatedPaper.objects.filter(paper=paper).order_by("rank").values_list("related_id", flat=True))
    assert sorted(rows) == sorted(ids(topic[1:]))


def test_it_lists_no_paper_whose_details_were_not_recorded_live_or_stored(topic):
    paper, unrecorded = topic[0], topic[1]
    related_papers_store(paper_ids=[paper.pk])  # stored while it still had a title
    Paper.objects.filter(pk=unrecorded.pk).update(title="  ")

    assert unrecorded.pk not in ids(related_papers(paper, limit=STORED))
    assert unrecorded.pk not in ids(stored_related_papers(fresh(paper), limit=STORED))
    assert set(ids(stored_related_papers(fresh(paper), limit=STORED))) == set(ids(topic[2:]))
    page = Client().get(f"/papers/{paper.pk}/").content.decode()
    assert f'href="/papers/{unrecorded.pk}/"' not in page
    assert "Untitled paper" not in page
