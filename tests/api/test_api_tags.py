import pytest

from papers.models import Tag
from tests.api.conftest import results
from tests.factories import make_area, make_entry, make_issue, make_issue_with_entries, make_paper, make_tag

pytestmark = pytest.mark.django_db


def test_it_lists_approved_tags_with_their_area_and_published_count(api_client):
    cv = make_area("CV", name="Computer Vision", position=2)
    detection = make_tag("Object Detection", slug="object-detection", area=cv)
    parsing = make_tag("Parsing", slug="parsing")
    make_tag("Proposed", slug="proposed")
    Tag.objects.filter(slug="proposed").update(approved=False)
    make_entry(make_issue(1), tag=detection)
    make_entry(make_issue(2), tag=detection)
    make_entry(make_issue(3, published=False), tag=parsing)

    rows = results(api_client.get("/api/tags/"))

    assert [(row["slug"], row["area"]["code"], row["published_count"]) for row in rows] == [
        ("parsing", "NLP", 0),
        ("object-detection", "CV", 2),
    ]
    assert rows[1]["url"] == "http://testserver/api/tags/object-detection/"
    assert rows[1]["html_url"] == "http://testserver/tags/object-detection/"
    assert rows[1]["papers_url"] == "http://testserver/api/papers/?tag=object-detection"


def test_it_shows_one_tag(api_client):
    tag = make_tag("Object Detection", slug="object-detection", description="Boxes.")
    make_entry(make_issue(1), tag=tag)

    body = api_client.get("/api/tags/object-detection/").json()

    assert body["name"] == "Object Detection"
    assert body["description"] == "Boxes."
    assert body["published_count"] == 1


@pytest.mark.parametrize("slug", ["proposed", "no-such-topic", "x" * 3000])
def test_it_answers_404_for_a_proposed_or_unknown_tag(api_client, slug):
    make_tag("Proposed", slug="proposed")
    Tag.objects.filter(slug="proposed").update(approved=False)

    response = api_client.get(f"/api/tags/{slug}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_lists_areas_with_their_approved_tags(api_client):
    ml = make_area("ML", name="Machine Learning", position=3)
    make_area("NLP", name="Natural Language Processing", position=1)
    make_tag("Optimisation", slug="optimisation", area=ml)
    make_tag("Bandits", slug="bandits", area=ml)
    make_tag("Secret", slug="secret", area=ml)
    Tag.objects.filter(slug="secret").update(approved=False)
    make_entry(make_issue(1), paper=make_paper(), tag=Tag.objects.get(slug="bandits"))

    rows = results(api_client.get("/api/areas/"))

    assert [row["code"] for row in rows] == ["NLP", "ML"]
    assert [(tag["slug"], tag["published_count"]) for tag in rows[1]["tags"]] == [("bandits", 1), ("optimisation", 0)]
    assert rows[1]["papers_url"] == "http://testserver/api/papers/?area=ML"


def test_it_lists_tags_and_areas_in_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    make_issue_with_entries(2)
    with django_assert_max_num_queries(2):
        assert len(results(api_client.get("/api/tags/"))) == 1
    with django_assert_max_num_queries(3):
        assert len(results(api_client.get("/api/areas/"))) == 1
    for code in ("CV", "ML", "RL"):
        for _ in range(3):
            make_issue_with_entries(2, tag=make_tag(area=make_area(code)))
    with django_assert_max_num_queries(2):
        assert len(results(api_client.get("/api/tags/"))) == 10
    with django_assert_max_num_queries(3):
        assert len(results(api_client.get("/api/areas/"))) == 4
