import pytest

from tests.api.conftest import results
from tests.factories import make_area, make_entry, make_issue, make_paper, make_recommendation, make_tag

pytestmark = pytest.mark.django_db


def test_it_finds_featured_papers_with_marked_titles_and_snippets(api_client):
    make_entry(
        make_issue(1),
        paper=make_paper("CornerNet: Detecting Objects as Paired Keypoints", abstract="We detect corners of boxes."),
    )
    make_entry(make_issue(2), paper=make_paper("BERT", abstract="Language models."))

    rows = results(api_client.get("/api/search/?q=corners"))

    assert [row["title"] for row in rows] == ["CornerNet: Detecting Objects as Paired Keypoints"]
    assert "<mark>" in rows[0]["snippet_html"]
    assert rows[0]["title_html"].endswith(": Detecting Objects as Paired Keypoints")
    assert isinstance(rows[0]["rank"], float)
    assert rows[0]["url"].startswith("http://testserver/api/papers/")


def test_it_never_finds_a_paper_only_in_a_draft_or_unpublished(api_client):
    make_entry(make_issue(1, published=False), paper=make_paper("Secret detector"))
    make_recommendation(paper=make_paper("Waiting detector"), status="accepted")
    make_entry(make_issue(2), paper=make_paper("Public detector"))

    assert [row["title"] for row in results(api_client.get("/api/search/?q=detector"))] == ["Public detector"]


def test_it_filters_search_results_by_area_tag_and_year(api_client):
    cv = make_area("CV", name="Computer Vision")
    make_entry(make_issue(1), paper=make_paper("Fast detector", year=2018), tag=make_tag(slug="boxes", area=cv))
    make_entry(make_issue(2), paper=make_paper("Slow detector", year=2019))

    def found(query):
        return [row["title"] for row in results(api_client.get(f"/api/search/?q=detector&{query}"))]

    assert found("area=cv") == ["Fast detector"]
    assert found("tag=boxes") == ["Fast detector"]
    assert found("year=2019") == ["Slow detector"]
    assert found("tag=unknown") == []
    assert found("area=XX") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("", "q"), ("q=", "q"), ("q=%20%20", "q"), ("q=" + "a" * 201, "q"), ("q=a%00b", "q"), ("q=a&year=x", "year")],
)
def test_it_refuses_a_missing_or_malformed_query_with_a_400(api_client, query, field):
    response = api_client.get(f"/api/search/?{query}")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_it_finds_chinese_text(api_client):
    make_entry(make_issue(1), paper=make_paper("预训练语言模型综述"))

    assert [row["title"] for row in results(api_client.get("/api/search/?q=语言模型"))] == ["预训练语言模型综述"]


def test_it_searches_in_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    issue = make_issue(1)
    make_entry(issue, paper=make_paper("Detector 0", authors=["A"], code_urls=["https://github.com/a/d0"]))
    # The matches' ids are read first (one query), and again with typo matches when the words
    # find less than a page (a second one): 9 here, whatever the number of results.
    with django_assert_max_num_queries(9):
        assert len(results(api_client.get("/api/search/?q=detector"))) == 1
    for i in range(1, 12):
        make_entry(
            issue, paper=make_paper(f"Detector {i}", authors=["A", "B"], code_urls=[f"https://github.com/a/d{i}"])
        )
    # The matches' ids are read first (one query), and again with typo matches when the words
    # find less than a page (a second one): 9 here, whatever the number of results.
    with django_assert_max_num_queries(9):
        assert len(results(api_client.get("/api/search/?q=detector"))) == 12
