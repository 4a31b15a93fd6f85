import pytest

from papers.models import Area
from tests.factories import make_area, make_entry, make_issue, make_recommendation, make_tag
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db


def counts(response):
    return {
        a.get_text(" ", strip=True).rsplit(" ", 1)[0]: int(a.select_one(".count").get_text())
        for a in soup(response).select(".tag-cloud a")
    }


def test_it_lists_tags_grouped_by_area_in_area_order(client):
    cv = make_area("CV", name="Computer Vision", position=2)
    nlp = make_area("NLP", name="Natural Language Processing", position=1)
    make_tag("Object Detection", slug="object-detection", area=cv)
    make_tag("Word Embeddings", slug="word-embeddings", area=nlp)
    make_tag("Sequence Modeling", slug="sequence-modeling", area=nlp)

    response = client.get("/tags/")

    assert response.status_code == 200
    sections = soup(response).select("section.area")
    assert [section.h2.get_text(" ", strip=True) for section in sections] == [
        "NLP Natural Language Processing",
        "CV Computer Vision",
    ]
    assert [a["href"] for a in sections[0].select(".tag-cloud a")] == [
        "/tags/sequence-modeling/",
        "/tags/word-embeddings/",
    ]


def test_it_counts_published_recommendations_per_tag(client):
    detection = make_tag("Object Detection", slug="object-detection")
    issue = make_issue(128)
    make_entry(issue, tag=detection)
    make_entry(issue, tag=detection)
    make_recommendation(tag=detection, status="submitted")

    assert counts(client.get("/tags/")) == {"#Object Detection": 2}


def test_it_does_not_count_recommendations_of_a_draft_issue(client):
    # An issue taken back to draft keeps its recommendations' "published" status; readers
    # must not see them counted, since the tag page itself does not list them.
    detection = make_tag("Object Detection", slug="object-detection")
    make_entry(make_issue(128), tag=detection)
    make_entry(make_issue(129, published=False), tag=detection, status="published")

    assert counts(client.get("/tags/")) == {"#Object Detection": 1}
    assert soup(client.get("/tags/object-detection/")).select("article.entry").__len__() == 1


def test_it_says_so_when_there_are_no_tags(client):
    response = client.get("/tags/")

    assert response.status_code == 200
    assert soup(response).select_one("p.empty") is not None
    assert not Area.objects.exists()


def test_it_answers_405_to_a_post(client):
    assert client.post("/tags/").status_code == 405


def test_it_renders_the_tag_list_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for area_code in ("NLP", "CV", "ML"):
        area = make_area(area_code)
        for _ in range(5):
            make_entry(make_issue(), tag=make_tag(area=area))

    with django_assert_max_num_queries(1):
        response = client.get("/tags/")
    assert len(soup(response).select(".tag-cloud a")) == 15
