"""Who may call each writing endpoint: anonymous callers, recommenders, editors, superusers."""

import json

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recommendations.models import Recommendation
from tests.factories import add_to_issue, make_issue, make_recommendation, make_recommender

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "recommender", "editor", "superuser")


@pytest.fixture
def world(django_user_model):
    """Everyone, each with a recommender profile so that only the permission differs; a draft and a recommendation."""
    users = {
        "recommender": django_user_model.objects.create_user(username="reader"),
        "editor": django_user_model.objects.create_user(username="editor", is_staff=True),
        "superuser": django_user_model.objects.create_superuser(username="boss", email="boss@example.org"),
    }
    users["editor"].groups.add(Group.objects.get(name="Editors"))
    for name, user in users.items():
        make_recommender(name, user=user)
    clients = {"anonymous": APIClient()}
    for name, user in users.items():
        clients[name] = APIClient()
        clients[name].credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    own = make_recommendation(recommender=users["recommender"].recommender, status=Recommendation.Status.ACCEPTED)
    make_issue(40)
    make_issue(41, published=False)
    return {"clients": clients, "own": own}


# (method, path, body) -> expected status for (anonymous, recommender, editor, superuser).
# The editors and the superuser have recommender profiles too: a refused body (400) shows they got in.
TABLE = [
    ("post", "/api/auth/token/", {}, (400, 400, 400, 400)),
    ("post", "/api/recommendations/", {}, (401, 400, 400, 400)),
    ("get", "/api/recommendations/mine/", None, (401, 200, 200, 200)),
    ("get", "/api/recommendations/mine/{own}/", None, (401, 200, 404, 404)),
    ("delete", "/api/recommendations/mine/{own}/", None, (401, 409, 404, 404)),
    ("get", "/api/editor/issues/", None, (401, 403, 200, 200)),
    ("post", "/api/editor/issues/", {}, (401, 403, 201, 201)),
    ("get", "/api/editor/issues/41/", None, (401, 403, 200, 200)),
    ("get", "/api/editor/issues/999/", None, (401, 403, 404, 404)),
    ("post", "/api/editor/issues/41/entries/", {}, (401, 403, 400, 400)),
    ("post", "/api/editor/issues/41/publish/", {}, (401, 403, 409, 409)),
    ("post", "/api/editor/issues/41/assemble/", {}, (401, 403, 409, 409)),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), TABLE, ids=[f"{r[0]} {r[1]}" for r in TABLE])
@pytest.mark.parametrize("role", ROLES)
def test_it_lets_each_role_do_what_its_permissions_allow(world, role, method, path, body, expected):
    client = world["clients"][role]
    kwargs = {"format": "json"} if body is not None else {}
    response = getattr(client, method)(path.format(own=world["own"].pk), body, **kwargs)
    assert response.status_code == expected[ROLES.index(role)], response.content
    if response.status_code in (401, 403):
        assert set(response.json()) == {"error"}
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("path", ["/api/editor/issues/", "/api/editor/issues/41/"])
def test_it_never_shows_drafts_to_non_editors(world, path):
    for role in ("anonymous", "recommender"):
        response = world["clients"][role].get(path)
        assert response.status_code in (401, 403)
        assert "41" not in json.dumps(response.json())


def test_it_refuses_staff_without_the_issue_permissions(django_user_model):
    make_issue(41, published=False)
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user(username="staff", is_staff=True))
    assert client.get("/api/editor/issues/41/").status_code == 403


def test_it_refuses_an_editor_whose_staff_status_was_taken_away(django_user_model):
    make_issue(41, published=False)
    user = django_user_model.objects.create_user(username="former")
    user.groups.add(Group.objects.get(name="Editors"))
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/editor/issues/41/").status_code == 403


def test_it_lets_a_viewer_read_the_desk_but_not_change_it(django_user_model):
    make_issue(41, published=False)
    user = django_user_model.objects.create_user(username="viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_issue"))
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/editor/issues/41/").status_code == 200
    assert client.post("/api/editor/issues/", {}, format="json").status_code == 403
    assert client.post("/api/editor/issues/41/publish/", {}, format="json").status_code == 403


def test_it_shows_each_person_only_their_own_recommendations(world):
    other = make_recommendation(status=Recommendation.Status.SUBMITTED)
    add_to_issue(make_issue(42, published=False), make_recommendation(status=Recommendation.Status.ACCEPTED))
    for role in ("recommender", "editor", "superuser"):
        rows = world["clients"][role].get("/api/recommendations/mine/").json()["results"]
        ids = {row["id"] for row in rows}
        assert other.pk not in ids
        assert ids == ({world["own"].pk} if role == "recommender" else set())
