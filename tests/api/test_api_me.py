"""/api/me/ (issue 18, item 6): a reader's follows, library and picks, with token auth."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recommendations.foryou import services
from recommendations.models import Follow, ForYouPick, LibraryItem
from tests.factories import make_entry, make_issue, make_paper, make_recommender, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("reader", "reader@example.org", "reader-password-1")


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user("other", "other@example.org", "other-password-1")


@pytest.fixture
def papers():
    issue = make_issue(128)
    tag = make_tag("Object Detection", slug="object-detection")
    found = []
    for title in ("CornerNet", "Focal Loss", "Feature Pyramid Networks", "YOLOv3"):
        paper = make_paper(title, authors=["Hei Law"])
        make_entry(issue, paper=paper, tag=tag, recommender=make_recommender(f"rec-{title[:4].lower()}"))
        found.append(paper)
    return found


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_it_needs_a_token_or_a_session(client):
    for path in ("/api/me/follows/", "/api/me/library/", "/api/me/for-you/"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Token"


def test_it_follows_once_and_unfollows(reader, papers):
    client = api(reader)

    first = client.post("/api/me/follows/", {"kind": "topic", "key": "object-detection"}, format="json")
    again = client.post("/api/me/follows/", {"kind": "topic", "key": "object-detection"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["name"] == "Object Detection" and first.json()["key"] == "object-detection"
    assert Follow.objects.filter(user=reader).count() == 1
    listed = client.get("/api/me/follows/").json()
    assert [(f["kind"], f["key"]) for f in listed["results"]] == [("topic", "object-detection")]
    assert client.delete("/api/me/follows/topic/object-detection/").status_code == 204
    assert client.delete("/api/me/follows/topic/object-detection/").status_code == 404


def test_it_refuses_an_unknown_kind_or_target(reader, papers):
    client = api(reader)

    bad_kind = client.post("/api/me/follows/", {"kind": "planet", "key": "mars"}, format="json")
    unknown = client.post("/api/me/follows/", {"kind": "topic", "key": "no-such-topic"}, format="json")

    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["error"]["fields"]
    assert unknown.status_code == 404
    assert not Follow.objects.exists()


def test_it_saves_notes_and_reads_the_library(reader, papers):
    client = api(reader)
    paper = papers[0]

    response = client.put(f"/api/me/library/{paper.pk}/", {"note": "Corner pooling", "read": True}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["paper"]["title"] == "CornerNet" and body["state"] == "saved"
    assert body["note"] == "Corner pooling" and body["read"] is True
    listed = client.get("/api/me/library/").json()["results"]
    assert [item["paper"]["id"] for item in listed] == [paper.pk]


def test_not_interested_moves_a_paper_out_of_the_library(reader, papers):
    client = api(reader)
    client.put(f"/api/me/library/{papers[0].pk}/", {"note": "kept"}, format="json")

    response = client.put(f"/api/me/library/{papers[0].pk}/", {"state": "not_interested"}, format="json")

    assert response.json()["state"] == "not_interested" and response.json()["note"] == "kept"
    assert client.get("/api/me/library/").json()["results"] == []
    dismissed = client.get("/api/me/library/?state=not_interested").json()["results"]
    assert [item["paper"]["id"] for item in dismissed] == [papers[0].pk]


def test_it_refuses_a_note_too_long_and_loses_nothing(reader, papers):
    client = api(reader)
    client.put(f"/api/me/library/{papers[0].pk}/", {"note": "kept"}, format="json")

    response = client.put(f"/api/me/library/{papers[0].pk}/", {"note": "x" * 5001}, format="json")

    assert response.status_code == 400 and "note" in response.json()["error"]["fields"]
    assert LibraryItem.objects.get(user=reader).note == "kept"


def test_it_answers_404_for_papers_readers_cannot_open(reader):
    client = api(reader)
    hidden = make_paper("Not featured")

    assert client.put(f"/api/me/library/{hidden.pk}/", {}, format="json").status_code == 404
    assert client.get("/api/me/library/abc/").status_code == 404
    assert client.get(f"/api/me/library/{hidden.pk}/").status_code == 404


def test_no_reader_sees_another_readers_library_or_picks(reader, other, papers):
    api(other).put(f"/api/me/library/{papers[0].pk}/", {"note": "other's secret"}, format="json")
    services.reader_train(user_id=other.pk)
    client = api(reader)

    assert client.get("/api/me/library/").json()["results"] == []
    assert client.get(f"/api/me/library/{papers[0].pk}/").status_code == 404
    assert "other's secret" not in client.get("/api/me/library/?state=saved").content.decode()
    assert client.get("/api/me/for-you/").json()["results"] == []


def test_it_lists_the_picks_with_why(reader, papers):
    Follow.objects.create(user=reader, tag=papers[0].recommendations.first().tag)
    services.reader_train(user_id=reader.pk)

    body = api(reader).get("/api/me/for-you/").json()

    assert body["count"] == ForYouPick.objects.filter(user=reader).count() == 4
    first = body["results"][0]
    assert first["rank"] == 1
    assert first["reason"] == {"kind": "topic", "text": "A topic you follow: #Object Detection"}
