"""Topics and areas have a Chinese name: shown when the interface is Chinese, found by search in
either language (issue 17, item 6)."""

import pytest
from django.utils import translation

from papers.models import Area, Tag
from tests.factories import make_area, make_entry, make_issue, make_paper, make_tag
from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db

CHINESE = {"headers": {"accept-language": "zh-Hans"}}


@pytest.fixture
def detection():
    area = make_area("CV", name="Computer Vision", position=2)
    area.name_zh = "计算机视觉"
    area.save()
    tag = make_tag("Object Detection", area=area, slug="object-detection")
    tag.name_zh = "目标检测"
    tag.save()
    make_entry(make_issue(128), paper=make_paper("CornerNet: Detecting Objects as Paired Keypoints"), tag=tag)
    return tag


def test_the_name_follows_the_interface_language_and_falls_back_to_english(detection):
    plain = make_tag("Graph Neural Networks")

    with translation.override("zh-hans"):
        assert (detection.local_name, detection.area.local_name, plain.local_name) == (
            "目标检测",
            "计算机视觉",
            "Graph Neural Networks",
        )
    with translation.override("en"):
        assert (detection.local_name, detection.area.local_name) == ("Object Detection", "Computer Vision")


def test_chinese_readers_see_chinese_topic_names_on_the_reading_pages(client, detection):
    issue = soup(client.get("/issues/128/", **CHINESE))
    topics = soup(client.get("/tags/", **CHINESE))
    topic = soup(client.get("/tags/object-detection/", **CHINESE))

    assert issue.select_one(".entry__tag").get_text(strip=True) == "#目标检测"
    assert issue.select_one(".toc__tag").get_text(strip=True) == "#目标检测"
    assert "#目标检测" in topics.select_one(".tag-cloud").get_text()
    assert "计算机视觉" in topics.select_one(".area h2").get_text()
    assert topic.select_one("h1").get_text(strip=True) == "#目标检测"


def test_english_readers_still_see_english_names(client, detection):
    issue = soup(client.get("/issues/128/"))

    assert issue.select_one(".entry__tag").get_text(strip=True) == "#Object Detection"


@pytest.mark.parametrize("query", ["目标检测", "检测", "detection", "OBJECT detection"])
def test_search_leads_to_the_topic_by_either_of_its_names(client, detection, query):
    page = soup(client.get("/search/", {"q": query}))

    links = [a["href"] for a in page.select(".search-topics a")]
    assert links == ["/tags/object-detection/"]
    assert "目标检测" in page.select_one(".search-topics").get_text()


def test_search_shows_the_topic_in_the_readers_language_with_the_other_beside_it(client, detection):
    page = soup(client.get("/search/", {"q": "检测"}, **CHINESE))

    chip = page.select_one(".search-topics a")
    assert chip.get_text(" ", strip=True).startswith("CV #目标检测")
    assert chip.select_one(".search-topics__other").get_text() == "Object Detection"
    assert chip.select_one(".search-topics__other")["lang"] == "en"


def test_search_lists_no_topic_for_an_unrelated_or_one_letter_query(client, detection):
    assert soup(client.get("/search/", {"q": "transformer"})).select_one(".search-topics") is None
    assert soup(client.get("/search/", {"q": "d"})).select_one(".search-topics") is None


def test_a_proposed_topic_is_never_suggested(client, detection):
    Tag.objects.create(name="Detection Proposals", slug="detection-proposals", area=detection.area, approved=False)

    links = [a["href"] for a in soup(client.get("/search/", {"q": "detection"})).select(".search-topics a")]
    assert links == ["/tags/object-detection/"]


def test_the_api_gives_both_names(client, detection):
    tag = client.get("/api/tags/object-detection/").json()
    areas = client.get("/api/areas/").json()

    assert (tag["name"], tag["name_zh"]) == ("Object Detection", "目标检测")
    assert (tag["area"]["name"], tag["area"]["name_zh"]) == ("Computer Vision", "计算机视觉")
    area = next(area for area in (areas.get("results") or areas) if area["code"] == "CV")
    assert area["name_zh"] == "计算机视觉" and area["tags"][0]["name_zh"] == "目标检测"


def test_an_editor_gives_a_topic_its_chinese_name_in_the_admin(admin_client, detection):
    response = admin_client.post(
        f"/admin/papers/tag/{detection.pk}/change/",
        {
            "name": "Object Detection",
            "name_zh": "物体检测",
            "slug": "object-detection",
            "area": detection.area_id,
            "description": "",
            "approved": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Tag.objects.get(pk=detection.pk).name_zh == "物体检测"
    assert "物体检测" in admin_client.get("/admin/papers/tag/").content.decode()
    assert Area.objects.get(pk=detection.area_id).name_zh == "计算机视觉"


def test_a_query_that_only_names_a_topic_lists_that_topics_papers(client, detection):
    page = soup(client.get("/search/", {"q": "目标检测"}))

    titles = [a.get_text(strip=True) for a in page.select(".search-result__title a")]
    assert titles == ["CornerNet: Detecting Objects as Paired Keypoints"]
    status = page.select_one(".search-count").get_text()
    assert "but the topic #Object Detection matches it: its 1 paper follows" in status


def test_a_query_whose_words_find_papers_lists_those_not_the_topics(client, detection):
    make_entry(make_issue(129), paper=make_paper("Speech recognition with 目标检测 in its title"))

    page = soup(client.get("/search/", {"q": "目标检测"}))

    titles = [a.get_text() for a in page.select(".search-result__title a")]
    assert [" ".join(title.split()) for title in titles] == ["Speech recognition with 目标检测 in its title"]
    assert "matches it" not in page.select_one(".search-count").get_text()
