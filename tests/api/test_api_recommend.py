"""POST /api/recommendations/ and the caller's own recommendations (/api/recommendations/mine/)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from papers.models import Paper, Tag
from recommendations.models import Recommendation
from tests.factories import (
    add_to_issue,
    make_area,
    make_issue,
    make_paper,
    make_recommendation,
    make_recommender,
    make_tag,
)
from tests.recommendations.helpers import WRITEUP, huge_webp_upload, png_upload

pytestmark = pytest.mark.django_db
URL = "/api/recommendations/"
MINE = "/api/recommendations/mine/"


@pytest.fixture
def person(django_user_model):
    user = django_user_model.objects.create_user(username="reader", email="reader@example.org")
    user.recommender = make_recommender("reader", user=user)
    return user


@pytest.fixture
def token_client(person):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=person).key}")
    return client


def body(topic, **overrides):
    data = {"paper_link": "https://arxiv.org/abs/1809.08370", "tag": topic.slug, "writeup": WRITEUP}
    data.update(overrides)
    return data


def test_it_answers_401_with_a_token_challenge_to_anonymous_callers():
    response = APIClient().post(URL, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not Recommendation.objects.exists()


def test_it_saves_a_recommendation_sent_with_a_token(token_client, person, django_capture_on_commit_callbacks):
    tag = make_tag()
    with django_capture_on_commit_callbacks() as callbacks:
        response = token_client.post(
            URL, body(tag, code_links=["https://github.com/tensorflow/models", " "]), format="json"
        )
    assert response.status_code == 201, response.content
    rec = Recommendation.objects.get()
    assert rec.recommender == person.recommender and rec.tag == tag
    assert rec.code_links == ["https://github.com/tensorflow/models"]
    assert response["Location"] == f"http://testserver/api/recommendations/mine/{rec.pk}/"
    data = response.json()
    assert data["id"] == rec.pk and data["status"] == "submitted"
    assert data["paper"] == {"id": rec.paper_id, "title": "", "metadata_status": "pending"}
    assert data["tag"] == {"slug": tag.slug, "name": tag.name, "approved": True}
    assert data["featured_in"] == [] and data["issue"] is None
    assert callbacks, "the metadata fetch is enqueued on commit"


def test_it_says_when_the_paper_was_featured_before(token_client):
    paper = make_paper(arxiv_id="1809.08370")
    issue = make_issue(7)
    add_to_issue(issue, make_recommendation(paper=paper))
    response = token_client.post(URL, body(make_tag()), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["featured_in"] == [7]


def test_it_enforces_csrf_on_session_requests(person):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(person)
    response = client.post(URL, body(make_tag()), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not Recommendation.objects.exists()


def test_it_accepts_a_session_with_its_csrf_token(person):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(person)
    client.get("/recommend/")  # the form page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(URL, body(make_tag()), format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content


def test_it_takes_a_figure_in_a_multipart_request(token_client):
    tag = make_tag()
    data = body(tag, figure=png_upload(), figure_caption="The model", code_links=["https://github.com/a/b"])
    response = token_client.post(URL, data, format="multipart")
    assert response.status_code == 201, response.content
    rec = Recommendation.objects.get()
    figure = rec.figures.get()
    assert figure.caption == "The model" and rec.code_links == ["https://github.com/a/b"]
    assert response.json()["figures"][0]["url"].startswith("http://testserver/media/figures/")


def test_it_refuses_a_figure_of_too_many_pixels_with_400_under_its_name(token_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = token_client.post(URL, body(make_tag(), figure=huge_webp_upload()), format="multipart")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["figure"]
    assert "WebP" in error["fields"]["figure"][0] and "pixels" in error["fields"]["figure"][0]
    assert not Recommendation.objects.exists()
    assert not any(tmp_path.iterdir())


def test_it_proposes_a_topic_by_name_and_area_code(token_client):
    make_area("CV", name="Computer Vision")
    data = body(make_tag(), tag="", proposed_topic="Event cameras", proposed_area="cv")
    response = token_client.post(URL, data, format="json")
    assert response.status_code == 201, response.content
    tag = Tag.objects.get(name="Event cameras")
    assert not tag.approved and tag.area.code == "CV"
    assert response.json()["tag"]["approved"] is False


def test_it_names_the_areas_when_the_code_is_unknown(token_client):
    make_area("CV", name="Computer Vision")
    data = body(make_tag(), tag="", proposed_topic="Event cameras", proposed_area="XX", writeup="short")
    response = token_client.post(URL, data, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"proposed_area", "writeup"}
    assert "XX" in fields["proposed_area"][0] and "CV" in fields["proposed_area"][0]
    assert not Tag.objects.filter(name="Event cameras").exists()


def test_it_refuses_every_bad_input_at_once_under_its_name(token_client):
    data = body(make_tag(), paper_link="https://example.com/x", tag="no-such-topic", dataset_link="nope")
    response = token_client.post(URL, data, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"paper_link", "tag", "dataset_link"}
    assert error["fields"]["tag"] == ["Choose a topic from the list."]
    assert not Recommendation.objects.exists() and not Paper.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"code_links": "https://github.com/a/b"},
        {"code_links": [["nested"]]},
        {"writeup": None},
        {"paper_link": 12},
        {"writeup": "x\x00" * 30},
        {"figure": "not a file"},
    ],
)
def test_it_refuses_wrong_shapes_with_400(token_client, payload):
    response = token_client.post(URL, body(make_tag(), **payload), format="json")
    assert response.status_code == 400, response.content
    # A list's item is named by its index: "code_links.0".
    assert {name.split(".")[0] for name in response.json()["error"]["fields"]} == set(payload)


def test_it_answers_409_with_the_earlier_recommendation(token_client, person):
    earlier = make_recommendation(
        paper=make_paper(arxiv_id="1809.08370"), recommender=person.recommender, status="submitted"
    )
    response = token_client.post(URL, body(make_tag()), format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate" and error["recommendation"] == earlier.pk
    assert error["fields"] == {"paper_link": ["You have already recommended this paper."]}


def test_it_refuses_past_the_pending_cap(token_client, person, settings):
    settings.PAPERDAILY_MAX_PENDING_RECOMMENDATIONS = 1
    make_recommendation(recommender=person.recommender, status="submitted")
    response = token_client.post(URL, body(make_tag()), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "pending_cap"
    assert "waiting for an editor" in error["fields"]["non_field_errors"][0]
    assert Recommendation.objects.count() == 1


def test_it_asks_a_person_without_a_profile_to_choose_a_handle(django_user_model):
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user(username="x y"))
    response = client.post(URL, body(make_tag()), format="json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "no_profile"
    assert "http://testserver/accounts/profile/" in error["message"]


def test_it_answers_429_past_the_rate_limit(token_client, settings):
    settings.PAPERDAILY_RATE_RECOMMEND_USER = "1/h"
    tag = make_tag()
    assert token_client.post(URL, body(tag, writeup="short"), format="json").status_code == 400
    response = token_client.post(URL, body(tag), format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 3600
    assert not Recommendation.objects.exists()


def test_it_lists_only_my_own_recommendations_in_every_status(token_client, person, django_assert_max_num_queries):
    mine = [
        make_recommendation(recommender=person.recommender, status=status)
        for status in ("submitted", "accepted", "rejected", "published")
    ]
    make_recommendation()  # someone else's
    with django_assert_max_num_queries(6):
        response = token_client.get(MINE)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 4
    assert [row["id"] for row in data["results"]] == [rec.pk for rec in reversed(mine)]


def test_it_hides_a_draft_issue_number_from_the_recommender(token_client, person):
    rec = make_recommendation(recommender=person.recommender, status="accepted")
    add_to_issue(make_issue(12, published=False), rec)
    assert token_client.get(f"{MINE}{rec.pk}/").json()["issue"] is None


@pytest.mark.parametrize("value", ["0", "-1", "abc", "9" * 30, "١٢"])
def test_it_answers_404_for_ids_that_name_nothing(token_client, value):
    response = token_client.get(f"{MINE}{value}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_never_shows_someone_elses_recommendation(token_client):
    other = make_recommendation(status="submitted")
    assert token_client.get(f"{MINE}{other.pk}/").status_code == 404
    assert token_client.delete(f"{MINE}{other.pk}/").status_code == 404
    assert Recommendation.objects.filter(pk=other.pk).exists()


def test_it_withdraws_an_unreviewed_recommendation(token_client, person):
    rec = make_recommendation(recommender=person.recommender, status="submitted")
    response = token_client.delete(f"{MINE}{rec.pk}/")
    assert response.status_code == 204
    assert not Recommendation.objects.exists()


def test_it_refuses_to_withdraw_a_reviewed_recommendation(token_client, person):
    rec = make_recommendation(recommender=person.recommender, status="accepted")
    response = token_client.delete(f"{MINE}{rec.pk}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reviewed"
    assert Recommendation.objects.filter(pk=rec.pk).exists()
