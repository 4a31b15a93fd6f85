"""recommendations/reading/related.py and the "Related papers" of the paper page."""

from io import StringIO

import pytest
from django.core.management import call_command

from papers.models import Paper
from recommendations.reading import related
from recommendations.reading.related import related_papers
from tests.factories import make_entry, make_issue, make_paper, make_recommendation, make_recommender, make_tag
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db


def featured(title, *, tag=None, recommender=None, issue=None, **fields):
    paper = make_paper(title, **fields)
    extra = {key: value for key, value in (("tag", tag), ("recommender", recommender)) if value is not None}
    make_entry(issue or make_issue(), paper=paper, **extra)
    return paper


@pytest.fixture
def demo():
    call_command("loaddemo", stdout=StringIO())


def test_each_neural_networks_paper_of_the_demo_lists_the_other(demo):
    backpropamine = Paper.objects.get(title__startswith="Backpropamine")
    slimmable = Paper.objects.get(title="Slimmable Neural Networks")

    assert slimmable.pk in [other.pk for other in related_papers(backpropamine)]
    assert backpropamine.pk in [other.pk for other in related_papers(slimmable)]
    [other] = [other for other in related_papers(slimmable) if other.pk == backpropamine.pk]
    assert other.shared_tags == 1
    assert other.title.startswith("Backpropamine")


def test_it_lists_papers_of_the_same_recommender_in_the_demo(demo):
    cornernet = Paper.objects.get(title__startswith="CornerNet")

    others = related_papers(cornernet)

    assert others
    assert all(other.shared_recommenders == 1 for other in others)  # @paperweekly recommended them all
    assert cornernet.pk not in [other.pk for other in others]


def test_it_scores_topics_then_recommenders_then_titles():
    tag = make_tag("Object Detection", slug="object-detection")
    who = make_recommender("paperweekly")
    paper = featured("CornerNet: Detecting Objects as Paired Keypoints", tag=tag, recommender=who)
    same_topic = featured("Aerial Vehicles", tag=tag)
    same_recommender = featured("Machine Translation", recommender=who)
    similar_title = featured("CornerNet-Lite: Detecting Objects Efficiently")
    both = featured("Focal Loss", tag=tag, recommender=make_recommender("other"))
    make_entry(make_issue(), paper=both, recommender=who)
    featured("Unrelated Work on Speech")

    others = related_papers(paper)

    assert [other.pk for other in others] == [both.pk, same_topic.pk, same_recommender.pk, similar_title.pk]
    facts = {other.pk: (other.shared_tags, other.shared_recommenders, other.similar_title) for other in others}
    assert facts[both.pk] == (1, 1, False)
    assert facts[same_topic.pk] == (1, 0, False)
    assert facts[same_recommender.pk] == (0, 1, False)
    assert facts[similar_title.pk] == (0, 0, True)
    assert 0.3 <= others[-1].similarity <= 1.0


def test_it_never_lists_the_paper_itself_nor_papers_readers_cannot_see():
    tag = make_tag("Object Detection", slug="object-detection")
    who = make_recommender("paperweekly")
    paper = featured("CornerNet", tag=tag, recommender=who)
    make_entry(make_issue(), paper=paper, tag=tag)  # a second recommendation of the same paper
    make_entry(make_issue(published=False), paper=make_paper("CornerNet Draft"), tag=tag, recommender=who)
    make_recommendation(paper=make_paper("CornerNet Submitted"), tag=tag, status="submitted")
    make_recommendation(paper=make_paper("CornerNet Rejected"), tag=tag, status="rejected")
    visible = featured("CenterNet", tag=tag)

    assert [other.pk for other in related_papers(paper)] == [visible.pk]


def test_it_ignores_a_shared_topic_that_is_only_a_proposal():
    proposal = make_tag("Proposed Topic", slug="proposed-topic")
    paper = featured("Alpha", tag=proposal)
    featured("Omega", tag=proposal)
    proposal.approved = False
    proposal.save()

    assert related_papers(paper) == []


def test_it_counts_only_recommenders_of_published_recommendations():
    who = make_recommender("drafter")
    paper = featured("Alpha")
    make_entry(make_issue(published=False), paper=paper, recommender=who)
    featured("Omega", recommender=who)

    assert related_papers(paper) == []


def test_it_is_one_query_that_loads_what_a_link_needs(django_assert_num_queries):
    tag = make_tag("Object Detection", slug="object-detection")
    paper = featured("CornerNet", tag=tag)
    for i in range(8):
        featured(f"Detector {i}", tag=tag, year=2010 + i, venue=f"Venue {i}", arxiv_id=f"1808.0124{i}")

    with django_assert_num_queries(1):
        others = related_papers(paper, limit=5)
        labels = [(other.pk, str(other), other.year, other.venue, other.get_absolute_url()) for other in others]
        assert all(other.landing_url and other.identifier_label for other in others)

    assert len(labels) == 5
    assert [year for _, _, year, _, _ in labels] == [2017, 2016, 2015, 2014, 2013]  # ties: newest first


def test_it_works_without_trigram_similarity(monkeypatch):
    """The embedded default's code path (SQLite): shared topics and recommenders only."""
    monkeypatch.setattr(related, "_uses_postgresql", lambda: False)
    tag = make_tag("Object Detection", slug="object-detection")
    paper = featured("CornerNet: Detecting Objects", tag=tag)
    same_topic = featured("Aerial Vehicles", tag=tag)
    featured("CornerNet-Lite: Detecting Objects")

    others = related_papers(paper)

    assert [other.pk for other in others] == [same_topic.pk]
    assert others[0].similarity == 0.0


def test_it_answers_nothing_for_an_unsaved_paper_or_no_limit(django_assert_num_queries):
    paper = featured("CornerNet")
    with django_assert_num_queries(0):
        assert related_papers(Paper(title="x")) == []
        assert related_papers(paper, limit=0) == []


def test_the_paper_page_shows_related_papers_and_why(client):
    tag = make_tag("Neural Networks", slug="neural-networks")
    who = make_recommender("paperweekly")
    paper = featured("Slimmable Neural Networks", tag=tag, recommender=who)
    other = featured("Backpropamine", tag=tag, recommender=who, year=2019)
    featured("Slimmable Networks Revisited")

    document = soup(client.get(f"/papers/{paper.pk}/"))

    items = document.select("ul.related li")
    assert [item.select_one("a").get_text() for item in items] == ["Backpropamine", "Slimmable Networks Revisited"]
    assert items[0].select_one("a")["href"] == f"/papers/{other.pk}/"
    assert [why.get_text() for why in items[0].select(".related__why span")] == ["same topic", "same recommender"]
    assert [why.get_text() for why in items[1].select(".related__why span")] == ["similar title"]
