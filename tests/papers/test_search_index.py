"""The search index stays current on every write path: the triggers of migration papers/0004_search on
PostgreSQL, those of papers/0007_sqlite_search_index on SQLite (papers/sqlite_search.py)."""

import pytest
from django.utils import timezone

from papers.models import Author, Paper, PaperAuthor
from recommendations.issues.publishing import issue_publish, issue_unpublish
from recommendations.models import Issue, IssueEntry, Recommendation
from recommendations.reading.search import paper_search
from tests.factories import add_to_issue, make_author, make_entry, make_issue, make_paper, make_recommendation

pytestmark = pytest.mark.django_db


def found(query):
    return {paper.pk for paper in paper_search(query=query)}


@pytest.fixture
def paper():
    """A featured paper: one published recommendation in a published issue."""
    paper = make_paper("Slimmable Neural Networks", authors=["Jiahui Yu"], abstract="Widths at run time.")
    make_entry(make_issue(), paper=paper, writeup="A **switchable** idea.")
    return paper


def test_it_indexes_a_new_paper_as_plain_text(paper):
    paper.refresh_from_db()

    assert paper.search_text == "Slimmable Neural Networks\nJiahui Yu\nWidths at run time.\nA switchable idea."


@pytest.mark.postgresql(reason="the weighted tsvector is PostgreSQL's; SQLite weighs FTS5 columns instead")
def test_it_indexes_a_new_paper_with_weights(paper):
    paper.refresh_from_db()

    assert "'slimmabl':1A" in paper.search_vector
    assert "'yu':5B" in paper.search_vector
    assert "'switchabl'" in paper.search_vector


def test_it_follows_a_title_edited_with_save(paper):
    paper.title = "Quokka Networks"
    paper.save()

    assert found("quokka") == {paper.pk}
    assert found("slimmable") == set()


def test_it_follows_a_title_and_abstract_edited_with_queryset_update(paper):
    Paper.objects.filter(pk=paper.pk).update(title="Axolotl Networks", abstract="About wombats.")

    assert found("axolotl") == {paper.pk}
    assert found("wombats") == {paper.pk}
    assert found("slimmable") == set()


def test_it_follows_an_author_renamed(paper):
    Author.objects.filter(name="Jiahui Yu").update(name="Zyxwv Person")

    assert found("zyxwv") == {paper.pk}
    assert found("jiahui") == set()


def test_it_follows_an_author_renamed_with_save(paper):
    author = Author.objects.get(name="Jiahui Yu")
    author.name = "Qwerty Person"
    author.save()

    assert found("qwerty") == {paper.pk}


def test_it_follows_authorships_added_and_removed(paper):
    authorship = PaperAuthor.objects.create(paper=paper, author=make_author("Linjie Yang"), position=2)
    assert found("linjie") == {paper.pk}

    authorship.delete()
    assert found("linjie") == set()


def test_it_follows_authorships_added_in_bulk():
    papers = [make_paper(f"Bulk {i}") for i in range(3)]
    for p in papers:
        make_entry(make_issue(), paper=p)
    author = make_author("Bulkington Writer")

    PaperAuthor.objects.bulk_create(PaperAuthor(paper=p, author=author, position=1) for p in papers)

    assert found("bulkington") == {p.pk for p in papers}


def test_it_follows_a_writeup_edited_on_a_published_recommendation(paper):
    recommendation = paper.recommendations.get()
    recommendation.set_writeup("Now about **capybaras**.")
    recommendation.save()

    assert found("capybaras") == {paper.pk}
    assert found("switchable") == set()
    paper.refresh_from_db()
    assert "Now about capybaras." in paper.search_text  # no Markdown in the text


def test_it_follows_a_writeup_edited_with_queryset_update(paper):
    Recommendation.objects.filter(paper=paper).update(writeup_html="<p>Edited: <em>narwhals</em> &amp; co</p>")

    assert found("narwhals") == {paper.pk}
    paper.refresh_from_db()
    assert paper.search_text.endswith("Edited: narwhals & co")


def test_it_indexes_the_writeups_of_an_issue_when_it_is_published(paper):
    issue = make_issue(published=False)
    make_entry(issue, paper=paper, writeup="Draft word: pangolin.")
    assert found("pangolin") == set()

    issue_publish(issue_id=issue.pk)

    assert found("pangolin") == {paper.pk}


def test_it_drops_the_writeups_of_an_issue_when_it_is_unpublished(paper, admin_user):
    issue = make_issue()
    make_entry(issue, paper=paper, writeup="Published word: okapi.")
    assert found("okapi") == {paper.pk}

    issue_unpublish(issue_id=issue.pk, user=admin_user)

    assert found("okapi") == set()
    assert found("switchable") == {paper.pk}  # the paper's other issue is still published


def test_it_drops_the_writeup_of_an_issue_turned_back_to_draft_by_update(paper):
    Issue.objects.update(status=Issue.Status.DRAFT, published_at=None)

    paper.refresh_from_db()
    assert "switchable" not in paper.search_text


def test_it_drops_the_writeup_of_a_recommendation_taken_out_of_its_issue_and_deleted(paper):
    other = make_entry(make_issue(), paper=paper, writeup="Soon gone: tapir.")
    assert found("tapir") == {paper.pk}

    other.issue_entry.delete()
    assert found("tapir") == set()
    other.delete()
    paper.refresh_from_db()
    assert "tapir" not in paper.search_text


def test_it_follows_a_recommendation_moved_to_another_paper(paper):
    recommendation = make_entry(make_issue(), paper=paper, writeup="Moving word: gecko.")
    target = make_paper("Target Paper")
    make_entry(make_issue(), paper=target)

    Recommendation.objects.filter(pk=recommendation.pk).update(paper=target)

    assert found("gecko") == {target.pk}


def test_it_follows_an_entry_moved_to_a_draft_issue(paper):
    recommendation = make_entry(make_issue(), paper=paper, writeup="Moving word: ibis.")
    draft = make_issue(published=False)

    IssueEntry.objects.filter(recommendation=recommendation).update(issue=draft)

    assert found("ibis") == set()


def test_it_follows_a_recommendation_rejected_after_publication(paper):
    recommendation = make_entry(make_issue(), paper=paper, writeup="Rejected word: dugong.")
    assert found("dugong") == {paper.pk}

    Recommendation.objects.filter(pk=recommendation.pk).update(status=Recommendation.Status.REJECTED)

    assert found("dugong") == set()


def test_it_indexes_nothing_of_a_recommendation_outside_an_issue(paper):
    make_recommendation(paper=paper, writeup="Loose word: marmot.", status="published")

    assert found("marmot") == set()


def test_it_indexes_an_issue_published_by_hand(paper):
    issue = make_issue(published=False)
    make_entry(issue, paper=paper, writeup="Hand word: kiwi.", status="published")

    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.PUBLISHED, published_at=timezone.now())

    assert found("kiwi") == {paper.pk}


def test_it_keeps_the_index_of_a_paper_added_to_an_issue_entry_by_entry(paper):
    issue = make_issue()
    recommendation = make_recommendation(paper=paper, writeup="Entry word: quetzal.")
    assert found("quetzal") == set()

    add_to_issue(issue, recommendation)

    assert found("quetzal") == {paper.pk}
