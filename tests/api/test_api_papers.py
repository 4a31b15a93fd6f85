from datetime import UTC, date, datetime

import pytest

from papers.models import Area, PaperLink, Repository
from recommendations.models import Recommendation
from tests.api.conftest import results
from tests.factories import (
    make_area,
    make_entry,
    make_issue,
    make_issue_with_entries,
    make_paper,
    make_recommendation,
    make_recommender,
    make_tag,
)

pytestmark = pytest.mark.django_db


def titles(response):
    return [row["title"] for row in results(response)]


def test_it_lists_featured_papers_only_newest_first(api_client):
    older, newer = make_issue(1), make_issue(2)
    make_entry(older, paper=make_paper("Old"))
    make_entry(newer, paper=make_paper("New"))
    make_entry(make_issue(3, published=False), paper=make_paper("Draft only"))
    make_recommendation(paper=make_paper("Accepted, in no issue"), status=Recommendation.Status.ACCEPTED)

    rows = results(api_client.get("/api/papers/"))

    assert [row["title"] for row in rows] == ["New", "Old"]
    assert rows[0]["latest_issue"] == 2


def test_it_filters_by_tag_area_year_code_and_issue(api_client):
    cv = make_area("CV", name="Computer Vision")
    detection = make_tag("Object Detection", slug="object-detection", area=cv)
    parsing = make_tag("Parsing", slug="parsing")
    first, second = make_issue(1), make_issue(2)
    make_entry(first, paper=make_paper("CornerNet", year=2018, code_urls=["https://github.com/a/b"]), tag=detection)
    make_entry(second, paper=make_paper("Parser", year=2019), tag=parsing)

    assert titles(api_client.get("/api/papers/?tag=object-detection")) == ["CornerNet"]
    assert titles(api_client.get("/api/papers/?area=cv")) == ["CornerNet"]
    assert titles(api_client.get("/api/papers/?area=NLP")) == ["Parser"]
    assert titles(api_client.get("/api/papers/?year=2019")) == ["Parser"]
    assert titles(api_client.get("/api/papers/?has_code=true")) == ["CornerNet"]
    assert titles(api_client.get("/api/papers/?has_code=false")) == ["Parser"]
    assert titles(api_client.get("/api/papers/?issue=2")) == ["Parser"]
    assert titles(api_client.get("/api/papers/?tag=object-detection&year=2019")) == []


@pytest.mark.parametrize("query", ["tag=no-such-topic", "area=XX", "issue=999", "year=1850"])
def test_it_answers_an_empty_page_for_unknown_filter_values(api_client, query):
    make_entry(make_issue(1), paper=make_paper("CornerNet", year=2018))

    assert titles(api_client.get(f"/api/papers/?{query}")) == []


def test_it_does_not_filter_through_a_draft_or_a_proposed_topic(api_client):
    proposed = make_tag("Secret", slug="secret")
    proposed.approved = False
    proposed.save()
    paper = make_paper("Featured")
    make_entry(make_issue(1), paper=paper)
    make_entry(make_issue(2, published=False), paper=make_paper("Draft"), tag=proposed)
    make_entry(make_issue(3, published=False), paper=paper, recommender=make_recommender())

    assert titles(api_client.get("/api/papers/?tag=secret")) == []
    assert titles(api_client.get("/api/papers/?issue=3")) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("year=abc", "year"),
        ("year=99999999999999999999999", "year"),
        ("has_code=maybe", "has_code"),
        ("issue=-1", "issue"),
        ("tag=%00", "tag"),
        ("tag=" + "x" * 5000, "tag"),
        ("area=%00", "area"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=ten", "page_size"),
    ],
)
def test_it_refuses_malformed_query_parameters_with_a_400(api_client, query, field):
    make_entry(make_issue(1))

    response = api_client.get(f"/api/papers/?{query}")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_it_answers_404_for_a_page_past_the_end(api_client):
    make_entry(make_issue(1))

    response = api_client.get("/api/papers/?page=99999999999999999999")

    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_it_shows_a_paper_with_everything_its_page_holds(api_client):
    paper = make_paper(
        "CornerNet: Detecting Objects as Paired Keypoints",
        authors=["Hei Law", "Jia Deng"],
        code_urls=["https://github.com/princeton-vl/CornerNet"],
        dataset_urls=["https://cocodataset.org/"],
        venue="ECCV 2018",
        year=2018,
        published_on=date(2018, 8, 3),
        arxiv_id="1808.01244",
        doi="10.1007/978-3-030-01264-9_45",
        abstract="We propose CornerNet.",
        institutions=["Princeton University"],
    )
    Repository.objects.update(
        stars=2300, language="Python", license="BSD-3-Clause", archived=True, pushed_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    issue = make_issue(128, title="PaperDaily #128")
    make_entry(issue, paper=paper, recommender=make_recommender("qaq"), writeup="Corners!")
    make_entry(make_issue(129, published=False), paper=make_paper("Other"), recommender=make_recommender())
    make_recommendation(paper=paper, status=Recommendation.Status.ACCEPTED)
    make_recommendation(paper=paper, status=Recommendation.Status.REJECTED)

    response = api_client.get(f"/api/papers/{paper.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "CornerNet: Detecting Objects as Paired Keypoints"
    assert body["authors"] == ["Hei Law", "Jia Deng"]
    assert body["institutions"] == ["Princeton University"]
    assert body["published_on"] == "2018-08-03"
    assert body["identifiers"]["arxiv_id"] == "1808.01244"
    assert body["identifiers"]["doi"] == "10.1007/978-3-030-01264-9_45"
    assert body["landing_url"] == "https://arxiv.org/abs/1808.01244"
    assert body["links"] == [{"kind": PaperLink.Kind.DATASET, "url": "https://cocodataset.org/", "label": ""}]
    [repository] = body["repositories"]
    assert repository["full_name"] == "princeton-vl/CornerNet"
    assert (repository["stars"], repository["language"], repository["license"]) == (2300, "Python", "BSD-3-Clause")
    assert repository["archived"] is True
    assert repository["pushed_at"] == "2020-01-01T00:00:00Z"
    [recommendation] = body["recommendations"]
    assert recommendation["recommender"]["handle"] == "qaq"
    assert recommendation["issue"]["number"] == 128
    assert recommendation["writeup_html"].strip() == "<p>Corners!</p>"
    assert [issue["number"] for issue in body["issues"]] == [128]
    assert body["html_url"] == f"http://testserver/papers/{paper.pk}/"


def test_it_lists_related_papers_with_what_they_share(api_client):
    tag = make_tag("Object Detection", slug="object-detection")
    paper = make_paper("CornerNet")
    make_entry(make_issue(1), paper=paper, tag=tag)
    make_entry(make_issue(2), paper=make_paper("CenterNet", authors=["Xingyi Zhou"]), tag=tag)
    make_entry(make_issue(3, published=False), paper=make_paper("Draft detector"), tag=tag)

    related = api_client.get(f"/api/papers/{paper.pk}/").json()["related"]

    assert [other["title"] for other in related] == ["CenterNet"]
    assert related[0]["authors"] == ["Xingyi Zhou"]
    assert related[0]["shared_tags"] == 1
    assert isinstance(related[0]["similarity"], float)


@pytest.mark.parametrize("where", ["draft", "accepted", "nowhere"])
def test_it_answers_404_for_a_paper_readers_may_not_see(api_client, editor_client, where):
    paper = make_paper("Hidden")
    if where == "draft":
        make_entry(make_issue(1, published=False), paper=paper)
    elif where == "accepted":
        make_recommendation(paper=paper, status=Recommendation.Status.ACCEPTED)

    assert api_client.get(f"/api/papers/{paper.pk}/").status_code == 404
    assert editor_client.get(f"/api/papers/{paper.pk}/").status_code == 404


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999999", "abc"])
def test_it_answers_404_for_ids_that_are_no_paper(api_client, pk):
    response = api_client.get(f"/api/papers/{pk}/")

    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_it_lists_papers_in_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    make_issue_with_entries(1)
    with django_assert_max_num_queries(6):
        assert len(results(api_client.get("/api/papers/?has_code=true&area=nlp"))) == 1
    make_issue_with_entries(15)
    with django_assert_max_num_queries(6):
        assert len(results(api_client.get("/api/papers/?has_code=true&area=nlp"))) == 16


def test_it_shows_a_paper_in_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    tag = make_tag()
    small = make_issue_with_entries(1, tag=tag)
    paper_id = small.entries.get().recommendation.paper_id
    with django_assert_max_num_queries(10):
        assert api_client.get(f"/api/papers/{paper_id}/").json()["related"] == []
    for _ in range(3):
        make_issue_with_entries(6, tag=tag)
    with django_assert_max_num_queries(10):
        assert len(api_client.get(f"/api/papers/{paper_id}/").json()["related"]) == 5


def test_it_matches_area_codes_in_any_case(api_client):
    Area.objects.filter(code="NLP").delete()
    make_entry(make_issue(1), paper=make_paper("Parser"), tag=make_tag(area=make_area("NLP")))

    assert titles(api_client.get("/api/papers/?area=nLp")) == ["Parser"]
